#!/usr/bin/env bash
# Sign-in under a crowd (issue 11): N concurrent wrong sign-ins against one server, then the
# server's peak resident memory and the answers (401 checked, 429 throttled, 503 gate full).
#   cargo build --release -p hygeia && bench/sign_in.sh
# Options through the environment: HYGEIA_BIN (default target/release/hygeia), CROWD (300).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${HYGEIA_BIN:-target/release/hygeia}
CROWD=${CROWD:-300}
PORT=${PORT:-18182}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export HYGEIA_DB=sqlite://$WORK/hygeia.db HYGEIA_LOG=warn
[ -x "$BIN" ] || { echo "build first: cargo build --release -p hygeia" >&2; exit 1; }

"$BIN" serve --demo --listen 127.0.0.1:$PORT --insecure-cookies >"$WORK/server.log" 2>&1 &
PID=$!
until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.05; done
idle=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
start=$(date +%s.%N)
seq 1 "$CROWD" | xargs -P "$CROWD" -I{} curl -s -o /dev/null -w "%{http_code}\n" \
    -X POST -H 'Content-Type: application/json' \
    -d '{"email":"guess{}@example.org","password":"wrong guess {}"}' \
    "http://127.0.0.1:$PORT/api/v1/auth/login" >"$WORK/codes.txt"
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' /proc/$PID/status)
echo "crowd of $CROWD wrong sign-ins answered in $(echo "$end - $start" | bc) s:"
sort "$WORK/codes.txt" | uniq -c | sed 's/^/  /'
echo "resident memory: ${idle} kB idle, ${peak} kB peak"
