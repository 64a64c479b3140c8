#!/usr/bin/env bash
# Sets up what is missing, builds the release site and server, and runs Ironlog on the
# embedded default (no services) at http://127.0.0.1:3000. Data goes to $IRONLOG_DATA_DIR
# (default ./data). Set MONGODB_URI and AMQP_URL to use RabbitMQ and MongoDB instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app
source scripts/env.sh
scripts/build.sh
export LEPTOS_SITE_ROOT=${LEPTOS_SITE_ROOT:-target/site}
export LEPTOS_SITE_ADDR=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
export LEPTOS_ENV=${LEPTOS_ENV:-PROD}
printf '\n==> Ironlog on http://%s (Ctrl-C stops it)\n' "$LEPTOS_SITE_ADDR"
exec target/release/ironlog-server
