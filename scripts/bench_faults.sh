#!/usr/bin/env bash
# Fault harness: nothing acknowledged is lost. Run:
#   scripts/bench_faults.sh [cycles]        (./build.sh bench faults; CI runs a few cycles)
# 1. kill -9 under load, CYCLES times (default 100), on SQLite and on PostgreSQL: a load of
#    check-ins (ashyq-loadgen --ack-log records every acknowledged client_visit_id), the
#    server killed at a random moment, restarted on the same data. At the end every
#    acknowledged scan must be in the database exactly once, with the visit it recorded
#    (table scans, keyed by client_visit_id; lost = 0, duplicated = 0).
# 2. PostgreSQL stopped (immediate, like a crash) and started again under load, on a private
#    cluster: while it is down requests get a typed 503 `unavailable` within seconds; when it
#    is back the same server process answers 200 again, no restart.
# 3. Disk full on SQLite (the data dir on a small tmpfs; needs root for mount): check-ins get
#    a typed 503, the database stays intact (PRAGMA integrity_check), and check-ins work
#    again once space returns.
# Knobs: FAULT_CYCLES, FAULT_POSTGRES_URL (default postgres://ashyq:ashyq@127.0.0.1:5432/
# ashyq_bench; a fresh schema in it), FAULT_SERVER_BIN/FAULT_LOADGEN_BIN (skip the build).
# Prints one line per check; exits non-zero when any fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
CYCLES="${1:-${FAULT_CYCLES:-100}}"
PG_URL="${FAULT_POSTGRES_URL:-postgres://ashyq:ashyq@127.0.0.1:5432/ashyq_bench}"

if [[ -n "${FAULT_SERVER_BIN:-}" ]]; then
    SERVER="$FAULT_SERVER_BIN"
    LOADGEN="${FAULT_LOADGEN_BIN:-$(dirname "$SERVER")/ashyq-loadgen}"
else
    cargo build --profile server -p ashyq-server --bins >&2
    TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
    SERVER="$TARGET_DIR/server/ashyq-server"
    LOADGEN="$TARGET_DIR/server/ashyq-loadgen"
fi

WORK="$(mktemp -d)"
SERVER_PID=""
PG_DIR=""
MOUNTED=""
FAILED=0
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill -9 "$SERVER_PID" 2>/dev/null || true; fi
    if [[ -n "$PG_DIR" ]]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -m immediate stop >/dev/null 2>&1 || true
    fi
    if [[ -n "$MOUNTED" ]]; then umount "$MOUNTED" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
result() { # name ok|FAIL detail
    printf '| %s | %s | %s |\n' "$1" "$2" "$3"
    [[ "$2" == ok ]] || FAILED=1
}

# Not --dev (which refuses PostgreSQL): the load generator signs in through Telegram with
# this bot token and imports and registers venues with this import key.
BOT="424242:faults-bot-token"
KEY="$(python3 -c "import secrets; print(secrets.token_hex(32))")"
export ASHYQ_LOADGEN_TELEGRAM_BOT_TOKEN="$BOT" ASHYQ_ADMIN_KEY="$KEY"
# The servers keep their signing keys in the database, sealed with this key-encryption key
# (PostgreSQL needs one; a fresh one per run).
export ASHYQ_KEY_ENCRYPTION_KEY="${ASHYQ_KEY_ENCRYPTION_KEY:-$(python3 -c "import secrets; print(secrets.token_hex(32))")}"

