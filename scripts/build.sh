#!/usr/bin/env bash
# Builds what Ironlog ships: the release site (target/site) and server
# (target/release/ironlog-server). Run scripts/setup.sh first; run.sh and test.sh do.
#
# The Wasm is built apart from the server, on the pinned nightly $IRONLOG_WASM_TOOLCHAIN with
# its own standard library (build-std), optimized for size, that aborts on a panic rather than
# formatting and unwinding it. That is 20 KB brotli of the first load every page shares, which
# has a budget of 180 KB (BENCHMARKS.md). A panic in the browser then shows as "RuntimeError:
# unreachable" with no message: reproduce it with `cargo leptos watch`, whose debug build keeps
# them. The server stays on stable, with its panics unwinding as usual.
#
# The site's own scripts (public/*.js) are minified into the site by esbuild; the repository
# keeps them readable.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

# The site is built afresh: no file of an earlier build may stay in it (target/ may be a cache
# shared with earlier runs, see scripts/test.sh). First the server: a server-only build of some
# cargo-leptos versions empties the site anyway.
rm -rf target/site
step "the server (stable)"
cargo leptos build --release --server-only

step "the site: Wasm on $IRONLOG_WASM_TOOLCHAIN (build-std, immediate abort), CSS, public files"
RUSTUP_TOOLCHAIN="$IRONLOG_WASM_TOOLCHAIN" \
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none" \
  cargo leptos build --release --split --frontend-only \
  --lib-cargo-args=-Zbuild-std=std,panic_abort \
  --lib-cargo-args=-Zbuild-std-features=optimize_for_size

step "the site's scripts, minified (esbuild)"
shopt -s nullglob
for script in target/site/*.js; do
  .tools/node_modules/.bin/esbuild "$script" --minify --allow-overwrite --outfile="$script" \
    --log-level=warning
done

step "built: target/site and target/release/ironlog-server"
