#!/usr/bin/env bash
# Contact-tracing benchmark on SQLite and PostgreSQL: listing the contacts of a positive at
# a venue with 10,000 visits that day, and scans there while a RED person is inside (see
# crates/ashyq-server/tests/bench_tracing.rs). Prints the figures. Run:
#   scripts/bench_tracing.sh
# Knobs (environment): BENCH_POSTGRES_URL (default
# postgres://ashyq:ashyq@127.0.0.1:5432/ashyq_bench; the run uses a fresh schema in it;
# PostgreSQL is skipped, loudly, when it does not answer), BENCH_PROFILE (cargo profile,
# default server).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
PG_URL="${BENCH_POSTGRES_URL:-postgres://ashyq:ashyq@127.0.0.1:5432/ashyq_bench}"
PROFILE="${BENCH_PROFILE:-server}"

if command -v pg_isready >/dev/null && pg_isready -q -d "$PG_URL"; then
    export ASHYQ_TEST_POSTGRES_URL="$PG_URL"
else
    echo "bench_tracing: PostgreSQL at $PG_URL does not answer: SQLite only" >&2
    unset ASHYQ_TEST_POSTGRES_URL
fi
echo "machine: $(nproc) CPU, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ), $(rustc --version)"
cargo test --profile "$PROFILE" -p ashyq-server --test bench_tracing -- \
    --ignored --nocapture --test-threads 1 2>&1 | grep -E '^(sqlite|postgres):|panicked|FAILED'
