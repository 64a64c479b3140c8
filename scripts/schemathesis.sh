#!/usr/bin/env bash
# Schemathesis over every operation of the OpenAPI document, with a fixed seed, against the
# server at $BASE_URL (run it under `with-stack`): once signed in, once anonymous. Any
# failed check fails the run. Log-out and the password change would end the run's own
# session, so the signed-in pass leaves them to the anonymous one.
set -euo pipefail
base="${BASE_URL:?run me under testkit with-stack, which sets BASE_URL}"
seed="${SCHEMATHESIS_SEED:-20261130}"
examples="${SCHEMATHESIS_EXAMPLES:-40}"
email="schemathesis-$(date +%s%N)@example.com"
cookie=$(curl -fsS -D - -o /dev/null \
  -H 'content-type: application/json' -H "origin: $base" \
  -d "{\"email\":\"$email\",\"password\":\"schemathesis password\"}" \
  "$base/api/v1/auth/signup" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(ironlog_session=[^;]*\).*/\1/p')
[ -n "$cookie" ] || { echo "schemathesis: sign-up gave no session cookie" >&2; exit 1; }
common=(--url "$base" --seed "$seed" --max-examples "$examples" --checks all
  --generation-deterministic --request-timeout 20 -H "Origin: $base")
echo "==> Schemathesis, signed in (seed $seed)"
st run "$base/api/openapi.json" "${common[@]}" -H "Cookie: $cookie" \
  --exclude-path /api/v1/auth/logout --exclude-path /api/v1/auth/password
echo "==> Schemathesis, anonymous (seed $seed)"
st run "$base/api/openapi.json" "${common[@]}"