# start_server DATA_DIR [extra args…]: no rate limit, on a new port.
start_server() {
    local data="$1"
    shift
    PORT="$(free_port)"
    mkdir -p "$data"
    ASHYQ_LOG=warn ASHYQ_TELEGRAM_BOT_TOKEN="$BOT" ASHYQ_IMPORT_API_KEYS="faults:$KEY" \
        "$SERVER" serve --data-dir "$data" --listen "127.0.0.1:$PORT" \
        --rate-limit-per-minute 0 --person-rate-limit-per-minute 0 "$@" 2>>"$WORK/server.log" &
    SERVER_PID=$!
    for _ in $(seq 1 400); do
        curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    tail -n 20 "$WORK/server.log" >&2
    echo "the server did not start" >&2
    return 1
}
stop_server() {
    [[ -n "$SERVER_PID" ]] || return 0
    kill "$1" "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# kill_cycles LABEL DATA_DIR [server args…]: CYCLES of load + kill -9 + restart; the acks
# of all cycles end up in $WORK/LABEL-acks.txt.
kill_cycles() {
    local label="$1" data="$2" c lg
    shift 2
    : >"$WORK/$label-acks.txt"
    for c in $(seq 1 "$CYCLES"); do
        start_server "$data" "$@"
        "$LOADGEN" --url "http://127.0.0.1:$PORT" --scenario checkin --connections 16 \
            --seconds 8 --people 64 --venues 4 --ack-log "$WORK/$label-acks-$c.txt" \
            >/dev/null 2>&1 &
        lg=$!
        # Past the load generator's sign-ins, then a random moment of the load.
        sleep "$(python3 -c 'import random; print(round(1.0 + random.random() * 1.5, 2))')"
        stop_server -9
        wait "$lg" || true
        cat "$WORK/$label-acks-$c.txt" >>"$WORK/$label-acks.txt" 2>/dev/null || true
    done
    # The last restart recovers the database, then a clean stop.
    start_server "$data" "$@"
    stop_server -TERM
}

echo "# fault harness: $CYCLES kill -9 cycles per store, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "| check | result | detail |"
echo "|---|---|---|"

# ---------------------------------------------------------------- 1a. SQLite kill -9
kill_cycles sqlite "$WORK/sqlite"
DB="$WORK/sqlite/ashyq.db"
acks=$(sort -u "$WORK/sqlite-acks.txt" | wc -l)
read -r lost dup integrity <<<"$(sqlite3 "$DB" <<SQL | tr '\n' ' '
CREATE TEMP TABLE acks (id TEXT);
.mode csv
.import $WORK/sqlite-acks.txt acks
SELECT COUNT(*) FROM (SELECT DISTINCT id FROM acks) WHERE id NOT IN (SELECT s.id FROM scans s JOIN visits v ON v.id = s.visit_id);
SELECT COUNT(*) - COUNT(DISTINCT id) FROM scans WHERE id IN (SELECT id FROM acks);
PRAGMA integrity_check;
SQL
)"
if [[ "$acks" -gt 0 && "$lost" == 0 && "$dup" == 0 && "$integrity" == ok ]]; then
    result "SQLite: $CYCLES × kill -9 under check-in load" ok "$acks acknowledged, 0 lost, 0 duplicated, integrity ok"
else
    result "SQLite: $CYCLES × kill -9 under check-in load" FAIL "$acks acknowledged, $lost lost, $dup duplicated, integrity $integrity"
fi

# ---------------------------------------------------------------- 1b. PostgreSQL kill -9
if psql "$PG_URL" -qAtc 'select 1' >/dev/null 2>&1; then
    SCHEMA="faults_$(date +%s)_$$"
    psql "$PG_URL" -qc "CREATE SCHEMA $SCHEMA" >/dev/null
    sep='?'
    [[ "$PG_URL" == *\?* ]] && sep='&'
    kill_cycles postgres "$WORK/pg" --database-url "${PG_URL}${sep}options=-c%20search_path%3D${SCHEMA}"
    acks=$(sort -u "$WORK/postgres-acks.txt" | wc -l)
    read -r lost dup <<<"$(psql "$PG_URL" -qAt -v ON_ERROR_STOP=1 <<SQL | tr '\n' ' '
SET search_path = $SCHEMA;
CREATE TEMP TABLE acks (id TEXT);
\copy acks FROM '$WORK/postgres-acks.txt'
SELECT COUNT(*) FROM (SELECT DISTINCT id FROM acks) a WHERE NOT EXISTS (SELECT 1 FROM scans s JOIN visits v ON v.id = s.visit_id WHERE s.id = a.id);
SELECT COUNT(*) - COUNT(DISTINCT id) FROM scans WHERE id IN (SELECT id FROM acks);
SQL
    )"
    psql "$PG_URL" -qc "DROP SCHEMA $SCHEMA CASCADE" >/dev/null
    if [[ "$acks" -gt 0 && "$lost" == 0 && "$dup" == 0 ]]; then
        result "PostgreSQL: $CYCLES × kill -9 under check-in load" ok "$acks acknowledged, 0 lost, 0 duplicated"
    else
        result "PostgreSQL: $CYCLES × kill -9 under check-in load" FAIL "$acks acknowledged, $lost lost, $dup duplicated"
    fi
else
    result "PostgreSQL: kill -9" FAIL "PostgreSQL at $PG_URL does not answer (FAULT_POSTGRES_URL)"
fi

