#!/usr/bin/env bash
# Sets the tag of both Ironlog images in a kustomization (default the prod overlay's):
# the release step of .github/workflows/ci-cd.yml, after which Argo CD rolls the pods.
#   scripts/set-image-tag.sh 0.1.0-0123456789ab [KUSTOMIZATION]
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:?usage: scripts/set-image-tag.sh TAG [KUSTOMIZATION]}
file=${2:-k8s/overlays/prod/kustomization.yaml}
# A Docker tag: up to 128 of [A-Za-z0-9_.-], not starting with . or -.
if ! [[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
  echo "set-image-tag: '$tag' is not a valid image tag" >&2
  exit 2
fi
[ -f "$file" ] || { echo "set-image-tag: $file does not exist" >&2; exit 2; }

python3 - "$file" "$tag" <<'PY'
import re, sys
path, tag = sys.argv[1], sys.argv[2]
text = open(path).read()
names = ("ghcr.io/ironlog/ironlog-server", "ghcr.io/ironlog/ironlog-consumer")
for name in names:
    pattern = re.compile(r"(- name: " + re.escape(name) + r"\n\s+newTag: )\S+")
    text, n = pattern.subn(lambda m: m.group(1) + tag, text)
    if n != 1:
        sys.exit(f"set-image-tag: {path} has {n} newTag entries for {name}, not 1")
open(path, "w").write(text)
print(f"{path}: {', '.join(names)} -> {tag}")
PY
