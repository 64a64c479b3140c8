#!/usr/bin/env bash
# Installs what Ironlog needs and skips what is already there.
#   scripts/setup.sh app    — to build and run the app (Rust wasm target, the Wasm's pinned
#                             nightly with rust-src, cargo-leptos, wasm-bindgen, npm binaryen
#                             for wasm-opt and esbuild)
#   scripts/setup.sh test   — the above plus RabbitMQ, SecantusDB, Chromium and Playwright
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-app}
case "$what" in app|test) ;; *) echo "usage: scripts/setup.sh [app|test]" >&2; exit 2 ;; esac

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen crate pinned in Cargo.toml
BINARYEN_VERSION=132.0.0       # Debian's binaryen (wasm-opt 108) breaks hydration: never use it
ESBUILD_VERSION=0.25.12      # minifies the site's own scripts (scripts/build.sh)
PLAYWRIGHT_VERSION=1.65.0
SECANTUS_VERSION=0.7.0b3
SCHEMATHESIS_VERSION=4.32.5
MOTO_VERSION=5.2.5

step() { printf '\n==> %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
export PATH="$HOME/.cargo/bin:$PATH"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif have sudo; then sudo "$@"; else
    echo "need root to run: $*" >&2; exit 1; fi
}

apt_missing=()
need_pkg() { dpkg -s "$1" >/dev/null 2>&1 || apt_missing+=("$1"); }
need_pkg ca-certificates
need_pkg nodejs
need_pkg npm
if [ "$what" = test ]; then
  need_pkg rabbitmq-server
  need_pkg chromium
  need_pkg python3-pip
  need_pkg curl
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  # npm may already come with a nodejs that is not Debian's; only install what has no binary.
  filtered=()
  for p in "${apt_missing[@]}"; do
    case "$p" in
      nodejs) have node || filtered+=("$p") ;;
      npm) have npm || filtered+=("$p") ;;
      python3-pip) have pip3 || have pip || filtered+=("$p") ;;
      curl) have curl || filtered+=("$p") ;;
      *) filtered+=("$p") ;;
    esac
  done
  if [ ${#filtered[@]} -gt 0 ]; then
    step "apt-get install ${filtered[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${filtered[@]}"
  fi
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

source scripts/env.sh
if ! rustup run "$IRONLOG_WASM_TOOLCHAIN" rustc --print sysroot >/dev/null 2>&1 \
  || ! rustup component list --toolchain "$IRONLOG_WASM_TOOLCHAIN" --installed | grep -q '^rust-src' \
  || ! rustup target list --toolchain "$IRONLOG_WASM_TOOLCHAIN" --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup toolchain install $IRONLOG_WASM_TOOLCHAIN with rust-src and the wasm target (the Wasm's build-std, once)"
  rustup toolchain install "$IRONLOG_WASM_TOOLCHAIN" --profile minimal \
    --component rust-src --target wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  step "cargo install cargo-leptos $CARGO_LEPTOS_VERSION (compiles from source: 15-30 minutes on 2 cores, once)"
  cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! .tools/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "${BINARYEN_VERSION%%.*}"; then
  step "npm install binaryen@$BINARYEN_VERSION into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION"
fi

if ! .tools/node_modules/.bin/esbuild --version 2>/dev/null | grep -qx "$ESBUILD_VERSION"; then
  step "npm install esbuild@$ESBUILD_VERSION into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --silent "esbuild@$ESBUILD_VERSION"
fi

if [ "$what" = test ]; then
  if ! have secantusd-py; then
    step "pip install SecantusDB==$SECANTUS_VERSION (MongoDB wire-protocol server for the tests)"
    pip3 install --quiet "SecantusDB==$SECANTUS_VERSION" 2>/dev/null \
      || pip3 install --quiet --break-system-packages "SecantusDB==$SECANTUS_VERSION"
    hash -r
  fi
  if ! python3 -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null || ! have moto_server; then
    step "pip install moto[server]==$MOTO_VERSION (a local S3 and CloudFront for the publish tests)"
    pip3 install --quiet "moto[server]==$MOTO_VERSION" 2>/dev/null \
      || pip3 install --quiet --break-system-packages "moto[server]==$MOTO_VERSION"
    hash -r
  fi
  if ! st --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    step "pip install schemathesis==$SCHEMATHESIS_VERSION (generated API tests from the OpenAPI document)"
    pip3 install --quiet "schemathesis==$SCHEMATHESIS_VERSION" 2>/dev/null \
      || pip3 install --quiet --break-system-packages "schemathesis==$SCHEMATHESIS_VERSION"
    hash -r
  fi
  if ! end2end/node_modules/.bin/playwright --version 2>/dev/null | grep -q "$PLAYWRIGHT_VERSION"; then
    step "npm install @playwright/test $PLAYWRIGHT_VERSION in end2end/ (uses Debian's Chromium; downloads no browser)"
    (cd end2end && npm install --no-audit --no-fund --silent)
  fi
fi
step "setup ($what) complete"
