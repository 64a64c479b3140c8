#!/usr/bin/env bash
# Sets up what is missing, then runs every check and test: formatting, clippy, unit and
# property tests, the contract suite against both stores and both queues, the integration
# tests against real RabbitMQ + SecantusDB + the binaries, Schemathesis over the OpenAPI
# document, and the browser tests in Chromium
# against the embedded and the distributed stack; last, the shortened failover drill. Services are started on free loopback ports
# by the tests themselves and stopped afterwards.
#
#   scripts/test.sh          the full tier (what .ci/run runs)
#   scripts/test.sh --fast   the fast tier: fmt, clippy and `cargo test` without the services,
#                            root or a browser; the tests that need them say they are skipped
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

# A clone without target/ (CI's clean clone) builds into a target directory kept outside it, so
# the dependency graph is compiled once per machine, not once per clone. Cargo fingerprints the
# workspace's own crates by their path, so a clone at a new path compiles them afresh; what sits
# at fixed paths (target/site, the binaries copied to target/release and target/debug, the
# images) is rebuilt by every run before it is used, and the run holds a lock on the cache, so
# two clones never share them at once. IRONLOG_TARGET_CACHE=<dir> puts the cache elsewhere;
# `off` keeps target/ in the clone.
use_target_cache() {
  # As root, under /var/cache: the deployment test runs the built binaries as the images' user,
  # who cannot enter /root (mode 0700).
  local default="$HOME/.cache/ironlog/target"
  [ "$(id -u)" -eq 0 ] && default=/var/cache/ironlog/target
  local cache="${IRONLOG_TARGET_CACHE:-$default}"
  if [ "$cache" = off ] || [ -n "${CARGO_TARGET_DIR:-}" ]; then return; fi
  if [ -e target ] && [ ! -L target ]; then return; fi  # the clone's own target/: keep it
  # A directory this script makes is marked as its own: the only kind it ever empties.
  if [ ! -d "$cache" ] || [ -z "$(ls -A "$cache")" ]; then
    mkdir -p "$cache"
    touch "$cache/.ironlog-target-cache"
  fi
  exec 9>"$cache/.lock"
  if ! flock -n 9; then
    step "waiting for another run using $cache"
    flock 9
  fi
  # Each clone path adds its own copy of the workspace's crates: start afresh past 60 GB.
  if [ -f "$cache/.ironlog-target-cache" ] && [ "$(du -sm "$cache" | cut -f1)" -gt 60000 ]; then
    step "the target cache $cache is over 60 GB: emptied"
    find "$cache" -mindepth 1 -maxdepth 1 ! -name .lock ! -name .ironlog-target-cache -exec rm -rf {} +
  fi
  ln -sfn "$cache" target
  step "building in $cache (target/ links to it)"
}
mode=full
case "${1:-}" in
  "") ;;
  --fast) mode=fast ;;
  *) echo "usage: scripts/test.sh [--fast]" >&2; exit 2 ;;
esac
use_target_cache

if [ "$mode" = fast ]; then
    # Only what `cargo` needs: no services, no browser, no root.
    export PATH="$HOME/.cargo/bin:$PATH"
    unset IRONLOG_FULL_TESTS
    step "cargo fmt --check"
    cargo fmt --all -- --check
    step "cargo clippy --all-targets -- -D warnings"
    cargo clippy --all-targets -- -D warnings
    step "cargo test (the fast tier: tests that need RabbitMQ, SecantusDB, moto, kubectl or root skip)"
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    cargo test --no-fail-fast 2>&1 | tee "$log"
    step "fast tier passed; skipped here, run by scripts/test.sh:"
    grep '^SKIPPED ' "$log" | sed 's/^/  /' || echo "  none"
    exit 0
fi
scripts/setup.sh test
source scripts/env.sh
# Every gated test runs (testkit::gate): a missing service fails its test, never skips it.
export IRONLOG_FULL_TESTS=1

step "cargo fmt --check"
cargo fmt --all -- --check
# Native builds use the default members, which leave out `frontend`: building it alongside the
# server would unify Leptos' `hydrate` feature into the server (features unify across the
# packages of one cargo invocation). The Wasm crate is linted on its own target.
step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings
step "cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
step "the Kubernetes manifests (k8s/): every overlay rendered, validated strictly, checked against the sources and the prod policies"
scripts/k8s-check.sh
step "the delivery material: CloudFormation (cfn-lint), the GitHub workflow (schema, actionlint), the release step"
scripts/delivery-check.sh
step "scripts/build.sh (the release site and server for the browser tests)"
scripts/build.sh
# Release builds are for what is shipped or measured: the server above, the consumer (the
# images, the distributed stack, the drill's processes) and the drill, whose client times
# every answer (a debug client adds tens of milliseconds to each, more than the drill's
# 100 ms bound can take). Everything else runs as `cargo test` builds it, compiled once here:
# the tests, and the tools the steps below run (with-stack, ironlog-publish); a release build
# of those would compile their dependencies a second time, for nothing the checks need.
step "cargo build --release -p consumer -p loadtest (the consumer of the images and the distributed stack; the drill)"
cargo build --release -p consumer -p loadtest
step "the first load's budget: ironlog-bench --only bundle --budget (what every page loads, under 180 KB brotli)"
target/release/ironlog-bench --only bundle --budget
step "cargo build --lib --bins --tests (every test, and with-stack, ironlog-publish)"
cargo build --lib --bins --tests
with_stack() { target/debug/with-stack "$@"; }
step "the container images: hadolint, built with buildah on an offline Debian base, unpacked and run as their user"
with_stack --mode distributed -- scripts/image-check.sh
step "cargo test (unit, property, contract and integration tests)"
cargo test --no-fail-fast
step "Schemathesis over the OpenAPI document (fixed seed, every check, signed in and anonymous)"
with_stack --mode embedded --unlimited -- scripts/schemathesis.sh
step "Playwright in Chromium against the embedded server"
with_stack --mode embedded --unlimited -- sh -c "cd end2end && npx playwright test"
step "Playwright in Chromium against the distributed stack"
with_stack --mode distributed --unlimited -- sh -c "cd end2end && npx playwright test"
step "Playwright in Chromium, the site's files from a CDN (published by ironlog-publish to a local S3, IRONLOG_ASSETS_URL)"
# Named, so a stale release build of the publisher is never picked instead.
with_stack --mode embedded --cdn --publisher target/debug/ironlog-publish -- sh -c "cd end2end && npx playwright test tests/cdn.spec.ts"
step "the shortened failover drill (3-node RabbitMQ cluster, 2 consumers, 2 servers, 4 faults)"
target/release/ironlog-drill --short
step "all tests passed"
