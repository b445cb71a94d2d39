#!/usr/bin/env bash
# HTTP load test (issue 7): starts `notbetter serve` on a 100k-case data directory and drives
# /api/v1/search and /search with wrk at concurrency 1, 4 and 16 over a fixed query mix,
# reporting requests/s, p50, p99 and errors. Traffic goes to 127.0.0.1 only; every run is
# bounded by DURATION, and the server is stopped on exit.
#
#   tests/load/http.sh                    # builds the data dir on first use (synth + ingest)
#   DATA_DIR=/path/to/data tests/load/http.sh
#
# Environment: CASES (100000), SEED (1), PORT (18977), DURATION (15s per run),
# NOTBETTER_BIN (target/release/notbetter), WORK (scratch directory), DATA_DIR, SEARCH_CACHE
# (the server's result cache, default 512 entries; 0 measures every request against the index).
# Needs wrk (Debian: apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."

CASES=${CASES:-100000}
SEED=${SEED:-1}
PORT=${PORT:-18977}
DURATION=${DURATION:-15s}
BIN=${NOTBETTER_BIN:-target/release/notbetter}
WORK=${WORK:-${TMPDIR:-/tmp}/notbetter-load-$CASES}
DATA=${DATA_DIR:-$WORK/data}
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
[ -x "$BIN" ] || cargo build --release
mkdir -p "$WORK"

if [ ! -f "$DATA/notbetter.sqlite" ]; then
  echo "preparing $CASES cases in $DATA" >&2
  "$BIN" synth --cases "$CASES" --seed "$SEED" --out "$WORK/corpus.jsonl"
  "$BIN" --data-dir "$DATA" ingest "$WORK/corpus.jsonl" >/dev/null
fi

NOTBETTER_LOG=warn "$BIN" --data-dir "$DATA" serve --addr "127.0.0.1:$PORT" \
  --search-cache "${SEARCH_CACHE:-512}" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 1
done
curl -fsS "$BASE/healthz" >/dev/null

# The benchmark's query mix (see crates/bench/src/queries.rs), as query strings.
QUERIES=(
  "q=craspum" "q=kegin" "q=braiprok" "q=plodring"
  "q=model" "q=data" "q=accuracy" "q=performance"
  "q=training+error+experiments" "q=dataset+external+release"
  "q=%22shortcut+learning%22" "q=%22workflow+integration%22"
  "q=%22shortcut+lea%22*" "q=%22human+fac%22*"
  "domain=materials" "cause=deployment%2Fworkflow-integration"
  "q=model&domain=materials" "q=images&cause=deployment%2Fhuman-factors"
  # The benchmark's natural-language questions (the class that set its tail).
  "q=what+went+wrong+with+accuracy+system+models%3F"
  "q=why+did+the+baseline+workflow+integration+fail+after+monitoring+at+the+new+goodhart"
  "q=do+test+really+beat+simple+experiments+baselines+on+steasaiz+bikend+data"
  "q=the+training+looked+great+on+maber+but+shortcut+learning+classifier+development+in+practice"
)

LUA="$WORK/mix.lua"
. tests/load/mix.sh
write_mix "$LUA" "${QUERIES[@]}"

printf '%-16s %5s %10s %9s %9s %7s %9s\n' endpoint conc "req/s" "p50 ms" "p99 ms" errors requests
for endpoint in /api/v1/search /search; do
  for c in 1 4 16; do
    line=$(NB_PREFIX="$endpoint?" wrk -t1 -c"$c" -d"$DURATION" --timeout 10s -s "$LUA" "$BASE" | grep '^RESULT')
    read -r _ rps p50 p99 errors requests <<<"$line"
    printf '%-16s %5s %10s %9s %9s %7s %9s\n' "$endpoint" "$c" "$rps" "$p50" "$p99" "$errors" "$requests"
  done
done
