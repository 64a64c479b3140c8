#!/usr/bin/env bash
# Schemathesis over every operation of the OpenAPI document with a fixed seed, against the
# server at $BASE_URL (run it under `with-stack --unlimited`), every check on: signed in (the
# session through the document's security scheme, see scripts/schemathesis.toml), then
# anonymous. Log-out and the password change would end the signed-in run's own session, so
# that pass leaves them to the anonymous one. Any failed check fails the run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
base="${BASE_URL:?run me under testkit with-stack, which sets BASE_URL}"
seed="${SCHEMATHESIS_SEED:-20261130}"
examples="${SCHEMATHESIS_EXAMPLES:-40}"
email="schemathesis-$(date +%s%N)@example.com"
session=$(curl -fsS -D - -o /dev/null \
  -H 'content-type: application/json' -H "origin: $base" \
  -d "{\"email\":\"$email\",\"password\":\"schemathesis password\"}" \
  "$base/api/v1/auth/signup" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: ironlog_session=\([^;]*\).*/\1/p')
[ -n "$session" ] || { echo "schemathesis: sign-up gave no session cookie" >&2; exit 1; }
export IRONLOG_SESSION="$session"
common=(--url "$base" --seed "$seed" --max-examples "$examples"
  --request-timeout 20 -H "Origin: $base")
echo "==> Schemathesis, signed in (seed $seed, $examples examples per operation)"
st --config-file "$here/schemathesis.toml" run "$base/api/openapi.json" "${common[@]}" \
  --exclude-path /api/v1/auth/logout --exclude-path /api/v1/auth/password
echo "==> Schemathesis, anonymous (seed $seed)"
IRONLOG_SESSION=none st --config-file "$here/schemathesis.toml" run "$base/api/openapi.json" "${common[@]}"
