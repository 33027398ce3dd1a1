#!/usr/bin/env bash
# Platform benchmarks (issue 2): start-up to ready, idle memory, and throughput / p99 latency of
# an authenticated list endpoint on loopback. Needs a release build, curl and wrk.
#   cargo build --release -p hygeia && bench/platform.sh
# Options through the environment: HYGEIA_BIN, RUNS (start-ups, default 20), DURATION (wrk, 15s),
# CONNECTIONS (wrk, 64), THREADS (wrk, 2), DB (default: a fresh SQLite file).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${HYGEIA_BIN:-target/release/hygeia}
RUNS=${RUNS:-20}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18181}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
DB=${DB:-sqlite://$WORK/hygeia.db}
export HYGEIA_DB=$DB HYGEIA_LOG=warn

[ -x "$BIN" ] || { echo "build first: cargo build --release -p hygeia" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

# Seed the demo once (migrations and demo data are not part of the start-up figure).
"$BIN" serve --demo --listen 127.0.0.1:$PORT >"$WORK/first.log" 2>&1 &
PID=$!
until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.05; done
kill -TERM $PID; wait $PID || true

echo "== start-up to ready ($RUNS runs, ${DB%%:*})"
: >"$WORK/startup.txt"
for _ in $(seq "$RUNS"); do
    start=$(date +%s%N)
    "$BIN" serve --listen 127.0.0.1:$PORT >/dev/null 2>&1 &
    PID=$!
    until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do sleep 0.002; done
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 )) >>"$WORK/startup.txt"
    kill -TERM $PID; wait $PID || true
done
sort -n "$WORK/startup.txt" | awk '{a[NR]=$1} END {printf "start-up to ready: median %d ms, max %d ms\n", a[int((NR+1)/2)], a[NR]}'

echo "== idle memory and throughput"
"$BIN" serve --listen 127.0.0.1:$PORT >/dev/null 2>&1 &
PID=$!
until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.05; done
sleep 1
echo "idle resident memory: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$PID/status)"
TOKEN=$("$BIN" token create --email admin@hygee-demo.example --name bench --expires-in 1 2>/dev/null)
curl -fs -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/entities" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
    -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/entities" | tee "$WORK/wrk.txt"
echo "resident memory after load: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$PID/status)"
kill -TERM $PID; wait $PID || true
