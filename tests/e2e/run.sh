#!/usr/bin/env bash
# The browser suite: builds the notbetter binary, starts it on a fresh data directory with a
# reviewer account, and runs the node:test files in this directory against it with
# playwright-core driving Debian's chromium (axe-core for accessibility).
#
#   tests/e2e/run.sh                      # from anywhere; CI runs it from .ci/run
#   E2E_TESTS="search.test.mjs" tests/e2e/run.sh   # a subset
#   E2E_KEEP=1 tests/e2e/run.sh           # keep the data directory and server log
#   E2E_BIN=path/to/notbetter tests/e2e/run.sh      # test a prebuilt binary, skip cargo build
#   E2E_AXE_IGNORE="rule-id ..." tests/e2e/run.sh   # let a known axe rule pass (printed; not in CI)
#
# Screenshots go to target/e2e/*.png. Installs what a fresh Debian machine lacks (chromium via
# apt, the npm packages via `npm ci`); never downloads a browser through playwright.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"

say() { printf '[e2e] %s\n' "$*"; }

# --- what a fresh machine lacks -----------------------------------------------------------
if [ ! -x /usr/bin/chromium ]; then
  say "installing chromium"
  SUDO=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "[e2e] node (20 or newer) and npm are required" >&2
  exit 1
fi
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$NODE_MAJOR" -lt 20 ]; then
  echo "[e2e] node 20 or newer is required, found $(node --version)" >&2
  exit 1
fi
say "npm ci"
(cd "$HERE" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)

# --- the binary ----------------------------------------------------------------------------
# A debug build: `cargo test` in CI has already built it, so this is nearly free, and the
# debug server is fast enough for ~200 cases.
# E2E_BIN=path skips the build and tests that binary instead.
if [ -n "${E2E_BIN:-}" ]; then
  BIN="$(cd "$(dirname "$E2E_BIN")" && pwd)/$(basename "$E2E_BIN")"
  say "using $BIN"
else
  say "cargo build"
  cargo build --bin notbetter
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/notbetter"
fi

# --- a fresh data directory, a reviewer, and the server ------------------------------------
DATA="$(mktemp -d "${TMPDIR:-/tmp}/notbetter-e2e.XXXXXX")"
LOG="$DATA/server.log"
SERVER_PID=""
cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$rc" != 0 ] && [ -f "$LOG" ]; then
    echo "[e2e] the last lines of the server log ($LOG):"
    tail -n 40 "$LOG" || true
  fi
  if [ "${E2E_KEEP:-0}" = 1 ] || [ "$rc" != 0 ]; then
    echo "[e2e] data directory kept: $DATA"
  else
    rm -rf "$DATA"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

printf 'a long enough password\n' | "$BIN" --data-dir "$DATA/kb" user add rita --role reviewer

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

healthy() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
    .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
}

# Start the server on a free port; if another process takes the port first, try another.
BASE=""
for attempt in 1 2 3; do
  PORT="$(free_port)"
  say "starting the server on 127.0.0.1:$PORT (attempt $attempt)"
  NO_COLOR=1 "$BIN" --data-dir "$DATA/kb" serve --addr "127.0.0.1:$PORT" >>"$LOG" 2>&1 &
  SERVER_PID=$!
  # The first start ingests the bundled cases; allow two minutes.
  for _ in $(seq 600); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    if healthy "http://127.0.0.1:$PORT/healthz"; then
      BASE="http://127.0.0.1:$PORT"
      break
    fi
    sleep 0.2
  done
  [ -n "$BASE" ] && break
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "[e2e] the server did not become healthy in time" >&2
    exit 1
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
done
if [ -z "$BASE" ]; then
  echo "[e2e] the server did not start" >&2
  exit 1
fi
say "server ready at $BASE"

# --- the tests -------------------------------------------------------------------------------
mkdir -p "$ROOT/target/e2e"
rm -f "$ROOT"/target/e2e/*.png
cd "$HERE"
if [ -n "${E2E_TESTS:-}" ]; then
  read -r -a FILES <<<"$E2E_TESTS"
else
  FILES=(*.test.mjs)
fi
say "node --test ${FILES[*]}"
START=$(date +%s)
set +e
E2E_BASE_URL="$BASE" node --test --test-concurrency=1 --test-reporter=spec "${FILES[@]}"
STATUS=$?
set -e
say "browser suite finished in $(( $(date +%s) - START ))s with status $STATUS; screenshots in target/e2e/"
exit "$STATUS"
