#!/bin/sh
# --prepare <port> <path>: at image build, writes the page and remembers the port.
# --serve [ignored...]:   at run time, serves /www on the remembered port.
set -eu
case "${1:-}" in
  --prepare)
    port="$2"; path="$3"
    case "$path" in
      */) file="/www${path}index.html" ;;
      *) file="/www${path}" ;;
    esac
    mkdir -p "$(dirname "$file")"
    echo ok > "$file"
    echo "$port" > /bootstrap-port
    ;;
  --serve)
    exec httpd -f -v -p "$(cat /bootstrap-port)" -h /www
    ;;
  *)
    echo "usage: $0 --prepare <port> <path> | --serve" >&2
    exit 2
    ;;
esac
