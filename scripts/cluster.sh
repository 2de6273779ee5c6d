# PostgreSQL with automatic failover on one machine, for tests and development. Run:
#   ./build.sh cluster up               install, start, print the server nodes' database URL (last line)
#   ./build.sh cluster status           which node is primary, and each node's state
#   ./build.sh cluster kill-primary     SIGKILL the primary node (postmaster included); prints its old port
#                    [--postmaster-only] the postmaster alone: pg_autoctl restarts it, no failover
#   ./build.sh cluster rejoin PORT|NAME start a killed node again: it comes back as the standby
#   ./build.sh cluster down             stop everything and remove its data
# Sourced by build.sh (it uses say, ok, warn, die, have and apt_install from there), not run.
#
# The engine is pg_auto_failover from the distribution: a monitor and two PostgreSQL nodes
# (node1, node2; node3 too with ASHYQ_CLUSTER_NODES=3), synchronous replication, all on
# 127.0.0.1. How to run the same on three
# machines, and why the timeouts below: docs/operations.md, "PostgreSQL with automatic
# failover". Everything lives in $ASHYQ_CLUSTER_DIR (default .data/cluster), owned by the
# postgres user: pg_autoctl, like pg_ctl, refuses to run as root. Ports: monitor
# $ASHYQ_CLUSTER_PORT (default 55430), node1, node2 (and node3) the next ones.
#
# Two nodes: while one is away (and right after a failover, until the old primary has
# rejoined) the primary runs alone in wait_primary, with synchronous replication off, and
# what it acknowledges then is on one machine. ASHYQ_CLUSTER_NODES=3 adds a second standby
# and sets number_sync_standbys 1: a commit waits for one of the two, so losing any one
# node never leaves an acknowledged write on a single machine (docs/operations.md).

# shellcheck shell=bash
CLUSTER_DIR="${ASHYQ_CLUSTER_DIR:-$ROOT/.data/cluster}"
CLUSTER_PORT="${ASHYQ_CLUSTER_PORT:-55430}"
# node1 node2 [node3]: checked in cmd_cluster, so a wrong value breaks no other command.
CLUSTER_NODE_COUNT="${ASHYQ_CLUSTER_NODES:-2}"
CLUSTER_NODES=(node1 node2)
[[ "$CLUSTER_NODE_COUNT" == 3 ]] && CLUSTER_NODES+=(node3)
# The role and database the server nodes use (created on the primary, replicated).
CLUSTER_DB=ashyq
CLUSTER_USER=ashyq
CLUSTER_PASSWORD=ashyq

# Failover timeouts. With pg_auto_failover's defaults writes come back about 50 s after a
# primary dies (unhealthy after 20 s, then a 30 s demote timeout); the target is 30 s
# (issue 20). The chain after a node dies: the monitor marks it unhealthy once its health
# checks fail AND it has not reported for NODE_UNHEALTHY ms; it then waits DEMOTE ms for the old
# primary to demote itself before promoting the standby; the promotion takes about a second.
# Expected: about 4 + 6 + 1 s. Measured on this kind of machine: docs/operations.md.
#  - Health checks every second, 2 s to connect (a loaded 2-core box can be slow to accept
#    a connection), 2 retries 1 s apart: a node whose port refuses is seen dead in 1-3 s.
#  - NODE_UNHEALTHY 4 s: the keeper reports every second, so a busy but alive primary must
#    miss four reports AND fail every health check before anyone fails over.
#  - PARTITION 4 s (on each node): a primary that can reach neither the monitor nor its
#    standby for this long demotes itself (stops taking writes).
#  - DEMOTE 6 s > PARTITION 4 s: a primary cut off by the network (not dead) has stopped
#    accepting writes before the standby is promoted, so there are never two primaries
#    taking writes. The monitor's clock starts only after NODE_UNHEALTHY, the primary's at
#    its last contact, which adds margin on top of the 2 s difference.
CLUSTER_HEALTH_CHECK_PERIOD_MS=1000
CLUSTER_HEALTH_CHECK_TIMEOUT_MS=2000
CLUSTER_HEALTH_CHECK_MAX_RETRIES=2
CLUSTER_HEALTH_CHECK_RETRY_DELAY_MS=1000
CLUSTER_NODE_UNHEALTHY_MS=4000
CLUSTER_DEMOTE_MS=6000
CLUSTER_PARTITION_S=4

