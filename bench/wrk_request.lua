-- wrk script for bench/foundation.py: one request shape per run, set through the environment.
--   BENCH_METHOD  GET or POST
--   BENCH_PATH    e.g. /healthz or /v1/auth/connect_token
--   BENCH_AUTH    the Authorization header value, or empty
--   BENCH_PREFIX  makes every client_user_id of the run distinct (POST only)
-- `done` prints one JSON line the bench parses (latencies in microseconds).

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/healthz"
local auth = os.getenv("BENCH_AUTH") or ""
local prefix = os.getenv("BENCH_PREFIX") or "bench"

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local headers = {}
local counter = 0

function init(args)
  if auth ~= "" then
    headers["Authorization"] = auth
  end
  if method == "POST" then
    headers["Content-Type"] = "application/json"
  end
end

function request()
  if method ~= "POST" then
    return wrk.format(method, path, headers, nil)
  end
  counter = counter + 1
  local body = string.format('{"client_user_id":"%s-%d-%d"}', prefix, thread_id, counter)
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"errors":%d,"status_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
