# Sourced by the scripts: puts the project's own wasm-opt (npm binaryen) and esbuild first on
# PATH, so cargo-leptos never picks up Debian's older wasm-opt.
export PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The toolchain the Wasm is built with (scripts/build.sh says why a nightly); setup installs it.
export IRONLOG_WASM_TOOLCHAIN=nightly-2026-05-20
