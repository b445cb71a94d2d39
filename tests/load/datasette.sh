#!/usr/bin/env bash
# Not Better beside Datasette (issue 16): the same cases served by `notbetter serve` and by
# Datasette over a SQLite file with an FTS5 table, the same full-text queries with facets on
# domain and cause, driven by wrk in the same run, reported side by side.
#
#   tests/load/datasette.sh               # 100k cases; builds what it needs on first use
#   CASES=20000 DURATION=5s tests/load/datasette.sh
#
# The comparable request: Not Better's `/api/v1/search?q=...` (20 hits, facet counts on every
# dimension) against Datasette's `/cases/cases.json?_search=...&_facet_array=domains&
# _facet_array=causes&_size=20&_nosuggest=1` (20 rows, facets on the two label columns; facet
# suggestions, which Datasette computes by default, turned off as a tuned client would). Both read the same
# cases: Datasette's table is loaded from `notbetter export --format jsonl`, so its labels are
# the normalised slugs. Datasette stops computing a facet past its time limit (200 ms by
# default) and leaves it out of `facet_results`, and refuses a query past its SQL time limit (1 s)
# with an HTTP 400; the script counts both, because a fast answer without its facets is not the
# same answer.
#
# Environment: CASES (100000), SEED (1), PORT (18977, Not Better), DS_PORT (18978),
# DURATION (15s), CONNS (16), NOTBETTER_BIN (target/release/notbetter), WORK, DATA_DIR,
# SEARCH_CACHE (0: every request goes to the engine, as a long tail of distinct queries does).
# Needs wrk (apt-get install -y wrk) and Python 3 (Datasette is installed into a venv in WORK).
set -euo pipefail
cd "$(dirname "$0")/../.."

CASES=${CASES:-100000}
SEED=${SEED:-1}
PORT=${PORT:-18977}
DS_PORT=${DS_PORT:-18978}
DURATION=${DURATION:-15s}
CONNS=${CONNS:-16}
BIN=${NOTBETTER_BIN:-target/release/notbetter}
WORK=${WORK:-${TMPDIR:-/tmp}/notbetter-load-$CASES}
DATA=${DATA_DIR:-$WORK/data}
DB="$WORK/datasette/cases.db"
NB="http://127.0.0.1:$PORT"
DS="http://127.0.0.1:$DS_PORT"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
[ -x "$BIN" ] || cargo build --release
mkdir -p "$WORK/datasette"

if [ ! -f "$DATA/notbetter.sqlite" ]; then
  echo "preparing $CASES cases in $DATA" >&2
  "$BIN" synth --cases "$CASES" --seed "$SEED" --out "$WORK/corpus.jsonl"
  "$BIN" --data-dir "$DATA" ingest "$WORK/corpus.jsonl" >/dev/null
fi

VENV="$WORK/datasette/venv"
if [ ! -x "$VENV/bin/datasette" ]; then
  echo "installing Datasette into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet datasette sqlite-utils
fi

if [ ! -f "$DB" ]; then
  echo "loading the same cases into $DB" >&2
  "$BIN" --data-dir "$DATA" export --format jsonl --out "$WORK/datasette/cases.jsonl"
  # One row per case: the text fields, and the labels as JSON arrays of slugs.
  "$VENV/bin/python" - "$WORK/datasette/cases.jsonl" "$DB" <<'PY'
import json, sqlite3, sys
src, dst = sys.argv[1], sys.argv[2]
db = sqlite3.connect(dst)
db.execute("""CREATE TABLE cases (id TEXT PRIMARY KEY, title TEXT, year INTEGER,
  domains TEXT, causes TEXT, use_case TEXT, solution TEXT, outcome TEXT,
  investigation TEXT, lessons TEXT)""")
with open(src) as f:
    rows = []
    for line in f:
        c = json.loads(line)
        rows.append((c["id"], c["title"], c["year"], json.dumps(c["domains"]),
                     json.dumps(c["causes"]), c["use_case"], c["solution"], c["outcome"],
                     c["investigation"], c["lessons"]))
        if len(rows) == 10000:
            db.executemany("INSERT INTO cases VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            rows = []
    db.executemany("INSERT INTO cases VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
PY
  "$VENV/bin/sqlite-utils" enable-fts "$DB" cases title use_case solution outcome \
    investigation lessons --fts5 >/dev/null
fi

NOTBETTER_LOG=warn "$BIN" --data-dir "$DATA" serve --addr "127.0.0.1:$PORT" \
  --search-cache "${SEARCH_CACHE:-0}" >"$WORK/server.log" 2>&1 &
SERVER=$!
"$VENV/bin/datasette" serve "$DB" --port "$DS_PORT" --host 127.0.0.1 \
  >"$WORK/datasette/server.log" 2>&1 &
DATASETTE=$!
trap 'kill "$SERVER" "$DATASETTE" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for base in "$NB/healthz" "$DS/-/versions.json"; do
  for _ in $(seq 1 600); do
    curl -fsS "$base" >/dev/null 2>&1 && break
    sleep 1
  done
  curl -fsS "$base" >/dev/null
done

# Full-text queries of the benchmark's mix (single terms rare and common, three terms), as
# both servers spell them.
TERMS=(craspum kegin model data accuracy performance "training+error+experiments"
  "dataset+external+release")

LUA="$WORK/datasette/mix.lua"
. tests/load/mix.sh
write_mix "$LUA" "${TERMS[@]}"

# How the mix's answers come back from Datasette: refused (an HTTP error: its SQL time limit,
# 1 s by default, stops the query) or without every facet (its facet time limit, 200 ms).
facets_dropped() {
  local missing=0 refused=0 body
  for q in "${TERMS[@]}"; do
    if ! body=$(curl -fsS "$DS/cases/cases.json?_search=$q&_facet_array=domains&_facet_array=causes&_size=20&_nosuggest=1" 2>/dev/null); then
      refused=$((refused + 1))
    elif ! printf '%s' "$body" |
      "$VENV/bin/python" -c 'import json,sys; f=json.load(sys.stdin).get("facet_results") or {}; sys.exit(0 if {"domains","causes"} <= set(f) else 1)'; then
      missing=$((missing + 1))
    fi
  done
  echo "$refused refused, $missing answered without every facet"
}

echo "$CASES cases; $CONNS connections for $DURATION each; Not Better's result cache ${SEARCH_CACHE:-0}"
printf '%-28s %10s %9s %9s %7s %9s\n' server "req/s" "p50 ms" "p99 ms" errors requests
run() {
  local name=$1 base=$2 prefix=$3 suffix=$4
  line=$(NB_PREFIX="$prefix" NB_SUFFIX="$suffix" wrk -t1 -c"$CONNS" -d"$DURATION" --timeout 10s \
    -s "$LUA" "$base" | grep '^RESULT')
  read -r _ rps p50 p99 errors requests <<<"$line"
  printf '%-28s %10s %9s %9s %7s %9s\n' "$name" "$rps" "$p50" "$p99" "$errors" "$requests"
}
run "notbetter /api/v1/search" "$NB" "/api/v1/search?limit=20&q=" ""
run "datasette cases.json" "$DS" "/cases/cases.json?_search=" "&_facet_array=domains&_facet_array=causes&_size=20&_nosuggest=1"
echo "datasette, one request per query of the ${#TERMS[@]}: $(facets_dropped)"
