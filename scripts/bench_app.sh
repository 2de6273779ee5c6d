#!/usr/bin/env bash
# The app's timings in headless Chromium (navigation → ready, scan → pass) against the real
# server: builds dist/ and the server, then runs tests/e2e/timings.mjs. Run:
#   scripts/bench_app.sh        (or ./build.sh bench, which runs every scripts/bench_*.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./build.sh build >&2
cargo build --profile server -p ashyq-server >&2
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
ASHYQ_SERVER_BIN="$TARGET_DIR/server/ashyq-server" ASHYQ_DIST="$ROOT/dist" node tests/e2e/timings.mjs
