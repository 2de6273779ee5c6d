# The stage runner shared by `./build.sh test` and `.ci/run`; source it, don't run it:
#   source scripts/stages.sh
#   run_stage "name" cmd args…   # runs cmd in a subshell; PASS or FAIL, timed
#   skip_stage "name" "why"
#   stage_passed "name" && …
#   print_summary                # a PASS/FAIL/SKIP line per stage; returns 1 if any failed
# FAIL_FAST=1 stops at the first failed stage. Each stage runs with `set -euo pipefail` and
# no standard input, so a stage that waits for a key fails instead of hanging CI.

if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
    S_RED=$'\e[31m' S_GREEN=$'\e[32m' S_YELLOW=$'\e[33m' S_BOLD=$'\e[1m' S_OFF=$'\e[0m'
else
    S_RED="" S_GREEN="" S_YELLOW="" S_BOLD="" S_OFF=""
fi
STAGES=()
STAGES_FAILED=0

stage_result() { # name PASS|FAIL|SKIP [seconds]
    STAGES+=("$2|$1|${3:-}")
    [[ "$2" == FAIL ]] && STAGES_FAILED=1
    return 0
}

run_stage() { # name cmd...
    local name=$1 rc=0 start=$SECONDS
    shift
    printf '%s==>%s stage: %s\n' "$S_BOLD" "$S_OFF" "$name"
    # Not in an `if`: there bash would ignore `set -e` inside the stage.
    set +e
    (
        # A subshell does not inherit EXIT traps: give the caller's cleanup hook, if any, back.
        trap 'declare -F stage_cleanup >/dev/null && stage_cleanup' EXIT
        set -euo pipefail
        "$@"
    ) </dev/null
    rc=$?
    set -e
    if [[ $rc -eq 0 ]]; then
        stage_result "$name" PASS $((SECONDS - start))
    else
        printf '%sFAILED:%s %s (exit %s)\n' "$S_RED" "$S_OFF" "$name" "$rc" >&2
        stage_result "$name" FAIL $((SECONDS - start))
        if [[ -n "${FAIL_FAST:-}" ]]; then
            print_summary
            exit 1
        fi
    fi
    return 0
}

skip_stage() { # name why
    printf '%sSKIPPED:%s %s: %s\n' "$S_YELLOW" "$S_OFF" "$1" "$2"
    stage_result "$1" SKIP
}

stage_passed() { # name
    local s
    for s in "${STAGES[@]}"; do
        [[ "$s" == "PASS|$1|"* ]] && return 0
    done
    return 1
}

print_summary() {
    local s status name secs colour
    echo
    printf '%s==>%s summary\n' "$S_BOLD" "$S_OFF"
    for s in "${STAGES[@]}"; do
        IFS='|' read -r status name secs <<<"$s"
        case "$status" in
        PASS) colour=$S_GREEN ;;
        FAIL) colour=$S_RED ;;
        *) colour=$S_YELLOW ;;
        esac
        printf '  %s%s%s  %s%s\n' "$colour" "$status" "$S_OFF" "$name" "${secs:+ ($secs s)}"
    done
    return "$STAGES_FAILED"
}
