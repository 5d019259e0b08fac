-- wrk script of the load benchmark: GET one page with a signed-in session cookie
-- (BENCH_COOKIE) and report, as one JSON line, throughput, latency percentiles and
-- errors: socket errors, HTTP statuses >= 400, and any answer that is not a 200
-- (a redirect to the sign-in page means the session was lost).
local cookie = os.getenv("BENCH_COOKIE") or ""
wrk.headers["Cookie"] = cookie
wrk.headers["User-Agent"] = "flo-bench-load (wrk)"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not200 = 0
end

function response(status, headers, body)
  if status ~= 200 then
    not200 = not200 + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("not200") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "socket_errors": %d, "status_errors": %d, ' ..
    '"not_200": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    e.status, bad, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.mean))
end
