#!/usr/bin/env bash
# Several web nodes on one PostgreSQL store, measured: bulk write throughput with one node and
# with two nodes writing at once, approvals per second over HTTP on one node and on two, follow lag (a case written through node A, found by a search on
# node B), and restart-to-caught-up time at NODES_CASES cases (a new node rebuilding its index from
# the store, and a node restarted after falling behind by NODES_BEHIND cases).
#
# Starts a throwaway PostgreSQL cluster (fsync on) in a temporary directory, as the postgres user
# when run as root, and deletes it at the end. Figures in docs/scaling.md.
#
#   NODES_CASES=100000 bash tests/load/nodes.sh
#
# Env: NOTBETTER_BIN (default target/release/notbetter), NODES_CASES (100000), NODES_BEHIND
# (1000), NODES_WRITE_CASES (4000, per throughput run), NODES_APPROVALS (25 per client, 4
# clients), NODES_LAG_ROUNDS (20).
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN="${NOTBETTER_BIN:-${CARGO_TARGET_DIR:-target}/release/notbetter}"
CASES="${NODES_CASES:-100000}"
BEHIND="${NODES_BEHIND:-1000}"
WRITE_CASES="${NODES_WRITE_CASES:-4000}"
LAG_ROUNDS="${NODES_LAG_ROUNDS:-20}"
APPROVALS="${NODES_APPROVALS:-25}"  # per client
[ -x "$BIN" ] || { echo "no notbetter binary at $BIN (cargo build --release)" >&2; exit 1; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

PGBIN="$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")")"
WORK="$(mktemp -d /tmp/notbetter-nodes.XXXXXX)"
chmod 755 "$WORK"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" stop -m fast >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/pg"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$WORK/pg"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$PGBIN/initdb" -D "$WORK/pg/data" --auth=trust --username=postgres --encoding=UTF8 --locale=C >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w \
  -o "-p $PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
db() { "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qAt -c "$1" >/dev/null; }
url() { echo "postgres://postgres@127.0.0.1:$PORT/$1"; }

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }
export NOTBETTER_LOG=warn
node() { # node NAME DB ARGS… : runs notbetter as node NAME on database DB
  local name=$1 dbname=$2; shift 2
  NOTBETTER_DATA_DIR="$WORK/$name" NOTBETTER_DATABASE_URL="$(url "$dbname")" "$BIN" "$@"
}
# serve NAME DB PORT: starts a node and waits until it answers; sets SERVED_PID and SERVED_SECS
# (the time from start to answering). Fails if the port is already answering.
serve() {
  local name=$1 dbname=$2 port=$3 t0
  if curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
    echo "port $port is already served" >&2; exit 1
  fi
  t0=$(now)
  NOTBETTER_DATA_DIR="$WORK/$name" NOTBETTER_DATABASE_URL="$(url "$dbname")" \
    "$BIN" serve --addr "127.0.0.1:$port" --contributions-per-hour 100000 \
    >>"$WORK/$name.log" 2>&1 &
  SERVED_PID=$!
  PIDS+=("$SERVED_PID")
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
    kill -0 "$SERVED_PID" 2>/dev/null || { echo "node $name exited:" >&2; cat "$WORK/$name.log" >&2; exit 1; }
    sleep 0.05
  done
  SERVED_SECS=$(secs "$t0" "$(now)")
}
stop() { kill "$SERVED_PID"; wait "$SERVED_PID" 2>/dev/null || true; }

echo "== binary: $BIN; PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), fsync on, port $PORT"
"$BIN" synth --cases "$WRITE_CASES" --seed 1 --out "$WORK/w1.jsonl" >/dev/null
"$BIN" synth --cases "$WRITE_CASES" --seed 2 --out "$WORK/w2.jsonl" >/dev/null
# The two halves must not share ids: the second is renamed.
sed -i 's/"id":"/"id":"two-/' "$WORK/w2.jsonl"

echo "== write throughput (notbetter ingest of $WRITE_CASES synthetic cases: one transaction per run)"
db "CREATE DATABASE one" ; db "CREATE DATABASE two"
t0=$(now); node a1 one ingest "$WORK/w1.jsonl" >/dev/null; t1=$(now)
one=$(secs "$t0" "$t1")
echo "one node:  $WRITE_CASES cases in ${one} s ($(python3 -c "print(round($WRITE_CASES/$one))") cases/s)"
t0=$(now)
node a2 two ingest "$WORK/w1.jsonl" >/dev/null & p1=$!
node b2 two ingest "$WORK/w2.jsonl" >/dev/null & p2=$!
wait $p1 $p2; t1=$(now)
two=$(secs "$t0" "$t1")
echo "two nodes: $((2 * WRITE_CASES)) cases in ${two} s ($(python3 -c "print(round(2*$WRITE_CASES/$two))") cases/s)"

echo "== approval throughput over HTTP (each approval: one store transaction, then the node's index)"
db "CREATE DATABASE rev"
PASSWORD="a long enough password for the load test"
PR1=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PR2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '%s\n' "$PASSWORD" | node reva rev user add rita --role reviewer >/dev/null
serve reva rev "$PR1"
serve revb rev "$PR2"
echo "one node, 4 clients:            $(python3 tests/load/approvals.py "$PR1" "$PASSWORD" "$APPROVALS" 4 one)"
echo "two nodes, 2 clients on each:   $(python3 tests/load/approvals.py "$PR1,$PR2" "$PASSWORD" "$APPROVALS" 2 two)"

echo "== follow lag (a case ingested through node A, searched for on node B every 10 ms)"
db "CREATE DATABASE lag"
PB=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
serve lagb lag "$PB"
lags=()
for i in $(seq 1 "$LAG_ROUNDS"); do
  word="zqlag$i"
  printf '{"id":"lag-%s","title":"Follow %s","year":2024,"domains":["biology"],"causes":["data/distribution-shift"],"use_case":"u","solution":"s","outcome":"o","investigation":"i","references":[{"url":"https://example.org/lag/%s"}]}\n' "$i" "$word" "$i" >"$WORK/lag.jsonl"
  node laga lag ingest "$WORK/lag.jsonl" >/dev/null
  t0=$(now)
  until curl -sf "http://127.0.0.1:$PB/api/v1/search?q=$word" | grep -q "\"lag-$i\""; do sleep 0.01; done
  lags+=("$(secs "$t0" "$(now)")")
done
printf '%s\n' "${lags[@]}" | sort -n | awk '{a[NR]=$1} END {printf "follow lag over %d writes: median %.2f s, max %.2f s\n", NR, a[int((NR+1)/2)], a[NR]}'

echo "== restart to caught up at $CASES cases"
db "CREATE DATABASE big"
"$BIN" synth --cases "$CASES" --seed 7 --out "$WORK/big.jsonl" >/dev/null
t0=$(now); node biga big ingest "$WORK/big.jsonl" >/dev/null; t1=$(now)
echo "bulk load through one node: $CASES cases in $(secs "$t0" "$t1") s"
PA=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
serve bignew big "$PA"
echo "a new node (empty data directory, rebuilds its index): $SERVED_SECS s to answering"
stop
"$BIN" synth --cases "$BEHIND" --seed 8 --out "$WORK/behind.jsonl" >/dev/null
sed -i 's/"id":"/"id":"behind-/' "$WORK/behind.jsonl"
node biga big ingest "$WORK/behind.jsonl" >/dev/null
serve bignew big "$PA"
echo "the same node restarted $BEHIND cases behind (follows): $SERVED_SECS s to answering"
stop
serve bignew big "$PA"
echo "the same node restarted up to date: $SERVED_SECS s to answering"
stop
