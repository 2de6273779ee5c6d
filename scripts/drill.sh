#!/usr/bin/env bash
# The failover drill: nothing acknowledged is lost when the PostgreSQL primary dies. Run:
#   ./build.sh drill                (as root: the cluster runs pg_autoctl as postgres)
#   DRILL_SHORT=1 ./build.sh drill  (the CI version: a few seconds of load around each kill)
# 1. `./build.sh cluster up` (pg_auto_failover: monitor, primary, synchronous standby), a
#    fresh schema in its database;
# 2. two `ashyq-server serve` nodes on the cluster's multi-host URL, configured as in
#    production (no --dev: a random import key and key-encryption key, a Telegram bot token
#    to sign in with);
# 3. check-in load through both nodes (ashyq-loadgen --events: every answer, with its
#    client_visit_id and times);
# 4. `cluster kill-primary` (the whole node, SIGKILL), load while the standby takes over,
#    `cluster rejoin` (the old primary comes back as standby), load, then the same the other
#    way;
# 5. a table: acknowledged, found on the primary and on the standby afterwards, lost,
#    duplicated, seconds from each kill to the first acknowledged write, 503s, other 5xx,
#    the slowest answer. Exits non-zero unless 0 lost, 0 duplicated, no 5xx but 503, and
#    writes back within DRILL_MAX_GAP seconds (30) of each kill.
# Knobs: DRILL_SHORT=1; DRILL_LOAD_SECONDS (load before each kill and after each new primary;
# 15, short 3); DRILL_CONNECTIONS per node (8); DRILL_SERVER_BIN (skip the build; the load
# generator is looked for beside it); DRILL_KEEP_CLUSTER=1 leaves the cluster up. A cluster
# the drill started is stopped and removed at the end; one that was there before is left.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
[[ $(id -u) -eq 0 ]] || {
    echo "the drill runs as root (./build.sh cluster starts pg_autoctl as postgres)" >&2
    exit 1
}

if [[ -n "${DRILL_SHORT:-}" ]]; then LOAD="${DRILL_LOAD_SECONDS:-3}"; else LOAD="${DRILL_LOAD_SECONDS:-15}"; fi
CONNS="${DRILL_CONNECTIONS:-8}"
MAX_GAP="${DRILL_MAX_GAP:-30}"
CLUSTER_PORT="${ASHYQ_CLUSTER_PORT:-55430}"
[[ -d "${ASHYQ_CLUSTER_DIR:-$ROOT/.data/cluster}" ]] && DRILL_KEEP_CLUSTER=1

if [[ -n "${DRILL_SERVER_BIN:-}" ]]; then
    SERVER="$DRILL_SERVER_BIN"
else
    cargo build --profile server -p ashyq-server --bins >&2
    TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
    SERVER="$TARGET_DIR/server/ashyq-server"
