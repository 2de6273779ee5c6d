#!/usr/bin/env bash
# The fallback QR decoder against jsQR in one headless Chromium run (DESIGN §7): builds
# dist/ (our decoder), the server (its CLI signs the posters) and the rqrr variant of
# crates/ashyq-qr for comparison, then runs scripts/bench_decoder.mjs. Run:
#   scripts/bench_decoder.sh        (or ./build.sh bench, which runs every scripts/bench_*.sh)
# Results: printed, and test-results/bench_decoder.json; record them in docs/BENCHMARKS.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
./build.sh build >&2
cargo build --profile server -p ashyq-server >&2
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"

# rqrr, the other candidate: its own target dir so the quircs build in dist/ is not relinked.
RQRR_TARGET="$TARGET_DIR/bench-rqrr"
cargo build --release --target wasm32-unknown-unknown -p ashyq-qr --no-default-features --features rqrr \
    --target-dir "$RQRR_TARGET" >&2
RQRR_OUT="$(mktemp -d)"
trap 'rm -rf "$RQRR_OUT"' EXIT
wasm-bindgen "$RQRR_TARGET/wasm32-unknown-unknown/release/ashyq_qr.wasm" --target no-modules \
    --no-modules-global rqrr_bindgen --no-typescript --out-name qr_decoder_rqrr --out-dir "$RQRR_OUT"
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue \
    "$RQRR_OUT/qr_decoder_rqrr_bg.wasm" -o "$RQRR_OUT/qr_decoder_rqrr_bg.wasm"

ASHYQ_SERVER_BIN="$TARGET_DIR/server/ashyq-server" ASHYQ_DIST="$ROOT/dist" \
    node scripts/bench_decoder.mjs --rqrr "$RQRR_OUT"
