#!/usr/bin/env bash
# schemathesis over docs/openapi.yaml against a real server (--dev --demo, a temporary data
# dir, no rate limit), with a visitor session and the dev admin key: no server error, and
# every check (`--checks all`) clean. `./build.sh test` runs it as a stage. The dev admin
# key holds both scopes (import, ops). Run:
#   scripts/api_schema_test.sh [server binary]
# Knobs (environment): SCHEMA_MAX_EXAMPLES (examples per operation, default 40),
# SCHEMA_SEED (default 1; a fixed seed keeps CI reproducible).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SERVER="${1:-target/server/ashyq-server}"
[[ -x "$SERVER" ]] || {
    echo "server binary not found: $SERVER (cargo build --profile server -p ashyq-server)" >&2
    exit 1
}
command -v st >/dev/null || {
    echo "schemathesis (st) not found: pip install schemathesis (./build.sh setup)" >&2
    exit 1
}

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT"
ASHYQ_LOG=warn "$SERVER" serve --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" \
    --dev --demo --rate-limit-per-minute 0 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 200); do
    curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
    sleep 0.05
done
curl -fsS "$URL/healthz" >/dev/null || {
    cat "$WORK/server.log" >&2
    echo "the server did not start" >&2
    exit 1
}

# A session for the demo's GREEN citizen (dev proof) and the dev admin key.
IIN="$(curl -fsS "$URL/dev/api/demo" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(next(c["iin"] for c in d["citizens"] if c["expected_status"]=="GREEN"))')"
SESSION="$(curl -fsS -X POST "$URL/v1/session" -H 'content-type: application/json' \
    -d "{\"proof\":{\"kind\":\"dev\",\"iin\":\"$IIN\"}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
export ASHYQ_ST_SESSION="$SESSION" ASHYQ_ST_ADMIN="ashyq-dev-admin-key"
# positive_data_acceptance: a request the schema allows must not be refused, except where
# the refusal rests on what a schema cannot say — a signature (venue codes, host proofs), a
# check digit (BIN), the rows of a CSV, which entrances a venue has — listed per operation.
cat >"$WORK/schemathesis.toml" <<'TOML'
[auth.openapi.session]
bearer = "${ASHYQ_ST_SESSION}"

[auth.openapi.importKey]
bearer = "${ASHYQ_ST_ADMIN}"

[auth.openapi.opsKey]
bearer = "${ASHYQ_ST_ADMIN}"

# Signed venue codes: 422 bad_signature, unknown_key, …; 404 venue_not_registered.
[[operations]]
include-path = "/v1/visits"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422"]

# Host proofs are signed (400 proof_malformed, 401 proof_bad_signature, 404 no citizen).
[[operations]]
include-path = "/v1/session"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404"]

# The BIN's check digit (400 id_bad_check_digit); names over 64/96 UTF-8 bytes (too_long);
# only an owner the business registry names may register (403 not_owner).
[[operations]]
include-path = "/v1/business/{bin}/premises"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403"]

# Which entrances a venue has (400 bad_entrance); only its owner (403).
[[operations]]
include-path = "/v1/premises/{venue_id}/poster.svg"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404"]

# Guard mode: the IIN's check digit (400 bad_iin), which entrances a venue has
# (400 bad_entrance); only its staff (403).
[[operations]]
include-path = "/v1/premises/{venue_id}/guard-checkin/challenge"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403"]

[[operations]]
include-path = "/v1/premises/{venue_id}/guard-checkin"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403"]

# CSV rows and headers (400 bad_csv); a CSV import needs ?batch_id= (400 bad_batch_id); a
# batch id imported before with other rows (409 batch_conflict: the server's memory).
[[operations]]
include-path = "/v1/import"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "409"]
TOML

rc=0
st --config-file "$WORK/schemathesis.toml" --no-color run docs/openapi.yaml --url "$URL" \
    --checks all \
    --max-examples "${SCHEMA_MAX_EXAMPLES:-40}" \
    --seed "${SCHEMA_SEED:-1}" \
    --phases examples,coverage,fuzzing \
    --request-timeout 10 || rc=$?
if grep -qiE 'panic|internal' "$WORK/server.log"; then
    echo "the server logged a panic or an internal error:" >&2
    grep -iE 'panic|internal' "$WORK/server.log" | head -n 20 >&2
    rc=1
fi
exit $rc
