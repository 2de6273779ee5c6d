#!/usr/bin/env bash
# The one entry point for Ashyq. Run from anywhere, e.g.:
#   ./build.sh serve     build the app and run the backend with demo data on http://127.0.0.1:8080
#   ./build.sh test      set up, then run every test (native, vectors, browser, end-to-end)
#   ./build.sh help      list all subcommands
# Each subcommand installs what it needs (Debian packages, rustup target, wasm-bindgen CLI,
# npm tools) and is fast when that is already done.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive

WASM_TARGET=wasm32-unknown-unknown
APP_CRATE=ashyq
LAZY_CRATE=ashyq-business
SERVER_CRATE=ashyq-server
DECODER_CRATE=ashyq-qr
CAMERA_CRATE=ashyq-camera
NODE_BIN="$ROOT/node_modules/.bin"

# ---------------------------------------------------------------- output helpers
if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
    C_RED=$'\e[31m' C_GREEN=$'\e[32m' C_YELLOW=$'\e[33m' C_BOLD=$'\e[1m' C_OFF=$'\e[0m'
else
    C_RED="" C_GREEN="" C_YELLOW="" C_BOLD="" C_OFF=""
fi
say() { printf '%s==>%s %s\n' "$C_BOLD" "$C_OFF" "$*"; }
ok() { printf '%s  ok%s %s\n' "$C_GREEN" "$C_OFF" "$*"; }
warn() { printf '%sWARNING:%s %s\n' "$C_YELLOW" "$C_OFF" "$*" >&2; }
skipped() { printf '%sSKIPPED:%s %s\n' "$C_YELLOW" "$C_OFF" "$*"; }
die() {
    printf '%sERROR:%s %s\n' "$C_RED" "$C_OFF" "$*" >&2
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# Temporary directories removed when the script exits, however it exits.
CLEANUP=()
cleanup() { [[ ${#CLEANUP[@]} -eq 0 ]] || rm -rf "${CLEANUP[@]}"; }
trap cleanup EXIT

# Run a command as root (we are root on the project machines; sudo elsewhere).
as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; elif have sudo; then sudo "$@"; else
        die "need root to run: $* (no sudo found)"
    fi
}

# ---------------------------------------------------------------- setup pieces
APT_UPDATED=0
apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    have apt-get || die "missing Debian packages: ${missing[*]}; this is not a Debian machine, install them by hand"
    say "installing Debian packages: ${missing[*]}"
    # Another apt (a background install) may hold the lock: wait for it rather than fail.
    local aptopts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
    if [[ $APT_UPDATED -eq 0 ]]; then
        as_root apt-get "${aptopts[@]}" update -qq || die "apt-get update failed (network? apt lock?)"
        APT_UPDATED=1
    fi
    as_root apt-get "${aptopts[@]}" install -y -qq --no-install-recommends "${missing[@]}" ||
        die "could not install Debian packages: ${missing[*]} (try: apt-get install ${missing[*]})"
}

ensure_apt_packages() { # $1 = 1 to include postgresql
    local pkgs=(chromium chromium-driver zbar-tools librsvg2-bin sqlite3 wrk)
    [[ "${1:-1}" == 1 ]] && pkgs+=(postgresql)
    have node && have npm || pkgs+=(nodejs npm)
    have python3 || pkgs+=(python3)
    have gzip || pkgs+=(gzip)
    apt_install "${pkgs[@]}"
}

ensure_rust() {
    have cargo || die "cargo not found (expected rustup in ~/.cargo/bin); install Rust with rustup first"
    if ! rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"; then
        say "adding rustup target $WASM_TARGET"
        rustup target add "$WASM_TARGET" || die "rustup target add $WASM_TARGET failed"
    fi
    local comp
    for comp in rustfmt clippy; do
        if ! rustup component list --installed 2>/dev/null | grep -q "^$comp"; then
            say "adding rustup component $comp"
            rustup component add "$comp" || die "rustup component add $comp failed"
        fi
    done
}

# The wasm-bindgen version the project resolves to, from Cargo.lock (created if absent).
lock_wasm_bindgen_version() {
    if [[ ! -f Cargo.lock ]]; then
        cargo metadata --format-version 1 >/dev/null 2>&1 || cargo generate-lockfile >/dev/null 2>&1 || true
    fi
    local v=""
    if [[ -f Cargo.lock ]]; then
        v=$(awk '/^\[\[package\]\]/{n=""} /^name = /{n=$3} n=="\"wasm-bindgen\"" && /^version = /{gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
    fi
    if [[ -z "$v" ]]; then
        # No usable lock (workspace not complete yet): fall back to the exact pin in Cargo.toml.
        v=$(sed -n 's/^wasm-bindgen *= *"=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)
        [[ -n "$v" ]] && warn "Cargo.lock has no wasm-bindgen; using the pin in Cargo.toml ($v)"
    fi
    [[ -n "$v" ]] || die "cannot tell which wasm-bindgen version the project uses (no Cargo.lock entry, no '=X.Y.Z' pin in Cargo.toml)"
    echo "$v"
}

ensure_wasm_bindgen() {
    local want have_v=""
    want=$(lock_wasm_bindgen_version)
    # Someone else (another shell) may be installing it right now: wait instead of racing.
    while pgrep -f "cargo install wasm-bindgen-cli" >/dev/null 2>&1; do
        say "a wasm-bindgen-cli install is already running; waiting for it"
        sleep 15
    done
    have wasm-bindgen && have_v=$(wasm-bindgen --version | awk '{print $2}')
    if [[ "$have_v" != "$want" ]] || ! have wasm-bindgen-test-runner; then
        say "installing wasm-bindgen-cli $want (found: ${have_v:-none}); this takes a few minutes"
        cargo install wasm-bindgen-cli --version "$want" ||
            die "cargo install wasm-bindgen-cli --version $want failed"
        have_v=$(wasm-bindgen --version | awk '{print $2}')
        [[ "$have_v" == "$want" ]] || die "wasm-bindgen on PATH is $have_v, wanted $want (check PATH order)"
    fi
    ok "wasm-bindgen $want"
}

ensure_npm() {
    have node || die "node not found (Debian package nodejs)"
    local stamp="node_modules/.package-lock.json"
    if [[ -x "$NODE_BIN/wasm-opt" && -x "$NODE_BIN/terser" && -x "$NODE_BIN/csso" && -d node_modules/playwright-core && -d node_modules/fflate && -d node_modules/ajv && -d node_modules/jsqr && -f "$stamp" &&
        (! -f package-lock.json || ! package-lock.json -nt "$stamp") ]]; then
        ok "npm tools (wasm-opt $("$NODE_BIN/wasm-opt" --version | awk '{print $3}'), playwright-core)"
        return 0
    fi
    say "installing npm tools (binaryen, playwright-core)"
    if [[ -f package-lock.json ]]; then
        npm ci --no-audit --no-fund || die "npm ci failed (npm registry reachable?)"
    else
        npm install --no-audit --no-fund || die "npm install failed (npm registry reachable?)"
    fi
    [[ -x "$NODE_BIN/wasm-opt" ]] || die "npm installed, but node_modules/.bin/wasm-opt is missing"
}

# schemathesis (PyPI) for the API schema stage of `test`.
ensure_schemathesis() {
    if have st && st --version >/dev/null 2>&1; then
        ok "$(st --version)"
        return 0
    fi
    say "installing schemathesis (pip)"
    python3 -m pip install --quiet schemathesis ||
        python3 -m pip install --quiet --break-system-packages schemathesis ||
        die "pip install schemathesis failed (PyPI reachable? python3-pip installed?)"
    have st || die "schemathesis installed, but its 'st' command is not on PATH"
}

# setup [with_postgres=1]
cmd_setup() {
    ensure_apt_packages "${1:-1}"
    ensure_rust
    ensure_wasm_bindgen
    ensure_npm
    ensure_schemathesis
    have chromium && ok "$(chromium --version 2>/dev/null | head -n1)"
    have chromedriver && ok "$(chromedriver --version 2>/dev/null | head -n1)"
    ok "setup done"
}

# Target dir and the app crate's version, from cargo itself.
cargo_facts() {
    local meta
    meta=$(cargo metadata --format-version 1 --no-deps) || die "cargo metadata failed (is the workspace complete? see the error above)"
    TARGET_DIR=$(node -e 'const m=JSON.parse(require("fs").readFileSync(0,"utf8"));process.stdout.write(m.target_directory)' <<<"$meta")
    CRATE_VERSION=$(node -e 'const m=JSON.parse(require("fs").readFileSync(0,"utf8"));const p=m.packages.find(p=>p.name===process.argv[1]);process.stdout.write(p?p.version:"")' "$APP_CRATE" <<<"$meta")
    [[ -n "$CRATE_VERSION" ]] || die "no package named $APP_CRATE in the workspace"
}

# ---------------------------------------------------------------- build
cmd_build() {
    ensure_rust
    ensure_wasm_bindgen
    ensure_npm
    cargo_facts
    say "cargo build --release --target $WASM_TARGET -p $APP_CRATE"
    cargo build --release --target "$WASM_TARGET" -p "$APP_CRATE" || die "wasm build failed"
    local wasm="$TARGET_DIR/$WASM_TARGET/release/$APP_CRATE.wasm"
    [[ -f "$wasm" ]] || die "expected $wasm after the build (is the crate a cdylib?)"
    # The fallback QR decoder: its own wasm module, loaded by a Web Worker only when needed.
    say "cargo build --release --target $WASM_TARGET -p $DECODER_CRATE"
    cargo build --release --target "$WASM_TARGET" -p "$DECODER_CRATE" || die "decoder wasm build failed"
    local decoder="$TARGET_DIR/$WASM_TARGET/release/${DECODER_CRATE//-/_}.wasm"
    [[ -f "$decoder" ]] || die "expected $decoder after the build (is $DECODER_CRATE a cdylib?)"
    # The camera scanner for hosts without one: its own module, loaded when the camera opens.
    say "cargo build --release --target $WASM_TARGET -p $CAMERA_CRATE"
    cargo build --release --target "$WASM_TARGET" -p "$CAMERA_CRATE" || die "camera scanner wasm build failed"
    local camera="$TARGET_DIR/$WASM_TARGET/release/${CAMERA_CRATE//-/_}.wasm"
    [[ -f "$camera" ]] || die "expected $camera after the build (is $CAMERA_CRATE a cdylib?)"
    # The owner's and door staff's screens: a second module, loaded only when opened.
    say "cargo build --release --target $WASM_TARGET -p $LAZY_CRATE"
    cargo build --release --target "$WASM_TARGET" -p "$LAZY_CRATE" || die "wasm build of the role screens failed"
    local lazy="$TARGET_DIR/$WASM_TARGET/release/${LAZY_CRATE//-/_}.wasm"
    [[ -f "$lazy" ]] || die "expected $lazy after the build"
    # wasm-bindgen, wasm-opt, terser, csso, hashed names, manifest, .br/.gz siblings, sizes.
    node scripts/build.mjs dist --wasm "$wasm" --lazy "$lazy" --decoder-wasm "$decoder" --camera "$camera" --version "$CRATE_VERSION" --out "$ROOT/dist" ||
        die "assembling dist/ failed (see above)"
    ok "dist/ ready"
}

# ---------------------------------------------------------------- test
# run_stage, skip_stage, stage_passed and print_summary: the same runner as .ci/run.
# shellcheck source=scripts/stages.sh
source "$ROOT/scripts/stages.sh"
stage_cleanup() { cleanup; }

pg_psql() { # sql... run as the postgres superuser
    (cd / && as_root runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@")
}
start_postgres() {
    have pg_lsclusters || die "pg_lsclusters not found (Debian package postgresql-common)"
    local ver line status
    line=$(pg_lsclusters -h | awk '$2=="main"' | sort -V | tail -n1)
    if [[ -z "$line" ]]; then
        ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf "%f\n" 2>/dev/null | sort -V | tail -n1)
        [[ -n "$ver" ]] || die "PostgreSQL is not installed"
        say "creating PostgreSQL $ver cluster 'main'"
        as_root pg_createcluster "$ver" main || die "pg_createcluster $ver main failed"
        line=$(pg_lsclusters -h | awk '$2=="main"' | sort -V | tail -n1)
    fi
    read -r ver _ PG_PORT status _ <<<"$line"
    if [[ "$status" != online* ]]; then
        say "starting PostgreSQL $ver/main on port $PG_PORT"
        as_root pg_ctlcluster "$ver" main start || die "pg_ctlcluster $ver main start failed (see /var/log/postgresql/)"
    fi
    local _
    for _ in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
        sleep 1
    done
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL did not accept connections on 127.0.0.1:$PG_PORT"
    if [[ -z $(pg_psql -tAc "SELECT 1 FROM pg_roles WHERE rolname='ashyq'") ]]; then
        pg_psql -c "CREATE ROLE ashyq LOGIN PASSWORD 'ashyq' CREATEDB" || die "could not create role ashyq"
    fi
    if [[ -z $(pg_psql -tAc "SELECT 1 FROM pg_database WHERE datname='ashyq_test'") ]]; then
        pg_psql -c "CREATE DATABASE ashyq_test OWNER ashyq" || die "could not create database ashyq_test"
    fi
    if [[ -z $(pg_psql -tAc "SELECT 1 FROM pg_database WHERE datname='ashyq_bench'") ]]; then
        pg_psql -c "CREATE DATABASE ashyq_bench OWNER ashyq" || die "could not create database ashyq_bench"
    fi
    ok "PostgreSQL $ver on 127.0.0.1:$PG_PORT, database ashyq_test"
}

test_native() { cargo test --workspace; }
test_vectors() { node scripts/verify_vectors.mjs; }
test_browser() {
    CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}" \
        WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/webdriver.json" \
        WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}" \
        WASM_BINDGEN_TEST_DRIVER_TIMEOUT="${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-30}" \
        cargo test --target "$WASM_TARGET" -p "$APP_CRATE"
}
build_server() { cargo build --profile server -p "$SERVER_CRATE"; }
test_e2e() {
    cargo_facts
    ASHYQ_SERVER_BIN="$TARGET_DIR/server/$SERVER_CRATE" ASHYQ_DIST="$ROOT/dist" node tests/e2e/run.mjs
}
test_api_schema() {
    cargo_facts
    bash scripts/api_schema_test.sh "$TARGET_DIR/server/$SERVER_CRATE"
}
test_faults() { # a few cycles; ./build.sh bench faults runs 100
    cargo_facts
    local pg="${ASHYQ_TEST_POSTGRES_URL:-postgres://ashyq:ashyq@127.0.0.1:5432/ashyq_test}"
    FAULT_SERVER_BIN="$TARGET_DIR/server/$SERVER_CRATE" FAULT_POSTGRES_URL="$pg" \
        bash scripts/bench_faults.sh "${FAULT_CYCLES:-3}"
}

test_drill() { # the short drill; ./build.sh drill runs the full one
    cargo_facts
    DRILL_SHORT=1 DRILL_SERVER_BIN="$TARGET_DIR/server/$SERVER_CRATE" bash scripts/drill.sh
}

cmd_test() {
    run_stage "setup" cmd_setup 1
    if stage_passed setup; then
        if [[ -n "${ASHYQ_TEST_POSTGRES_URL:-}" ]]; then
            say "using ASHYQ_TEST_POSTGRES_URL from the environment"
            stage_result "postgres (from environment)" PASS
        else
            PG_PORT=5432
            run_stage "postgres" start_postgres
            # start_postgres ran in a subshell: read the port again for the URL.
            PG_PORT=$(pg_lsclusters -h 2>/dev/null | awk '$2=="main"{print $3}' | sort -V | tail -n1)
            export ASHYQ_TEST_POSTGRES_URL="postgres://ashyq:ashyq@127.0.0.1:${PG_PORT:-5432}/ashyq_test"
        fi
        export ASHYQ_REQUIRE_POSTGRES=1

        run_stage "native tests (cargo test --workspace)" test_native

        run_stage "test vectors, independent Ed25519 (node crypto)" test_vectors
        run_stage "no import circles between a crate's files" python3 scripts/check_imports.py
        run_stage "browser tests (wasm-bindgen-test, headless Chromium)" test_browser
        run_stage "build dist/" cmd_build
        run_stage "server build (profile server)" build_server
        if stage_passed "server build (profile server)"; then
            run_stage "API schema (schemathesis, --checks all)" test_api_schema
            run_stage "faults (kill -9, PostgreSQL restart, disk full; 3 cycles)" test_faults
            run_stage "failover drill, short (pg_auto_failover, two nodes, two kills)" test_drill
        else
            stage_result "API schema and faults (need the server build)" FAIL
        fi
        if stage_passed "build dist/" && stage_passed "server build (profile server)"; then
            run_stage "end-to-end tests (headless Chromium)" test_e2e
        else
            printf '%sFAILED:%s end-to-end tests: dist/ or the server did not build\n' "$C_RED" "$C_OFF" >&2
            stage_result "end-to-end tests (needs dist/ and server)" FAIL
        fi
    fi
    if ! print_summary; then
        printf '%sTESTS FAILED%s\n' "$C_RED" "$C_OFF"
        exit 1
    fi
    printf '%sALL STAGES PASSED%s (skipped ones are listed above)\n' "$C_GREEN" "$C_OFF"
}

# ---------------------------------------------------------------- serve
cmd_serve() {
    [[ -f crates/$SERVER_CRATE/Cargo.toml ]] || die "crates/$SERVER_CRATE is not built yet: nothing to serve"
    cmd_setup 0
    cmd_build
    say "cargo build --profile server -p $SERVER_CRATE"
    build_server || die "server build failed"
    local port="${PORT:-8080}" bin="$TARGET_DIR/server/$SERVER_CRATE"
    mkdir -p .data/serve
    echo
    say "Ashyq is starting (dev mode, demo data; Ctrl-C stops it)"
    echo "     app:            http://127.0.0.1:$port/"
    echo "     host emulator:  http://127.0.0.1:$port/dev/"
    echo "     data:           $ROOT/.data/serve"
    echo
    cleanup
    exec "$bin" serve --data-dir .data/serve --listen "127.0.0.1:$port" --dev --demo --dist dist "$@"
}

# ---------------------------------------------------------------- bench
cmd_bench() { # [name [args]]: scripts/bench_<name>.sh only; without a name, all but faults
    if [[ $# -gt 0 && -f "scripts/bench_$1.sh" ]]; then
        local one="scripts/bench_$1.sh"
        shift
        say "bench: $one"
        bash "$one" "$@"
        return
    fi
    shopt -s nullglob
    local scripts=(scripts/bench_*.sh) s rc=0
    shopt -u nullglob
    if [[ ${#scripts[@]} -eq 0 ]]; then
        skipped "benchmarks not built yet (no scripts/bench_*.sh)"
        return 0
    fi
    for s in "${scripts[@]}"; do
        # The fault harness takes a long while: ./build.sh bench faults.
        [[ "$s" == scripts/bench_faults.sh ]] && continue
        say "bench: $s"
        bash "$s" "$@" || {
            warn "$s failed"
            rc=1
        }
    done
    return $rc
}

# ---------------------------------------------------------------- bundle
cmd_bundle() {
    cmd_build
    # A deterministic zip (sorted entries, fixed timestamps): the same dist/ gives the same bytes.
    node scripts/build.mjs bundle --version "$CRATE_VERSION" --dist "$ROOT/dist" \
        --zip "$ROOT/ashyq-miniapp-$CRATE_VERSION.zip" || die "writing the zip failed"
    node scripts/build.mjs verify-bundle "$ROOT/ashyq-miniapp-$CRATE_VERSION.zip" || die "the new zip fails its own verification"
    ok "ashyq-miniapp-$CRATE_VERSION.zip: upload this to the host's mini-app catalogue; manifest.json inside lists every file's SHA-384"
}

# verify-bundle ZIP: the checks an installer runs before uploading (see scripts/build.mjs).
cmd_verify_bundle() {
    [[ $# -eq 1 ]] || die "usage: ./build.sh verify-bundle ZIP"
    ensure_npm
    node scripts/build.mjs verify-bundle "$1"
}

# ---------------------------------------------------------------- fuzz
# The crates with a fuzz workspace (crate/fuzz): the core's formats and host proofs, the
# server's import parsers.
FUZZ_CRATES=(crates/ashyq-core crates/ashyq-server)
cmd_fuzz() { # [target|all] [seconds per target]; FUZZ_RUNS=N stops a target after N executions
    local which="${1:-all}" secs="${2:-60}" crate
    rustup toolchain list | grep -q '^nightly' ||
        die "the nightly toolchain is not installed (cargo fuzz needs it): rustup toolchain install nightly"
    if ! cargo fuzz --version >/dev/null 2>&1; then
        say "installing cargo-fuzz"
        cargo install cargo-fuzz --locked || die "cargo install cargo-fuzz failed"
    fi
    local limits=(-max_total_time="$secs")
    [[ -n "${FUZZ_RUNS:-}" ]] && limits+=(-runs="$FUZZ_RUNS")
    local found=0 t log dir rc
    for crate in "${FUZZ_CRATES[@]}"; do
        dir="$crate/fuzz"
        [[ -d "$dir/fuzz_targets" ]] || continue
        local targets=()
        mapfile -t targets < <(cd "$crate" && cargo +nightly fuzz list)
        mkdir -p "$dir/logs"
        for t in "${targets[@]}"; do
            [[ "$which" == all || "$which" == "$t" ]] || continue
            found=1
            log="$dir/logs/$t.log"
            say "fuzz $t for ${secs}s${FUZZ_RUNS:+ or $FUZZ_RUNS runs} (log: $log)"
            rc=0
            (cd "$crate" && cargo +nightly fuzz run "$t" -- "${limits[@]}") >"$log" 2>&1 || rc=$?
            grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|==[0-9]+== ERROR|SUMMARY:|Test unit written)' "$log" || true
            if [[ $rc -ne 0 ]]; then
                tail -n 30 "$log" >&2
                die "fuzz target $t failed (exit $rc): see $log and $dir/artifacts/$t/"
            fi
            ok "$t: $(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 executions in \2 s/p' "$log" | tail -n1) without a crash"
        done
    done
    [[ $found -eq 1 ]] || die "no fuzz target named $which (cargo +nightly fuzz list in ${FUZZ_CRATES[*]})"
}

# ---------------------------------------------------------------- cluster
# cluster_up, cluster_status, … : PostgreSQL with automatic failover (pg_auto_failover).
# shellcheck source=scripts/cluster.sh
source "$ROOT/scripts/cluster.sh"

# ---------------------------------------------------------------- main
usage() {
    cat <<EOF
usage: ./build.sh <command> [args]

  setup             install what building and testing need (apt, rustup target, wasm-bindgen CLI, npm tools)
  build             release wasm -> wasm-bindgen -> wasm-opt -Oz -> dist/ (hashed assets, manifest with SHA-384s)
  test              setup, start PostgreSQL, then native, vector, browser and end-to-end tests; prints a summary
                    (FAIL_FAST=1 stops at the first failed stage)
  serve [args]      build the app and the server, run it on 127.0.0.1:\${PORT:-8080} with --dev --demo
  bench [name]      run scripts/bench_*.sh (all but faults), or only scripts/bench_<name>.sh
                    (bench faults [cycles]: kill -9, PostgreSQL restart and disk-full harness)
  bundle            build, then zip dist/ into ashyq-miniapp-<version>.zip for host installers (reproducible)
  verify-bundle ZIP check a bundle: manifest schema, every file's SHA-384, CSP meta, first-load budget, no dev file
  cluster up|status|kill-primary|rejoin PORT|down
                    PostgreSQL with automatic failover on 127.0.0.1 (pg_auto_failover: monitor, primary,
                    synchronous standby); up prints the server nodes' database URL as its last line
  drill             failover drill: the cluster, two server nodes, check-in load, the primary killed twice
                    (each way); prints acknowledged, lost, duplicated, seconds without writes (DRILL_SHORT=1: CI's)
  fuzz [target|all] [seconds]   cargo +nightly fuzz run each target of the core and the server\n                    (default: all, 60 s each; FUZZ_RUNS=N stops each after N executions)
EOF
}

main() {
    local cmd="${1:-help}"
    [[ $# -gt 0 ]] && shift
    case "$cmd" in
    setup) cmd_setup 1 ;;
    build) cmd_build ;;
    test) cmd_test ;;
    serve) cmd_serve "$@" ;;
    bench) cmd_bench "$@" ;;
    bundle) cmd_bundle ;;
    verify-bundle) cmd_verify_bundle "$@" ;;
    fuzz) cmd_fuzz "$@" ;;
    cluster) cmd_cluster "$@" ;;
    drill) bash scripts/drill.sh "$@" ;;
    help | -h | --help) usage ;;
    *)
        usage >&2
        die "unknown command: $cmd"
        ;;
    esac
}

main "$@"
