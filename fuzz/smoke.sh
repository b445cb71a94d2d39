#!/usr/bin/env bash
# Fuzzing smoke test for CI: installs cargo-fuzz if missing, then runs every target for
# FUZZ_SECONDS (default 30) each. Stable toolchain: cargo fuzz needs nightly features, which
# RUSTC_BOOTSTRAP=1 unlocks. A crash fails the script and leaves the input in
# fuzz/artifacts/<target>/; commit it under fuzz/regressions/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")"
SECS=${FUZZ_SECONDS:-30}
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
targets=$(cargo fuzz list)
cargo fuzz build -O
for t in $targets; do
  mkdir -p "corpus/$t"
  # Replay the committed regressions first, then explore.
  if compgen -G "regressions/$t/*" >/dev/null; then
    cargo fuzz run -O "$t" regressions/"$t"/* -- -runs=0
  fi
  echo "==> $t for $SECS s"
  cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$SECS" -rss_limit_mb=2048 -print_final_stats=1 2>&1 | tail -n 15
done
