#!/usr/bin/env bash
# Checks the Kubernetes manifests in k8s/ without a cluster:
#   1. builds every overlay in k8s/overlays/ and Argo CD's k8s/argocd with `kubectl kustomize`
#      (and reads k8s/ops/*.yaml);
#   2. validates every object strictly (unknown fields fail): core kinds with
#      kubernetes-validate for Kubernetes 1.32, custom resources against the JSON schemas in
#      ${IRONLOG_CRD_SCHEMAS:-../shared/schemas} (kubeconform layout); a kind with no schema fails;
#   3. checks the manifests against the sources: the variables the containers get are ones the
#      binaries read, probes and listen addresses use the containers' ports and served paths,
#      the KEDA trigger names the queue the binaries declare, alerts and the dashboard use
#      exported metric names;
#   4. runs the policy tests on the rendered prod overlay: probes, resources, security context,
#      pinned images, PDBs, no inline Secret, NetworkPolicies under a default deny;
#   5. validates compose.yaml against the Compose specification's schema, and its Ironlog
#      services' variables against the sources.
# Installs kubernetes-validate and jsonschema (PyPI) only when missing. Exits non-zero on any
# failure. Without the schema folder, custom resources are reported as not validated, and
# under CI (CI=true) that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

KUBERNETES_VERSION=1.32.0
KUBERNETES_VALIDATE_VERSION=1.37.0
POLICY_OVERLAYS=(prod)
SCHEMAS=${IRONLOG_CRD_SCHEMAS:-../shared/schemas}

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'k8s-check: FAILED: %s\n' "$*" >&2; exit 1; }

step "tools"
command -v kubectl >/dev/null || die "kubectl is not installed (kubectl 1.32 renders the overlays with its built-in kustomize)"
echo "kubectl: $(kubectl version --client 2>/dev/null | tr '\n' ' ')"
command -v python3 >/dev/null || die "python3 is not installed"

pip_install() {
  python3 -m pip install --quiet "$@" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "$@"
}
if ! python3 -c 'import yaml' 2>/dev/null; then
  echo "installing PyYAML"; pip_install PyYAML
fi
if ! python3 -c 'import jsonschema' 2>/dev/null; then
  echo "installing jsonschema"; pip_install jsonschema
fi
if ! command -v check-jsonschema >/dev/null; then
  echo "installing check-jsonschema"; pip_install "check-jsonschema==0.39.0"
fi
have_kv=$(python3 -c 'import importlib.metadata as m; print(m.version("kubernetes-validate"))' 2>/dev/null || true)
if [ "$have_kv" != "$KUBERNETES_VALIDATE_VERSION" ]; then
  echo "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION (found: ${have_kv:-none})"
  pip_install "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi
echo "kubernetes-validate $KUBERNETES_VALIDATE_VERSION, Kubernetes $KUBERNETES_VERSION schemas"

schema_args=()
if [ -d "$SCHEMAS" ]; then
  echo "custom-resource schemas: $SCHEMAS"
  schema_args=(--schemas "$SCHEMAS")
else
  msg="custom resources are NOT validated: the schema folder $SCHEMAS does not exist (set IRONLOG_CRD_SCHEMAS to a folder laid out as {group}/{kind}_{version}.json)"
  if [ "${CI:-}" = "true" ]; then
    die "$msg; under CI this is a failure"
  fi
  echo "WARNING: $msg" >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "kubectl kustomize (every overlay)"
rendered=()
# Renders kustomization DIR as NAME for the checks below.
render() {
  local name=$1 dir=$2
  [ -f "$dir/kustomization.yaml" ] || die "$dir/kustomization.yaml is missing"
  if ! kubectl kustomize "$dir" >"$work/$name.yaml" 2>"$work/$name.err"; then
    cat "$work/$name.err" >&2
    die "$dir does not build"
  fi
  echo "built $name: $(grep -c '^kind:' "$work/$name.yaml") objects"
  rendered+=("$name=$work/$name.yaml")
}
overlays=(k8s/overlays/*/)
[ -d "${overlays[0]}" ] || die "no overlays under k8s/overlays/"
for dir in "${overlays[@]}"; do render "$(basename "$dir")" "${dir%/}"; done
# Argo CD's objects (k8s/argocd: the projects and root Application; apps/: the Applications).
render argocd k8s/argocd
render argocd-apps k8s/argocd/apps
# Manifests applied by hand (k8s/ops/): validated strictly like an overlay.
if compgen -G "k8s/ops/*.yaml" >/dev/null; then
  for f in k8s/ops/*.yaml; do printf -- '---\n'; cat "$f"; done >"$work/ops.yaml"
  echo "read ops: $(grep -c '^kind:' "$work/ops.yaml") objects"
  rendered+=("ops=$work/ops.yaml")
fi
for p in "${POLICY_OVERLAYS[@]}"; do
  [ -f "$work/$p.yaml" ] || die "overlay $p (for the policy tests) does not exist"
done

step "schemas, consistency with the sources, policy (${POLICY_OVERLAYS[*]})"
policy_args=()
for p in "${POLICY_OVERLAYS[@]}"; do policy_args+=(--policy "$p"); done
if ! python3 scripts/k8s_check.py --k8s-version "$KUBERNETES_VERSION" --compose compose.yaml \
    "${schema_args[@]}" "${policy_args[@]}" "${rendered[@]}"; then
  die "see the FAIL lines above"
fi

if [ ${#schema_args[@]} -eq 0 ]; then
  printf '\nk8s-check: passed, but custom resources were NOT validated (no schema folder %s)\n' "$SCHEMAS"
else
  printf '\nk8s-check: passed\n'
fi