# ---------------------------------------------------------------- helpers
cluster_port() { # name
    case "$1" in
    monitor) echo "$CLUSTER_PORT" ;;
    node1) echo $((CLUSTER_PORT + 1)) ;;
    node2) echo $((CLUSTER_PORT + 2)) ;;
    node3) echo $((CLUSTER_PORT + 3)) ;;
    *) die "no cluster node named $1 (monitor, node1, node2, node3)" ;;
    esac
}
cluster_pgdata() { echo "$CLUSTER_DIR/$1"; }
# pg_autoctl keeps its files under XDG dirs, in a tree named after the data directory.
cluster_cfg() { echo "$CLUSTER_DIR/config/pg_autoctl$(cluster_pgdata "$1")/pg_autoctl.cfg"; }
cluster_state_file() { echo "$CLUSTER_DIR/share/pg_autoctl$(cluster_pgdata "$1")/pg_autoctl.state"; }
cluster_init_file() { echo "$CLUSTER_DIR/share/pg_autoctl$(cluster_pgdata "$1")/pg_autoctl.init"; }
cluster_pidfile() { echo "$CLUSTER_DIR/run/pg_autoctl$(cluster_pgdata "$1")/pg_autoctl.pid"; }

# The newest PostgreSQL installed; its pg_ctl is the one pg_autoctl uses.
cluster_pg_version() {
    local v
    v=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf "%f\n" 2>/dev/null | sort -V | tail -n1)
    [[ -n "$v" ]] || v=15
    echo "$v"
}

# pg_autoctl as postgres, in a clean environment (root's PATH and HOME must not leak in:
# a root-owned ~/.config/pg_autoctl or /tmp/pg_autoctl breaks later runs) with its own XDG
# dirs, so nothing of it lives outside CLUSTER_DIR.
cluster_env() {
    echo HOME="$CLUSTER_DIR" LANG=C.UTF-8 \
        PATH="/usr/lib/postgresql/$(cluster_pg_version)/bin:/usr/bin:/bin" \
        XDG_CONFIG_HOME="$CLUSTER_DIR/config" XDG_DATA_HOME="$CLUSTER_DIR/share" \
        XDG_RUNTIME_DIR="$CLUSTER_DIR/run"
}
autoctl() {
    local envs
    read -r -a envs <<<"$(cluster_env)"
    (cd "$CLUSTER_DIR" && runuser -u postgres -- env -i "${envs[@]}" pg_autoctl "$@") 9>&-
}

# SQL on one of the cluster's PostgreSQL instances (pg_hba: trust on 127.0.0.1).
cluster_sql() { # port user db sql
    PGCONNECT_TIMEOUT=3 psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U "$2" -d "$3" -c "$4"
}
monitor_sql() {
    cluster_sql "$(cluster_port monitor)" autoctl_node pg_auto_failover "$1"
}

