#!/usr/bin/env bash
# cfn-lint gate: synthesizes the example app, then lints every template of the example app and of
# the committed integ-runner snapshots. Errors (E*) fail the gate; warnings are reported.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cfn-lint >/dev/null 2>&1; then
  cat >&2 <<'MSG'
cfn-lint gate: cfn-lint is not installed.
  Install it with:  pip install 'cfn-lint>=1.51'   (or: pipx install cfn-lint)
  The gate lints every synthesized CloudFormation template and cannot run without it.
MSG
  exit 2
fi
echo "cfn-lint gate: $(cfn-lint --version)"

npx projen example >/dev/null

templates=(cdk.out/*.template.json)
for dir in test/*.snapshot; do
  [ -d "$dir" ] || continue
  for t in "$dir"/*.template.json; do
    [ -e "$t" ] || continue
    # integ-tests-alpha's assertion stack has no resources when a scenario makes no deployed
    # assertions; the CDK CLI skips such empty stacks, so there is nothing CloudFormation would see.
    if [[ "$t" == *DeployAssert*.template.json ]] && ! grep -q '"Resources"' "$t"; then
      echo "  $t: skipped (empty integ-tests assertion stack, never deployed)"
      continue
    fi
    templates+=("$t")
  done
done

errors=0
warnings=0
for t in "${templates[@]}"; do
  # --format parseable: file:line:col:line:col:RULE:message
  out=$(cfn-lint --format parseable -- "$t" || true)
  e=$(grep -c ':E[0-9]\{4\}:' <<<"$out" || true)
  w=$(grep -c ':W[0-9]\{4\}:' <<<"$out" || true)
  errors=$((errors + e))
  warnings=$((warnings + w))
  printf '  %-90s errors=%s warnings=%s\n' "$t" "$e" "$w"
  if [ -n "$out" ]; then sed 's/^/    /' <<<"$out"; fi
done

echo "cfn-lint gate: ${#templates[@]} template(s), ${errors} error(s), ${warnings} warning(s)"
if [ "$errors" -gt 0 ]; then
  echo "cfn-lint gate: FAILED (errors are not allowed)" >&2
  exit 1
fi
