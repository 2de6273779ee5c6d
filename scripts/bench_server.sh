#!/usr/bin/env bash
# Backend benchmark on loopback: status lookups, check-ins and the mixed national peak
# (status, entries, exits, pass refreshes, diary reads) on SQLite and PostgreSQL, beside the
# trivial /healthz in the same run, with requests/s and p50/p99/p99.9 per kind; the same
# with `wrk` (scripts/wrk_ashyq.lua) as an independent figure. Run:
#   scripts/bench_server.sh
# Knobs (environment): BENCH_SECONDS (10 per scenario), BENCH_CONNECTIONS (32),
# BENCH_MAX_REQUESTS (300000 per scenario), BENCH_POSTGRES_URL (default
# postgres://ashyq:ashyq@127.0.0.1:5432/ashyq_bench; the run uses a fresh schema in it;
# PostgreSQL is skipped, loudly, when it does not answer), BENCH_PROFILE (cargo profile,
# default server), BENCH_CARGO_ARGS (extra cargo build arguments, e.g. --config …),
# BENCH_BASELINE_SERVER (another ashyq-server binary, e.g. main's, measured first in the
# same run), BENCH_WRK=0 (skip wrk), BENCH_PEOPLE (1024), BENCH_VENUES (60),
# BENCH_SQLITE=0 (PostgreSQL only), BENCH_SCENARIOS (default "healthz status checkin
# mixed"; wrk also measures `keys`, GET /v1/keys, the trivial API endpoint).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
SECONDS_EACH="${BENCH_SECONDS:-10}"
CONNS="${BENCH_CONNECTIONS:-32}"
MAX="${BENCH_MAX_REQUESTS:-300000}"
PG_URL="${BENCH_POSTGRES_URL:-postgres://ashyq:ashyq@127.0.0.1:5432/ashyq_bench}"
PEOPLE="${BENCH_PEOPLE:-1024}"
VENUES="${BENCH_VENUES:-60}"
WRK_ON="${BENCH_WRK:-1}"
if [[ "$WRK_ON" == 1 ]] && ! command -v wrk >/dev/null; then
    echo "SKIPPED: wrk is not installed (apt-get install wrk); BENCH_WRK=0 to silence" >&2
    WRK_ON=0
fi

PROFILE="${BENCH_PROFILE:-server}"
# shellcheck disable=SC2086 # BENCH_CARGO_ARGS is a list of words on purpose
cargo build --profile "$PROFILE" -p ashyq-server --bins ${BENCH_CARGO_ARGS:-} >&2
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
SERVER="$TARGET_DIR/$PROFILE/ashyq-server"
THIS_SERVER="$SERVER"
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
# this bot token and imports and registers with this import key.
BENCH_BOT="424242:bench-bot-token"
BENCH_KEY="$(python3 -c "import secrets; print(secrets.token_hex(32))")"
export ASHYQ_LOADGEN_TELEGRAM_BOT_TOKEN="$BENCH_BOT" ASHYQ_ADMIN_KEY="$BENCH_KEY"
# The servers keep their signing keys in the database, sealed with this key-encryption key
# (PostgreSQL needs one; a fresh one per run).
export ASHYQ_KEY_ENCRYPTION_KEY="${ASHYQ_KEY_ENCRYPTION_KEY:-$(python3 -c "import secrets; print(secrets.token_hex(32))")}"

# start_server LABEL [extra args…]: a fresh data dir, no rate limit.
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
    "$LOADGEN" --url "http://127.0.0.1:$PORT" --label "$1" --scenario "$2" \
        --connections "$CONNS" --seconds "$SECONDS_EACH" --max-requests "$MAX" \
        --people "$PEOPLE" --venues "$VENUES" "${@:3}"
}

wrk_load() { # wrk_load LABEL KIND
    [[ "$WRK_ON" == 1 ]] || return 0
    if [[ "$2" != healthz && "$2" != keys && ! -f "$WORK/fixture-$PORT/tokens.txt" ]]; then
        "$LOADGEN" --url "http://127.0.0.1:$PORT" --people "$PEOPLE" --venues "$VENUES" \
            --fixture-out "$WORK/fixture-$PORT" >/dev/null
    fi
    WRK_KIND="$2" WRK_FIXTURE="$WORK/fixture-$PORT" WRK_LABEL="$1" \
        wrk -t 2 -c "$CONNS" -d "${SECONDS_EACH}s" -s scripts/wrk_ashyq.lua \
        "http://127.0.0.1:$PORT" | grep '^|'
}

# scenarios LABEL: every scenario against the running server.
SCENARIOS="${BENCH_SCENARIOS:-healthz status checkin mixed}"
scenarios() {
    local s
    for s in $SCENARIOS; do load "$1" "$s"; done
    wrk_load "$1" keys
    for s in $SCENARIOS; do wrk_load "$1" "$s"; done
}

echo "# ashyq-server ($PROFILE profile) on loopback: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), ${SECONDS_EACH}s per scenario, $CONNS connections, $PEOPLE people, $VENUES venues, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| backend | scenario | kind | connections | requests | errors | requests/s | p50 ms | p99 ms | p99.9 ms |"
echo "|---|---|---|---|---|---:|---:|---:|---:|---:|"
echo "(wrk rows: | backend | wrk kind | requests | errors | requests/s | p50 | p99 | p99.9 |)" >&2

if [[ "${BENCH_SQLITE:-1}" == 1 ]]; then
    if [[ -n "${BENCH_BASELINE_SERVER:-}" ]]; then
        SERVER="$BENCH_BASELINE_SERVER"
        start_server baseline-sqlite
        scenarios "baseline sqlite"
        stop_server
        SERVER="$THIS_SERVER"
    fi
    start_server sqlite
    scenarios sqlite
    stop_server
fi

if psql "$PG_URL" -qAtc 'select 1' >/dev/null 2>&1; then
    pg_run() { # LABEL
        SCHEMA="bench_$(date +%s)_$$"
        psql "$PG_URL" -qc "CREATE SCHEMA $SCHEMA" >/dev/null
        sep='?'
        [[ "$PG_URL" == *\?* ]] && sep='&'
        start_server "$1" --database-url "${PG_URL}${sep}options=-c%20search_path%3D${SCHEMA}"
        scenarios "$1"
        stop_server
        psql "$PG_URL" -qc "DROP SCHEMA $SCHEMA CASCADE" >/dev/null
    }
    if [[ -n "${BENCH_BASELINE_SERVER:-}" ]]; then
        SERVER="$BENCH_BASELINE_SERVER"
        pg_run "baseline postgresql"
        SERVER="$THIS_SERVER"
    fi
    pg_run postgresql
else
    echo "SKIPPED: PostgreSQL at $PG_URL does not answer (set BENCH_POSTGRES_URL)" >&2
fi
