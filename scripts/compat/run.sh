#!/usr/bin/env bash
# Compatibility matrix: proves the packed library the way a user gets it. Builds and packs the
# library, then for every cell of scripts/compat/versions.json (aws-cdk-lib x cdk-nag) creates a
# throwaway consumer in .tmp/compat/<cell>/, installs the tarball with exactly those versions and:
#   - type-checks the consumer app with `tsc --strict --noEmit`;
#   - synthesizes the example pipeline (3 environments, integration tests, notification and approval
#     e-mails, one HTTPS environment) and a standalone BlueGreenFargateService, each env-agnostic and
#     with env: { account, region }, under cdk-nag AwsSolutions (2.x: Aspect; 3.x: Validations plugin);
#   - requires 0 unsuppressed errors and 0 warnings there, > 0 errors on a known-bad stack (so a
#     harness that checks nothing cannot pass) and exactly one finding for a wildcard the library
#     did not grant (so an acknowledgement cannot hide it);
#   - runs cfn-lint on every template (errors fail, warnings are reported).
# Prints the matrix and exits non-zero on any failure. Cells run one after the other and share the
# npm cache. Usage: scripts/compat/run.sh [--no-build] [cell ...]
# (--no-build or COMPAT_NO_BUILD=1: pack what the last build left in lib/ and assets/, as CI does
# right after `projen build`).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
export CI=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=1 CDK_DISABLE_VERSION_CHECK=1
export NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false NPM_CONFIG_UPDATE_NOTIFIER=false

build=$([ "${COMPAT_NO_BUILD:-}" = 1 ] && echo 0 || echo 1)
cells=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    *) cells+=("$arg") ;;
  esac
done

started=$(date +%s)
work="$root/.tmp/compat"
mkdir -p "$work"
versions="$root/scripts/compat/versions.json"
v() { node -e 'const v=require(process.argv[1]); const p=process.argv[2].split("."); let o=v; for (const k of p) o=/^\d+$/.test(k)?o[+k]:o[k]; process.stdout.write(String(o ?? ""))' "$versions" "$1"; }

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "compat: cfn-lint is required (pip install 'cfn-lint>=1.51')" >&2
  exit 2
fi

if [ "$build" = 1 ]; then
  echo "=== build and pack ($(date -u +%T))"
  # projen's compile runs jsii only; the handlers are bundled into assets/ by the bundle task.
  npx projen bundle >/dev/null
  npx projen compile >/dev/null
fi
rm -f "$work"/*.tgz
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -1)"
echo "tarball: ${tarball#"$root"/} ($(du -k "$tarball" | cut -f1) KiB)"
# A handler that was not bundled, or assets/ missing from the package, only shows up here.
listing=$(tar -tzf "$tarball")
for handler in $(cd "$root" && find assets -name index.js | sort); do
  if ! grep -qx "package/$handler" <<<"$listing"; then
    echo "compat: $handler is missing from the tarball" >&2
    exit 1
  fi
done
if [ -z "$(grep '^package/assets/.*index\.js$' <<<"$listing")" ]; then
  echo "compat: the tarball has no bundled handler (assets/**/index.js)" >&2
  exit 1
fi
if grep -q '^package/\(\.tmp\|scripts/compat\|test\)/' <<<"$listing"; then
  echo "compat: the tarball ships development files:" >&2
  grep '^package/\(\.tmp\|scripts/compat\|test\)/' <<<"$listing" | head >&2
  exit 1
fi

