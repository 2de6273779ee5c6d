#!/usr/bin/env bash
# Start-up on an emulated slow-4G link (cold, warm, beside a blank page) in headless
# Chromium against the real server: builds dist/ and the server, then runs
# tests/e2e/slownet.mjs (docs/BENCHMARKS.md §2). Run:
#   scripts/bench_slownet.sh        (or ./build.sh bench, which runs every scripts/bench_*.sh)
# To compare builds in one run, build the other one into a directory of its own and name
# both: ASHYQ_BENCH_DISTS="before=/tmp/dist-before,after=dist" scripts/bench_slownet.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./build.sh build >&2
cargo build --profile server -p ashyq-server >&2
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
ASHYQ_SERVER_BIN="$TARGET_DIR/server/ashyq-server" ASHYQ_DIST="$ROOT/dist" node tests/e2e/slownet.mjs