# The pid of a component's `pg_autoctl run` supervisor, if it is alive (and still pg_autoctl:
# the pid in a stale file may belong to something else by now).
cluster_supervisor_pid() {
    local f pid
    f=$(cluster_pidfile "$1")
    [[ -f "$f" ]] || return 1
    pid=$(head -n1 "$f")
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    grep -qa -- "$(cluster_pgdata "$1")" "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}
# The postmaster of a component, if it is alive.
cluster_postmaster_pid() {
    local f pid
    f="$(cluster_pgdata "$1")/postmaster.pid"
    [[ -f "$f" ]] || return 1
    pid=$(head -n1 "$f")
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    grep -qa -- "$(cluster_pgdata "$1")" "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

# Start `pg_autoctl run` for a component in the background (fails if it does not start), in a session of its own (so
# the whole node, postmaster included, is one process group that kill-primary can SIGKILL
# at once). No systemd here: the log goes to log/NAME.log.
cluster_start() { # name
    local name=$1 envs _
    if cluster_supervisor_pid "$name" >/dev/null; then
        return 0
    fi
    # A pid file left by a killed run: pg_autoctl would refuse to start over it.
    rm -f "$(dirname "$(cluster_pidfile "$name")")"/*.pid
    read -r -a envs <<<"$(cluster_env)"
    # The redirections on the whole subshell, and exec: nothing of this script may keep our
    # stdout open, or `./build.sh cluster up | tail` would wait for the cluster to stop.
    (cd "$CLUSTER_DIR" && exec setsid runuser -u postgres -- env -i "${envs[@]}" \
        pg_autoctl run --pgdata "$(cluster_pgdata "$name")") >>"$CLUSTER_DIR/log/$name.log" 2>&1 </dev/null 9>&- &
    for _ in $(seq 1 100); do
        cluster_supervisor_pid "$name" >/dev/null && return 0
        sleep 0.1
    done
    tail -n 5 "$CLUSTER_DIR/log/$name.log" >&2
    warn "pg_autoctl run for $name did not start (log: $CLUSTER_DIR/log/$name.log)"
    return 1
}

# cluster_wait_until SECONDS CMD...: poll CMD every 0.5 s until it succeeds.
cluster_wait_until() {
    local secs=$1 i
    shift
    for ((i = 0; i < secs * 2; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    return 1
}

# The formation as the monitor sees it: name|port|reported state|goal state|health, one a line.
cluster_nodes() {
    monitor_sql "SELECT nodename, nodeport, reportedstate, goalstate, health
                 FROM pgautofailover.node WHERE formationid = 'default' ORDER BY nodename"
}

# The current primary ("name port"): the node the monitor holds for primary (reported and
# assigned alike, so not one being demoted) whose PostgreSQL takes writes right now.
cluster_primary() {
    local name port rep goal _
    while IFS='|' read -r name port rep goal _; do
        case "$rep" in single | primary | wait_primary | join_primary) ;; *) continue ;; esac
        [[ "$goal" == "$rep" ]] || continue
        [[ "$(cluster_sql "$port" postgres postgres 'SELECT pg_is_in_recovery()' 2>/dev/null </dev/null)" == f ]] || continue
        echo "$name $port"
        return 0
    done < <(cluster_nodes 2>/dev/null)
    return 1
}

# Healthy and protected: one primary and every other node a secondary, all where the
# monitor wants them, and the primary replicating synchronously (quorum) to each standby.
cluster_in_sync() {
    local nodes standbys=$((${#CLUSTER_NODES[@]} - 1))
    nodes=$(cluster_nodes) || return 1
    grep -qx '[^|]*|[0-9]*|primary|primary|1' <<<"$nodes" || return 1
    [[ $(grep -cx '[^|]*|[0-9]*|secondary|secondary|1' <<<"$nodes") -eq $standbys ]] || return 1
    local _ port
    read -r _ port < <(cluster_primary) || return 1
    [[ "$(cluster_sql "$port" postgres postgres \
        "SELECT COUNT(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')")" -eq $standbys ]]
}

cluster_url() {
    local uri
    uri=$(autoctl show uri --pgdata "$(cluster_pgdata monitor)" --formation default 2>/dev/null) ||
        die "pg_autoctl show uri failed (is the monitor running? ./build.sh cluster status)"
    [[ "$uri" == postgres://* ]] || die "unexpected answer from pg_autoctl show uri: $uri"
    echo "postgres://$CLUSTER_USER:$CLUSTER_PASSWORD@${uri#postgres://}"
}

cluster_require_up() {
    [[ -f "$(cluster_cfg monitor)" ]] || die "no cluster in $CLUSTER_DIR: ./build.sh cluster up"
    cluster_supervisor_pid monitor >/dev/null || die "the monitor is not running: ./build.sh cluster up"
}

# ---------------------------------------------------------------- up
cluster_create_monitor() {
    say "creating the monitor on 127.0.0.1:$(cluster_port monitor)"
    autoctl create monitor --pgdata "$(cluster_pgdata monitor)" --pgport "$(cluster_port monitor)" \
        --hostname 127.0.0.1 --listen 127.0.0.1 --auth trust --no-ssl \
        >>"$CLUSTER_DIR/log/monitor.log" 2>&1 ||
        die "pg_autoctl create monitor failed (log: $CLUSTER_DIR/log/monitor.log)"
}

cluster_create_node() { # name
    local name=$1 monitor_uri
    monitor_uri="postgres://autoctl_node@127.0.0.1:$(cluster_port monitor)/pg_auto_failover?sslmode=prefer"
    say "creating $name on 127.0.0.1:$(cluster_port "$name")"
    if ! autoctl create postgres --pgdata "$(cluster_pgdata "$name")" --pgport "$(cluster_port "$name")" \
        --hostname 127.0.0.1 --listen 127.0.0.1 --name "$name" --dbname "$CLUSTER_DB" \
        --auth trust --no-ssl --monitor "$monitor_uri" >>"$CLUSTER_DIR/log/$name.log" 2>&1; then
        # An earlier `up` stopped half-way through this node: forget it on the monitor and
        # in its directories, then create it once more.
        warn "pg_autoctl create postgres failed for $name; dropping what was left of it and retrying"
        autoctl drop node --pgdata "$(cluster_pgdata monitor)" --formation default --name "$name" --force \
            >>"$CLUSTER_DIR/log/$name.log" 2>&1 || true
        cluster_forget "$name"
        autoctl create postgres --pgdata "$(cluster_pgdata "$name")" --pgport "$(cluster_port "$name")" \
            --hostname 127.0.0.1 --listen 127.0.0.1 --name "$name" --dbname "$CLUSTER_DB" \
            --auth trust --no-ssl --monitor "$monitor_uri" >>"$CLUSTER_DIR/log/$name.log" 2>&1 ||
            die "pg_autoctl create postgres failed for $name (log: $CLUSTER_DIR/log/$name.log)"
    fi
    autoctl config set --pgdata "$(cluster_pgdata "$name")" timeout.network_partition_timeout "$CLUSTER_PARTITION_S" \
        >/dev/null || die "could not set network_partition_timeout on $name"
}

# Stop a component's processes and remove its files (its data included).
cluster_forget() { # name
    cluster_kill_node "$1" || true
    rm -rf "$(cluster_pgdata "$1")" "$(dirname "$(cluster_cfg "$1")")" \
        "$(dirname "$(cluster_state_file "$1")")" "$(dirname "$(cluster_pidfile "$1")")"
}

cluster_tune_monitor() {
    local port setting
    port=$(cluster_port monitor)
    # One statement per psql call: ALTER SYSTEM refuses to run in a transaction block.
    for setting in \
        "health_check_period = $CLUSTER_HEALTH_CHECK_PERIOD_MS" \
        "health_check_timeout = $CLUSTER_HEALTH_CHECK_TIMEOUT_MS" \
        "health_check_max_retries = $CLUSTER_HEALTH_CHECK_MAX_RETRIES" \
        "health_check_retry_delay = $CLUSTER_HEALTH_CHECK_RETRY_DELAY_MS" \
        "node_considered_unhealthy_timeout = $CLUSTER_NODE_UNHEALTHY_MS" \
        "primary_demote_timeout = $CLUSTER_DEMOTE_MS"; do
        cluster_sql "$port" postgres pg_auto_failover "ALTER SYSTEM SET pgautofailover.$setting" ||
            die "could not set pgautofailover.$setting on the monitor"
    done
    cluster_sql "$port" postgres pg_auto_failover 'SELECT pg_reload_conf()' >/dev/null ||
        die "could not reload the monitor's configuration"
}

# The server's role and database, on whichever node is primary (the standby gets them by
# replication). Idempotent.
cluster_create_role() {
    local _ port
    read -r _ port < <(cluster_primary) || die "no primary to create the $CLUSTER_USER role on"
    cluster_sql "$port" postgres postgres "
        DO \$\$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$CLUSTER_USER') THEN
                CREATE ROLE $CLUSTER_USER LOGIN PASSWORD '$CLUSTER_PASSWORD';
            END IF;
        END \$\$;
        ALTER DATABASE $CLUSTER_DB OWNER TO $CLUSTER_USER;" >/dev/null ||
        die "could not create role $CLUSTER_USER and database $CLUSTER_DB on port $port"
}

cluster_up() {
    local ver
    ver=$(cluster_pg_version)
    apt_install postgresql "postgresql-$ver-auto-failover" pg-auto-failover-cli
    have pg_autoctl || die "pg_autoctl not found after installing pg-auto-failover-cli"
    # A re-run after the packages were first installed may have found a newer PostgreSQL.
    ver=$(cluster_pg_version)
    [[ -f "/usr/lib/postgresql/$ver/lib/pgautofailover.so" ]] ||
        apt_install "postgresql-$ver-auto-failover"

    mkdir -p "$CLUSTER_DIR/log" "$CLUSTER_DIR/run"
    chown postgres:postgres "$CLUSTER_DIR" "$CLUSTER_DIR/run"
    chmod 700 "$CLUSTER_DIR/run"

    # The monitor. One that does not come up (an earlier `up` stopped while creating it)
    # cannot be trusted, and nodes registered with it are useless: start from scratch.
    if [[ -f "$(cluster_cfg monitor)" && -f "$(cluster_pgdata monitor)/PG_VERSION" ]] &&
        cluster_start monitor && cluster_wait_until 30 monitor_sql 'SELECT 1 FROM pgautofailover.formation'; then
        :
    else
        if [[ -n "$(find "$CLUSTER_DIR" -mindepth 1 -maxdepth 1 ! -name log ! -name run)" ]]; then
            warn "removing what an interrupted run left in $CLUSTER_DIR"
            cluster_down_processes
            find "$CLUSTER_DIR" -mindepth 1 -maxdepth 1 ! -name log -exec rm -rf {} +
            mkdir -p "$CLUSTER_DIR/run"
            chown postgres:postgres "$CLUSTER_DIR/run"
            chmod 700 "$CLUSTER_DIR/run"
        fi
        cluster_create_monitor
        cluster_start monitor || die "the monitor did not start"
        cluster_wait_until 30 monitor_sql 'SELECT 1 FROM pgautofailover.formation' ||
            die "the monitor did not come up (log: $CLUSTER_DIR/log/monitor.log)"
    fi
    cluster_tune_monitor
    ok "monitor on 127.0.0.1:$(cluster_port monitor)"

    # The nodes, one after the other: the first becomes the primary, the second is cloned
    # from it. A node whose creation was interrupted has no state file, or still its init file.
    local name
    for name in "${CLUSTER_NODES[@]}"; do
        if [[ ! -f "$(cluster_state_file "$name")" || -f "$(cluster_init_file "$name")" ]] ||
            ! [[ -f "$(cluster_cfg "$name")" ]]; then
            cluster_create_node "$name"
        fi
        cluster_start "$name" || die "$name did not start"
        # The first node must be registered as a primary before the second can clone it.
        if [[ "$name" == "${CLUSTER_NODES[0]}" ]]; then
            cluster_wait_until 60 cluster_primary ||
                die "$name did not become primary (log: $CLUSTER_DIR/log/$name.log)"
        fi
    done

    say "waiting for a primary and a synchronous secondary"
    cluster_wait_until 120 cluster_in_sync || {
        cluster_status >&2 || true
        die "the formation did not reach primary + synchronous secondary in 120 s (logs: $CLUSTER_DIR/log/)"
    }
    if [[ ${#CLUSTER_NODES[@]} -gt 2 ]]; then
        # Commits wait for one of the two standbys: either can be lost and every
        # acknowledged write is still on two machines.
        local nss
        nss=$(monitor_sql "SELECT number_sync_standbys FROM pgautofailover.formation WHERE formationid = 'default'")
        if [[ "$nss" != 1 ]]; then
            autoctl set formation number-sync-standbys --pgdata "$(cluster_pgdata "${CLUSTER_NODES[0]}")" 1 \
                >>"$CLUSTER_DIR/log/monitor.log" 2>&1 || die "could not set number-sync-standbys 1"
            cluster_wait_until 60 cluster_in_sync || die "the formation did not settle after number-sync-standbys 1"
        fi
    fi
    cluster_create_role
    local pname pport
    read -r pname pport < <(cluster_primary)
    ok "primary $pname on 127.0.0.1:$pport, synchronous standby in sync; role and database $CLUSTER_DB"
    # For libpq clients that want one host (the server takes the multi-host URL below).
    ok "the primary alone: postgres://$CLUSTER_USER:$CLUSTER_PASSWORD@127.0.0.1:$pport/$CLUSTER_DB"
    ok "logs: $CLUSTER_DIR/log/"
    cluster_url
}

# ---------------------------------------------------------------- status
cluster_status() {
    cluster_require_up
    local primary name port rep goal health pg nodes
    nodes=$(cluster_nodes) || die "cannot read the formation from the monitor on port $(cluster_port monitor)"
    if primary=$(cluster_primary); then
        echo "primary: ${primary% *} (127.0.0.1:${primary#* })"
    else
        echo "primary: none (failover in progress, or no node takes writes)"
    fi
    printf '%-6s %-6s %-14s %-14s %-8s %s\n' node port state assigned health postgres
    while IFS='|' read -r name port rep goal health; do
        case "$(cluster_sql "$port" postgres postgres 'SELECT pg_is_in_recovery()' 2>/dev/null </dev/null)" in
        f) pg=read-write ;;
        t) pg=read-only ;;
        *) pg=down ;;
        esac
        case "$health" in 1) health=good ;; 0) health=bad ;; *) health=unknown ;; esac
        printf '%-6s %-6s %-14s %-14s %-8s %s\n' "$name" "$port" "$rep" "$goal" "$health" "$pg"
    done <<<"$nodes"
}

# ---------------------------------------------------------------- kill-primary, rejoin
# SIGKILL every process of a node at once: its pg_autoctl supervisor and services and the
# postmaster share the process group cluster_start gave them (PostgreSQL's own children
# have groups of their own, and exit when they find their postmaster gone).
cluster_kill_node() { # name; fails when nothing of it was running
    local name=$1 pid pgid pm killed=1
    if pid=$(cluster_supervisor_pid "$name"); then
        pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
        # Never our own group (a node started some other way would share it).
        if [[ -n "$pgid" && "$pgid" -gt 1 && "$pgid" != "$(ps -o pgid= -p $$ | tr -d ' ')" ]]; then
            kill -KILL -- "-$pgid" 2>/dev/null && killed=0
        else
            kill -KILL "$pid" 2>/dev/null && killed=0
        fi
    fi
    # The postmaster itself, in case it was not in that group (or its supervisor was gone).
    if pm=$(cluster_postmaster_pid "$name"); then
        kill -KILL "$pm" 2>/dev/null && killed=0
    fi
    return $killed
}

# The issue asks to SIGKILL the primary's postmaster. That alone is no failure for
# pg_auto_failover: its supervisor restarts PostgreSQL within a second and the monitor may
# never fail over, so a drill would measure a restart, not a failover. So by default the
# whole node dies at once (pg_autoctl, postmaster, backends: what a crashed machine looks
# like), and `rejoin` brings it back. --postmaster-only kills the postmaster alone, to see
# the restart path.
cluster_kill_primary() {
    cluster_require_up
    local name port pm
    read -r name port < <(cluster_primary) || die "no primary right now (./build.sh cluster status)"
    if [[ "${1:-}" == --postmaster-only ]]; then
        pm=$(cluster_postmaster_pid "$name") || die "no postmaster running for $name"
        kill -KILL "$pm"
        say "killed the postmaster of $name (pid $pm) with SIGKILL; its pg_autoctl is left running"
    else
        [[ $# -eq 0 ]] || die "usage: ./build.sh cluster kill-primary [--postmaster-only]"
        pm=$(cluster_postmaster_pid "$name" || echo '?')
        cluster_kill_node "$name" || die "nothing of $name was running"
        say "killed primary $name with SIGKILL: pg_autoctl and postmaster (pid $pm); ./build.sh cluster rejoin $port brings it back as standby"
    fi
    echo "$port"
}

cluster_rejoin() { # port or name
    cluster_require_up
    [[ $# -eq 1 ]] || die "usage: ./build.sh cluster rejoin PORT|NAME"
    local name=$1 n
    for n in "${CLUSTER_NODES[@]}"; do
        [[ "$1" == "$(cluster_port "$n")" ]] && name=$n
    done
    cluster_port "$name" >/dev/null
    [[ "$name" != monitor ]] || die "the monitor is not a node to rejoin"
    [[ -f "$(cluster_cfg "$name")" ]] || die "$name was never created: ./build.sh cluster up"
    if cluster_supervisor_pid "$name" >/dev/null; then
        ok "$name is running already"
    else
        # The old primary's pg_autoctl sees a new primary on the monitor, rewinds its data
        # (pg_rewind) and follows it as secondary.
        say "starting $name again; it rejoins as standby"
        cluster_start "$name" || die "$name did not start"
    fi
    cluster_wait_until 120 cluster_in_sync || {
        cluster_status >&2 || true
        die "$name did not rejoin as synchronous secondary in 120 s (log: $CLUSTER_DIR/log/$name.log)"
    }
    ok "$name is the synchronous standby again"
    cluster_status
}

# ---------------------------------------------------------------- down
# Every node that has a directory, whatever ASHYQ_CLUSTER_NODES says now.
cluster_all_nodes() {
    local n
    for n in node1 node2 node3; do
        if [[ " ${CLUSTER_NODES[*]} " == *" $n "* || -d "$(cluster_pgdata "$n")" ]]; then echo "$n"; fi
    done
}
# Stop every component (pg_autoctl stop, all at once), then SIGKILL what is left. Immediate:
# the data goes next, so a shutdown checkpoint would only be disk work to wait for.
cluster_down_processes() {
    local name i running nodes
    read -r -a nodes <<<"$(cluster_all_nodes | tr '\n' ' ')"
    for name in "${nodes[@]}" monitor; do
        if cluster_supervisor_pid "$name" >/dev/null; then
            autoctl stop --immediate --pgdata "$(cluster_pgdata "$name")" >/dev/null 2>&1 || true
        fi
    done
    for i in $(seq 1 30); do
        running=0
        for name in "${nodes[@]}" monitor; do
            cluster_supervisor_pid "$name" >/dev/null && running=1
        done
        [[ $running -eq 1 ]] || break
        sleep 0.5
    done
    for name in "${nodes[@]}" monitor; do
        cluster_kill_node "$name" 2>/dev/null || true
    done
}

cluster_down() {
    [[ -n "$CLUSTER_DIR" && "$CLUSTER_DIR" != / ]] || die "refusing to remove CLUSTER_DIR=$CLUSTER_DIR"
    if [[ ! -d "$CLUSTER_DIR" ]]; then
        ok "no cluster in $CLUSTER_DIR"
        return 0
    fi
    say "stopping the cluster in $CLUSTER_DIR"
    cluster_down_processes
    rm -rf "$CLUSTER_DIR"
    ok "cluster stopped and removed"
}

# ---------------------------------------------------------------- entry
# One command that changes the cluster at a time: two `up`s would create the same node
# twice and each take the other's for debris. The lock file sits beside CLUSTER_DIR (down
# removes that), on fd 9, which cluster_start closes for the daemons it leaves running.
cluster_lock() {
    mkdir -p "$(dirname "$CLUSTER_DIR")"
    exec 9>"$CLUSTER_DIR.lock"
    if ! flock -n 9; then
        say "another ./build.sh cluster command is running; waiting for it"
        flock -w 600 9 || die "still locked after 10 minutes: $CLUSTER_DIR.lock"
    fi
}

cmd_cluster() {
    local sub="${1:-}"
    [[ $# -gt 0 ]] && shift
    [[ $(id -u) -eq 0 ]] || die "./build.sh cluster runs as root (it starts pg_autoctl as the postgres user)"
    [[ "$CLUSTER_NODE_COUNT" == 2 || "$CLUSTER_NODE_COUNT" == 3 ]] ||
        die "ASHYQ_CLUSTER_NODES is 2 (a primary and a standby) or 3 (two standbys), not $CLUSTER_NODE_COUNT"
    # Ctrl-C stops between steps. (pg_autoctl catches SIGINT itself, and bash then lets the
    # step it was running finish: a later `up` takes over from wherever this one stopped.)
    trap 'die "interrupted"' INT TERM
    case "$sub" in
    up | kill-primary | rejoin | down) cluster_lock ;;
    esac
    case "$sub" in
    up) cluster_up ;;
    status) cluster_status ;;
    kill-primary) cluster_kill_primary "$@" ;;
    rejoin) cluster_rejoin "$@" ;;
    down) cluster_down ;;
    *) die "usage: ./build.sh cluster up|status|kill-primary [--postmaster-only]|rejoin PORT|down" ;;
    esac
}