count=$(node -e 'console.log(require(process.argv[1]).cells.length)' "$versions")
if [ ${#cells[@]} -eq 0 ]; then
  for ((i = 0; i < count; i++)); do cells+=("$(v cells.$i.name)"); done
fi

failed=0
table=()
for cell in "${cells[@]}"; do
  i=$(node -e 'const c=require(process.argv[1]).cells; const i=c.findIndex(x=>x.name===process.argv[2]); if(i<0){process.exit(1)} console.log(i)' "$versions" "$cell") \
    || { echo "compat: unknown cell '$cell'" >&2; exit 2; }
  cdk_version=$(v "cells.$i.aws-cdk-lib")
  nag_version=$(v "cells.$i.cdk-nag")
  label=$(v "cells.$i.label")
  dir="$work/$cell"
  echo
  echo "=== cell $cell: aws-cdk-lib $cdk_version + cdk-nag $nag_version, $label ($(date -u +%T))"
  cell_started=$(date +%s)
  rm -rf "$dir/cdk.out" "$dir/results.json" "$dir"/*.ts
  mkdir -p "$dir"
  cp "$root"/scripts/compat/consumer/*.ts "$root/scripts/compat/consumer/tsconfig.json" "$dir/"
  if [ ! -f "$dir/package.json" ]; then
    echo '{ "name": "compat-consumer", "version": "0.0.0", "private": true }' >"$dir/package.json"
  fi
  (cd "$dir" && npm install --no-progress --loglevel=error --prefer-offline --no-package-lock \
    "$tarball" "aws-cdk-lib@$cdk_version" "cdk-nag@$nag_version" "constructs@$(v constructs)" \
    "typescript@$(v typescript)" "ts-node@$(v ts-node)" "@types/node@$(v @types/node)" >/dev/null)
  installed=$(cd "$dir" && node -e 'console.log(["aws-cdk-lib","cdk-nag","cdk-ecs-cicd-pipeline"].map(p=>p+"@"+require(p+"/package.json").version).join(" "))')
  echo "installed: $installed"

  status=ok
  notes=()
  if (cd "$dir" && npx tsc --strict --noEmit -p tsconfig.json); then
    tsc_result=ok
  else
    tsc_result=FAIL; status=FAIL; notes+=("tsc --strict")
  fi

  # cdk-nag 3 makes aws-cdk-lib print its validation report (the known-bad stack's) on stderr: keep it in a file.
  if ! (cd "$dir" && node -r ts-node/register/transpile-only check.ts 2>check.log); then
    tail -40 "$dir/check.log"
    status=FAIL; notes+=("synth")
  fi
  results="$dir/results.json"
  figure() { node -e 'const r=require(process.argv[1]).results.find(x=>x.case===process.argv[2]); console.log(r ? (r.failure ? "FAIL" : r.errors + "/" + r.warnings) : "-")' "$results" "$1"; }
  row=("$cell" "aws-cdk-lib $cdk_version" "cdk-nag $nag_version")
  if [ -f "$results" ]; then
    for c in pipeline pipeline-env service service-env native native-env; do
      f=$(figure "$c")
      row+=("$f")
      [ "$f" = "0/0" ] || { status=FAIL; notes+=("$c: $f unsuppressed"); }
    done
    bad=$(figure known-bad)
    row+=("$bad")
    bad_errors=${bad%%/*}
    if ! [[ "$bad_errors" =~ ^[0-9]+$ ]] || [ "$bad_errors" -eq 0 ]; then
      status=FAIL; notes+=("known-bad stack not reported: the harness checks nothing")
    fi
    # An acknowledgement must not hide a wildcard nobody acknowledged: exactly that one finding.
    wild=$(node -e 'const r=require(process.argv[1]).results.find(x=>x.case==="new-wildcard"); console.log(r.findings.map(f=>f.level+" "+f.rule).join(","))' "$results")
    row+=("$(node -e 'const r=require(process.argv[1]).results.find(x=>x.case==="new-wildcard"); console.log(r.errors + "/" + r.warnings)' "$results")")
    if [ "$wild" != 'error AwsSolutions-IAM5[Resource::arn:aws:s3:::shop-assets/*]' ]; then
      status=FAIL; notes+=("new wildcard: expected exactly error AwsSolutions-IAM5[Resource::arn:aws:s3:::shop-assets/*], got '${wild:-nothing}'")
    fi
    # Every finding, for the log.
    node -e 'for (const r of require(process.argv[1]).results) if (!["known-bad", "new-wildcard"].includes(r.case)) for (const f of r.findings) console.log(`    ${r.case} ${f.level} ${f.rule} ${f.path}`)' "$results"
  else
    row+=("-" "-" "-" "-" "-" "-" "-" "-")
  fi

  lint_errors=0
  lint_warnings=0
  templates=$(cd "$dir" && find cdk.out -name '*.template.json' -not -path '*known-bad*' -not -path '*new-wildcard*' 2>/dev/null | sort || true)
  for t in $templates; do
    out=$(cd "$dir" && cfn-lint --format parseable -- "$t" || true)
    e=$(grep -c ':E[0-9]\{4\}:' <<<"$out" || true)
    w=$(grep -c ':W[0-9]\{4\}:' <<<"$out" || true)
    lint_errors=$((lint_errors + e))
    lint_warnings=$((lint_warnings + w))
    if [ "$e" -gt 0 ]; then sed 's/^/    /' <<<"$out"; fi
  done
  n_templates=$(wc -w <<<"$templates")
  [ "$n_templates" -ge 6 ] || { status=FAIL; notes+=("only $n_templates template(s)"); }
  [ "$lint_errors" -eq 0 ] || { status=FAIL; notes+=("cfn-lint: $lint_errors error(s)"); }
  row+=("$n_templates: $lint_errors E / $lint_warnings W" "$tsc_result" "$(( $(date +%s) - cell_started )) s" "$status")
  [ "$status" = ok ] || failed=1
  echo "cell $cell: $status${notes[*]:+ (${notes[*]})}"
  table+=("$(IFS='|'; echo "${row[*]}")")
done

echo
echo "=== compatibility matrix (unsuppressed AwsSolutions errors/warnings; known-bad must be > 0 errors, new wildcard exactly 1 IAM5 error)"
header="cell|aws-cdk-lib|cdk-nag|pipeline|pipeline env|service|service env|native|native env|known-bad|new wildcard|cfn-lint (templates: E/W)|tsc --strict|time|result"
{
  echo "$header"
  printf '%s\n' "${table[@]}"
} | awk -F'|' '{ line = "|"; for (i = 1; i <= NF; i++) line = line " " $i " |"; print line; if (NR == 1) { sep = "|"; for (i = 1; i <= NF; i++) sep = sep "---|"; print sep } }'
echo "compat: $(( $(date +%s) - started )) s in all"
if [ "$failed" -ne 0 ]; then
  echo "compat: FAILED" >&2
  exit 1
fi
echo "compat: every cell passed"