fi
LOADGEN="$(dirname "$SERVER")/ashyq-loadgen"
[[ -x "$SERVER" && -x "$LOADGEN" ]] || {
    echo "no $SERVER or $LOADGEN (cargo build --profile server -p ashyq-server --bins)" >&2
    exit 1
}

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    local rc=$? p f
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    if [[ $rc -ne 0 ]]; then
        "$ROOT/build.sh" cluster status >&2 || true
        for f in "$WORK"/a.log "$WORK"/b.log "$WORK"/loadgen-*.txt; do
            [[ -f "$f" ]] && { echo "--- last lines of $(basename "$f")" && tail -n 15 "$f"; } >&2
        done
        # The cluster's logs too, before `cluster down` removes them.
        rm -rf "$ROOT/.data/drill-failed"
        mkdir -p "$ROOT/.data/drill-failed"
        cp -r "$WORK"/*.log "$WORK"/*.txt "${ASHYQ_CLUSTER_DIR:-$ROOT/.data/cluster}/log" \
            "$ROOT/.data/drill-failed/" 2>/dev/null || true
        echo "logs kept in $ROOT/.data/drill-failed/" >&2
    fi
    if [[ -z "${DRILL_KEEP_CLUSTER:-}" ]]; then
        "$ROOT/build.sh" cluster down >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
log() { printf '==> drill +%ss: %s\n' "$((($(now_ms) - T0) / 1000))" "$*" >&2; }
T0=$(now_ms)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---------------------------------------------------------------- the cluster
log "cluster up"
URL=$("$ROOT/build.sh" cluster up | tail -n1)
[[ "$URL" == postgres://*,* ]] || {
    echo "cluster up did not print a multi-host URL: $URL" >&2
    exit 1
}
SCHEMA="drill_$(date +%s)_$$"
PGCONNECT_TIMEOUT=3 psql "$URL" -qc "CREATE SCHEMA $SCHEMA" >/dev/null
DB_URL="${URL}&options=-c%20search_path%3D${SCHEMA}"
sql() { PGCONNECT_TIMEOUT=3 psql "$DB_URL" -qAt -v ON_ERROR_STOP=1 "$@"; }
log "database URL: $DB_URL"

# ---------------------------------------------------------------- two server nodes
BOT="424242:drill-bot-$(openssl rand -hex 8)"
KEY="$(openssl rand -hex 32)"
export ASHYQ_KEY_ENCRYPTION_KEY="$(openssl rand -hex 32)"
export ASHYQ_LOADGEN_TELEGRAM_BOT_TOKEN="$BOT" ASHYQ_ADMIN_KEY="$KEY"
PORTS=()
start_node() { # name
    local port
    port=$(free_port)
    mkdir -p "$WORK/$1"
    ASHYQ_LOG=warn "$SERVER" serve --data-dir "$WORK/$1" --listen "127.0.0.1:$port" \
        --database-url "$DB_URL" --telegram-bot-token "$BOT" --import-api-keys "drill:$KEY" \
        --rate-limit-per-minute 0 --person-rate-limit-per-minute 0 \
        >>"$WORK/$1.log" 2>&1 </dev/null &
    PIDS+=($!)
    disown # no "Killed" notice from bash when the cleanup stops it
    for _ in $(seq 1 300); do
        if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
            PORTS+=("$port")
            return 0
        fi
        sleep 0.1
    done
    tail -n 20 "$WORK/$1.log" >&2
    echo "server node $1 did not start" >&2
    exit 1
}
# One after the other: the first makes the signing keys, the second finds them.
start_node a
start_node b
log "server nodes on ports ${PORTS[*]}"

# ---------------------------------------------------------------- load
LG=()
for i in 0 1; do
    "$LOADGEN" --url "http://127.0.0.1:${PORTS[$i]}" --scenario checkin --connections "$CONNS" \
        --seconds 3600 --people 64 --venues 4 --pause-after-error-ms 100 \
        --events "$WORK/events-$i.txt" >"$WORK/loadgen-$i.txt" 2>&1 </dev/null &
    LG+=($!)
    PIDS+=($!)
done
# Past both load generators' sign-ins: each has had a check-in recorded.
for pid in "${LG[@]}"; do
    for i in $(seq 1 600); do
        [[ "$(sql -c "SELECT EXISTS (SELECT 1 FROM scans WHERE id LIKE 'lg%-$pid-%')" 2>/dev/null)" == t ]] && break
        kill -0 "$pid" 2>/dev/null || {
            cat "$WORK/loadgen-"*.txt >&2
            echo "a load generator stopped before its load" >&2
            exit 1
        }
        [[ $i -lt 600 ]] || {
            echo "no check-in from load generator $pid in 60 s" >&2
            exit 1
        }
        sleep 0.1
    done
done
log "load running through both nodes ($CONNS connections each)"

primary_port() { "$ROOT/build.sh" cluster status 2>/dev/null | sed -n 's/^primary: [^ ]* (127\.0\.0\.1:\([0-9]*\))$/\1/p'; }

KILLS=()
failover() { # n
    local old new
    sleep "$LOAD"
    old=$("$ROOT/build.sh" cluster kill-primary | tail -n1)
    # After the kill, not before: kill-primary takes a moment to find the primary, and
    # writes go on meanwhile.
    KILLS+=("$(now_ms)")
    log "failover $1: killed the primary on port $old"
    for _ in $(seq 1 240); do
        new=$(primary_port || true)
        [[ -n "$new" && "$new" != "$old" ]] && break
        sleep 0.25
    done
    [[ -n "$new" && "$new" != "$old" ]] || {
        "$ROOT/build.sh" cluster status >&2 || true
        echo "no new primary 60 s after the kill" >&2
        exit 1
    }
    log "failover $1: the primary is now port $new"
    sleep "$LOAD"
    log "failover $1: rejoining port $old as standby"
    "$ROOT/build.sh" cluster rejoin "$old" >/dev/null
    log "failover $1: port $old is the synchronous standby again"
}
failover 1
failover 2
sleep "$LOAD"
log "stopping the load"
kill -TERM "${LG[@]}"
for pid in "${LG[@]}"; do wait "$pid" || true; done

# ---------------------------------------------------------------- the reckoning
cat "$WORK"/events-*.txt >"$WORK/events.txt"
# Every scan recorded (with its visit) on a node: one file per node; a standby answers
# this read-only query too.
scans_on() { # port file
    PGPASSWORD=ashyq PGCONNECT_TIMEOUT=3 psql -h 127.0.0.1 -p "$1" -U ashyq -d ashyq -qAt -v ON_ERROR_STOP=1 \
        -c "\\copy (SELECT s.id FROM $SCHEMA.scans s JOIN $SCHEMA.visits v ON v.id = s.visit_id) TO '$2'"
}
P=$(primary_port)
# The standbys have replayed what the primary committed (synchronous replication waits for
# a standby's flush, not its replay): give them a moment.
sleep 1
scans_on "$P" "$WORK/scans-primary.txt"
STANDBY_FILES=()
for ((n = 1; n <= ${ASHYQ_CLUSTER_NODES:-2}; n++)); do
    port=$((CLUSTER_PORT + n))
    [[ "$port" == "$P" ]] && continue
    scans_on "$port" "$WORK/scans-$port.txt"
    STANDBY_FILES+=("$WORK/scans-$port.txt")
done
python3 - "$WORK/events.txt" "$MAX_GAP" "${#KILLS[@]}" "${KILLS[@]}" "$WORK/scans-primary.txt" "${STANDBY_FILES[@]}" <<'PY'
import collections, sys
events_file, max_gap, nkills = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
kills = [int(k) for k in sys.argv[4:4 + nkills]]
primary_file, standby_files = sys.argv[4 + nkills], sys.argv[5 + nkills:]
events = []
for line in open(events_file):
    start, end, status, vid = line.split()
    events.append((int(start), int(end), int(status), vid))
ok = [e for e in events if e[2] == 200]
acked = {e[3] for e in ok}
acks = len(acked)

def reckon(path):
    seen = collections.Counter(l.strip() for l in open(path) if l.strip())
    found = sum(1 for i in acked if seen[i] > 0)
    dup = sum(seen[i] - 1 for i in acked if seen[i] > 1)
    return found, dup

found, dup = reckon(primary_file)
on_standbys = [reckon(f) for f in standby_files]
found_sb = min((f for f, _ in on_standbys), default=0)
dup_sb = max((d for _, d in on_standbys), default=0)
gaps = []
for k in kills:
    back = [e[1] for e in ok if e[0] >= k]
    gaps.append((min(back) - k) / 1000 if back else None)
n503 = sum(1 for e in events if e[2] == 503)
other5xx = sum(1 for e in events if e[2] >= 500 and e[2] != 503)
other = sum(1 for e in events if e[2] != 200 and e[2] < 500)
slowest = max((e[1] - e[0] for e in events), default=0) / 1000
lost = acks - found
fails = []
rows = [
    ("check-ins answered", len(events)),
    ("acknowledged (200)", acks),
    ("found on the primary afterwards", found),
    ("found on every standby afterwards", found_sb),
    ("lost", lost),
    ("duplicated", dup),
]
for i, g in enumerate(gaps, 1):
    rows.append((f"seconds without writes after kill {i}", "never back" if g is None else f"{g:.1f}"))
    if g is None or g > max_gap:
        fails.append(f"writes not back within {max_gap} s of kill {i}")
rows += [
    ("503 unavailable", n503),
    ("5xx other than 503", other5xx),
    ("other failures (no answer, 4xx)", other),
    ("slowest answer, seconds", f"{slowest:.1f}"),
]
if acks == 0:
    fails.append("nothing acknowledged")
if lost != 0 or dup != 0:
    fails.append(f"{lost} lost, {dup} duplicated")
if found_sb != acks or dup_sb != 0:
    fails.append(f"the standby holds {found_sb} of {acks} acknowledged ({dup_sb} duplicated)")
if other5xx:
    fails.append(f"{other5xx} answers 5xx other than 503")
print("| drill | result |")
print("|---|---:|")
for name, value in rows:
    print(f"| {name} | {value} |")
if fails:
    print("DRILL FAILED: " + "; ".join(fails))
    sys.exit(1)
print("drill passed: 0 lost, 0 duplicated, writes back within %d s of each kill" % max_gap)
PY
