#!/bin/sh
# --prepare <port> <path>: at image build, writes the page and remembers the port.
# --serve [ignored...]:   at run time, serves /www on the remembered port (idles without a port).
set -eu
root="${BOOTSTRAP_ROOT:-}"   # tests only: a directory standing in for /
case "${1:-}" in
  --prepare)
    port="$2"; path="$3"
    case "$path" in
      */) file="$root/www${path}index.html" ;;
      *) file="$root/www${path}" ;;
    esac
    mkdir -p "$(dirname "$file")"
    echo ok > "$file"
    echo "$port" > "$root/bootstrap-port"
    ;;
  --serve)
    port="$(cat "$root/bootstrap-port")"
    if [ -z "$port" ]; then
      while true; do sleep 3600; done
    fi
    exec httpd -f -v -p "$port" -h "$root/www"
    ;;
  *)
    echo "usage: $0 --prepare <port> <path> | --serve" >&2
    exit 2
    ;;
esac
