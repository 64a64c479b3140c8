# Sourced by the scripts: puts the project's own wasm-opt (npm binaryen) first on PATH so
# cargo-leptos never picks up Debian's older one.
export PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
