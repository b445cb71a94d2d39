#!/usr/bin/env bash
# Soak test with concurrent writes: a server on SOAK_CASES synthetic cases, driven for
# SOAK_SECONDS at SOAK_CONNECTIONS connections with search, browse and case pages plus
# contributions and approvals/rejections (tests/load/soak.py). Fails on any error (5xx,
# unexpected status, connection failure), on a submission not accounted for in the database,
# or when the server's anonymous RSS (its own memory, not the page cache of the memory-mapped
# index) ends above SOAK_MAX_RSS_MB.
#
#   tests/load/soak.sh                         # the full run: 100k cases, 60 s, 64 connections
#   SOAK_CASES=5000 SOAK_SECONDS=15 tests/load/soak.sh   # CI scale
#
# NOTBETTER_BIN picks the binary (default: build target/release/notbetter).
set -euo pipefail
cd "$(dirname "$0")/../.."

CASES=${SOAK_CASES:-100000}
SECONDS_=${SOAK_SECONDS:-60}
CONNECTIONS=${SOAK_CONNECTIONS:-64}
MAX_RSS_MB=${SOAK_MAX_RSS_MB:-1024}
PASSWORD='a long enough password'

if [[ -z "${NOTBETTER_BIN:-}" ]]; then
  cargo build --release --quiet --bin notbetter
  NOTBETTER_BIN=target/release/notbetter
fi
BIN=$(realpath "$NOTBETTER_BIN")

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
DATA="$WORK/data"
mkdir -p "$DATA"
nb() { "$BIN" --data-dir "$DATA" "$@"; }

echo "==> corpus: $CASES synthetic cases"
t0=$(date +%s)
nb synth --cases "$CASES" --out "$WORK/cases.jsonl" >/dev/null
nb ingest "$WORK/cases.jsonl" >/dev/null
echo "    ingested in $(( $(date +%s) - t0 )) s"
printf '%s\n' "$PASSWORD" | nb user add rita --role reviewer >/dev/null

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --data-dir "$DATA" serve --addr "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=1)" 2>/dev/null; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; echo "server died"; exit 1; }
  sleep 0.5
done
echo "==> server up on port $PORT (pid $SERVER_PID); driving for $SECONDS_ s at $CONNECTIONS connections"

status=0
python3 tests/load/soak.py "$PORT" "$DATA" "$SERVER_PID" "$SECONDS_" "$CONNECTIONS" "$MAX_RSS_MB" "$PASSWORD" || status=$?
if kill -0 "$SERVER_PID" 2>/dev/null; then :; else echo "FAIL: the server exited"; status=1; fi
if grep -qi "panicked" "$WORK/server.log"; then echo "FAIL: the server panicked"; grep -i -A3 panicked "$WORK/server.log" | head -20; status=1; fi
exit $status
