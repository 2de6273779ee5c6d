-- wrk script for the Ashyq server (scripts/bench_server.sh): an independent figure beside
-- ashyq-loadgen. Environment: WRK_KIND = healthz | keys | status | checkin | mixed, WRK_FIXTURE = a
-- directory written by `ashyq-loadgen --fixture-out` (tokens.txt, entry.txt, exit.txt).
-- `mixed` cycles status 8, entry 5, exit 4 (a lone exit is a zero-length visit), diary 1
-- per 18; wrk cannot tell the kinds apart in its latencies, so it reports them together.
-- done() prints one Markdown row: requests, non-2xx/errors, requests/s, p50/p99/p99.9 ms.

local kind = os.getenv("WRK_KIND") or "healthz"
local dir = os.getenv("WRK_FIXTURE") or "."

local function lines(name)
  local t = {}
  local f = io.open(dir .. "/" .. name)
  if f then
    for l in f:lines() do if #l > 0 then t[#t + 1] = l end end
    f:close()
  end
  return t
end

local tokens, entry, exit_codes = {}, {}, {}
if kind ~= "healthz" and kind ~= "keys" then
  tokens, entry, exit_codes = lines("tokens.txt"), lines("entry.txt"), lines("exit.txt")
end

local threads = {}
local thread_no = 0
function setup(thread)
  thread:set("id", thread_no)
  thread_no = thread_no + 1
  table.insert(threads, thread)
end

local MIXED = { "s", "c", "s", "e", "s", "c", "s", "d", "s", "c", "e", "s", "c", "s", "e", "c", "s", "e" }
local n = 0
local run = tostring(os.time())

local function auth(i)
  return { ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1], ["Content-Type"] = "application/json" }
end

local function scan(i, code)
  local body = string.format('{"code":"%s","client_visit_id":"wrk%s-%d-%d"}', code, run, id, i)
  return wrk.format("POST", "/v1/visits", auth(i), body)
end

function request()
  n = n + 1
  -- Threads take turns through the people (at most 16 threads), each scan someone else.
  local who = id + 16 * n
  local k = kind
  if kind == "mixed" then k = ({ s = "status", c = "checkin", e = "exit", d = "diary" })[MIXED[(n % #MIXED) + 1]] end
  if k == "healthz" then return wrk.format("GET", "/healthz") end
  -- The trivial API endpoint the status lookup is compared with (public, no database).
  if k == "keys" then return wrk.format("GET", "/v1/keys") end
  if k == "status" then return wrk.format("GET", "/v1/me/status", auth(who)) end
  if k == "diary" then return wrk.format("GET", "/v1/visits", auth(who)) end
  if k == "exit" then return scan(who, exit_codes[(n % #exit_codes) + 1]) end
  return scan(who, entry[(n % #entry) + 1])
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local errs = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status
  print(string.format("| %s | wrk %s | %d | %d | %.0f | %.2f | %.2f | %.2f |",
    os.getenv("WRK_LABEL") or "", kind, summary.requests, errs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end