# ---------------------------------------------------------------- 2. PostgreSQL restarted
# A private cluster: stopping the shared one would break everyone else's tests.
PG_BIN="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d | sort -V | tail -n1)"
if [[ -x "$PG_BIN/initdb" ]] && id postgres >/dev/null 2>&1; then
    PG_DIR="$WORK/pgdata"
    mkdir -p "$PG_DIR" && chown postgres "$PG_DIR" "$WORK" && chmod 755 "$WORK"
    PG_PORT="$(free_port)"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR" -A trust -U ashyq >/dev/null
    pg_start() { runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -w -l "$PG_DIR/log" -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null; }
    pg_start
    start_server "$WORK/pg-restart" --database-url "postgres://ashyq@127.0.0.1:$PG_PORT/postgres"
    URL="http://127.0.0.1:$PORT"
    "$LOADGEN" --url "$URL" --people 8 --venues 1 --fixture-out "$WORK/pg-fixture" >/dev/null
    "$LOADGEN" --url "$URL" --scenario mixed --connections 8 --seconds 12 --people 64 --venues 4 \
        >"$WORK/pg-restart-load.txt" 2>&1 &
    lg=$!
    sleep 3
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -m immediate stop >/dev/null
    # While it is down: a typed 503, fast.
    out=$(curl -s -o "$WORK/down.json" -w '%{http_code} %{time_total}' "$URL/healthz")
    read -r code secs <<<"$out"
    down_code=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$WORK/down.json" 2>/dev/null || echo "?")
    sleep 2
    pg_start
    # Back: the same process answers again, without a restart.
    back=""
    for i in $(seq 1 100); do
        if curl -fsS "$URL/healthz" >/dev/null 2>&1; then
            back="$i"
            break
        fi
        sleep 0.1
    done
    wait "$lg" || true
    tok=$(head -n1 "$WORK/pg-fixture/tokens.txt")
    st=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $tok" "$URL/v1/me/status")
    if [[ "$code" == 503 && "$down_code" == unavailable && $(python3 -c "print(int($secs < 5))") == 1 && -n "$back" && "$st" == 200 ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        result "PostgreSQL stopped and started under load" ok "down: HTTP 503 unavailable in ${secs}s; back: healthy after $((back * 100)) ms, status 200, same process"
    else
        result "PostgreSQL stopped and started under load" FAIL "down: HTTP $code $down_code in ${secs}s; back after: ${back:-never}; status after: $st"
    fi
    grep '^|' "$WORK/pg-restart-load.txt" | sed 's/^/    load during the restart: /' || true
    stop_server -TERM
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -m fast stop >/dev/null
    PG_DIR=""
else
    result "PostgreSQL restarted under load" FAIL "no initdb (Debian package postgresql) or no postgres user"
fi

# ---------------------------------------------------------------- 3. SQLite disk full
FULL="$WORK/full"
mkdir -p "$FULL"
if mount -t tmpfs -o size=8m tmpfs "$FULL" 2>/dev/null; then
    MOUNTED="$FULL"
    start_server "$FULL/data"
    URL="http://127.0.0.1:$PORT"
    "$LOADGEN" --url "$URL" --people 4 --venues 1 --fixture-out "$WORK/full-fixture" >/dev/null
    tok=$(head -n1 "$WORK/full-fixture/tokens.txt")
    CODE=$(head -n1 "$WORK/full-fixture/entry.txt")
    scan() { # client_visit_id → "HTTP code"
        curl -s -o "$WORK/scan.json" -w '%{http_code}' -X POST "$URL/v1/visits" \
            -H "authorization: Bearer $tok" -H 'content-type: application/json' \
            -d "{\"code\":\"$CODE\",\"client_visit_id\":\"$1\"}"
    }
    before=$(scan "diskfull-before-000001")
    # Fill the disk, then scan until the WAL needs space it cannot get.
    dd if=/dev/zero of="$FULL/filler" bs=64k 2>/dev/null || true
    full_code=""
    for i in $(seq 1 200); do
        full_code=$(scan "diskfull-during-$(printf '%06d' "$i")")
        [[ "$full_code" != 200 ]] && break
    done
    full_err=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$WORK/scan.json" 2>/dev/null || echo "?")
    rm -f "$FULL/filler"
    after=$(scan "diskfull-after-0000001")
    stop_server -TERM
    integrity=$(sqlite3 "$FULL/data/ashyq.db" 'PRAGMA integrity_check;')
    if [[ "$before" == 200 && "$full_code" == 503 && "$full_err" == unavailable && "$after" == 200 && "$integrity" == ok ]]; then
        result "SQLite disk full" ok "full: HTTP 503 unavailable; space back: 200, same process; integrity ok"
    else
        result "SQLite disk full" FAIL "before $before; full: HTTP $full_code $full_err; after $after; integrity $integrity"
    fi
    umount "$FULL"
    MOUNTED=""
else
    result "SQLite disk full" FAIL "cannot mount a tmpfs (needs root)"
fi

exit $FAILED
