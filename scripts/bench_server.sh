#!/usr/bin/env bash
# Backend benchmark on loopback: status lookups and check-ins on SQLite and PostgreSQL,
# and the trivial /healthz in the same run, with requests/s and p50/p99. Run:
#   scripts/bench_server.sh
# Knobs (environment): BENCH_SECONDS (10 per scenario), BENCH_CONNECTIONS (32),
# BENCH_MAX_REQUESTS (300000 per scenario), BENCH_POSTGRES_URL (default
# postgres://ashyq:ashyq@127.0.0.1:5432/ashyq_bench; the run uses a fresh schema in it;
# PostgreSQL is skipped, loudly, when it does not answer), BENCH_PROFILE (cargo profile,
# default server), BENCH_CARGO_ARGS (extra cargo build arguments, e.g. --config …).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
SECONDS_EACH="${BENCH_SECONDS:-10}"
CONNS="${BENCH_CONNECTIONS:-32}"
MAX="${BENCH_MAX_REQUESTS:-300000}"
PG_URL="${BENCH_POSTGRES_URL:-postgres://ashyq:ashyq@127.0.0.1:5432/ashyq_bench}"

PROFILE="${BENCH_PROFILE:-server}"
# shellcheck disable=SC2086 # BENCH_CARGO_ARGS is a list of words on purpose
cargo build --profile "$PROFILE" -p ashyq-server --bins ${BENCH_CARGO_ARGS:-} >&2
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
SERVER="$TARGET_DIR/$PROFILE/ashyq-server"
LOADGEN="$TARGET_DIR/$PROFILE/ashyq-loadgen"

WORK="$(mktemp -d)"
SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Not --dev (which refuses PostgreSQL): the load generator signs in through Telegram with
# this bot token and brings its own venues and citizens with this import key.
BENCH_BOT="424242:bench-bot-token"
BENCH_KEY="bench-import-key-0001"

# start_server LABEL [extra args…]: a fresh data dir, no rate limits.
start_server() {
    local label="$1"
    shift
    PORT="$(free_port)"
    mkdir -p "$WORK/$label"
    ASHYQ_LOG=warn ASHYQ_TELEGRAM_BOT_TOKEN="$BENCH_BOT" ASHYQ_IMPORT_API_KEYS="bench:$BENCH_KEY" \
        "$SERVER" serve --data-dir "$WORK/$label" --listen "127.0.0.1:$PORT" \
        --rate-limit-per-minute 0 --person-rate-limit-per-minute 0 "$@" 2>"$WORK/$label.log" &
    SERVER_PID=$!
    for _ in $(seq 1 200); do
        if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then return 0; fi
        sleep 0.05
    done
    cat "$WORK/$label.log" >&2
    echo "the server did not start" >&2
    exit 1
}

load() { # load LABEL SCENARIO [--header]
    ASHYQ_LOADGEN_TELEGRAM_BOT_TOKEN="$BENCH_BOT" ASHYQ_ADMIN_KEY="$BENCH_KEY" \
        "$LOADGEN" --url "http://127.0.0.1:$PORT" --label "$1" --scenario "$2" \
        --connections "$CONNS" --seconds "$SECONDS_EACH" --max-requests "$MAX" "${@:3}"
}

echo "# ashyq-server ($PROFILE profile) on loopback: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), ${SECONDS_EACH}s per scenario, $CONNS connections"
start_server sqlite
load sqlite healthz --header
load sqlite status
load sqlite checkin
stop_server

if psql "$PG_URL" -qAtc 'select 1' >/dev/null 2>&1; then
    SCHEMA="bench_$(date +%s)_$$"
    psql "$PG_URL" -qc "CREATE SCHEMA $SCHEMA" >/dev/null
    sep='?'
    [[ "$PG_URL" == *\?* ]] && sep='&'
    start_server postgres --database-url "${PG_URL}${sep}options=-c%20search_path%3D${SCHEMA}"
    load postgresql healthz
    load postgresql status
    load postgresql checkin
    stop_server
    psql "$PG_URL" -qc "DROP SCHEMA $SCHEMA CASCADE" >/dev/null
else
    echo "SKIPPED: PostgreSQL at $PG_URL does not answer (set BENCH_POSTGRES_URL)" >&2
fi
