-- wrk script: replay pre-signed Twilio webhook requests, each MessageSid once.
-- BENCH_REQUESTS: file of "<signature>\t<form body>" lines; thread i sends lines i, i+n, …
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  step = tonumber(os.getenv("BENCH_WRK_THREADS"))
  lines = {}
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    lines[#lines + 1] = line
  end
  index = id + 1
  wrapped = 0
end

function request()
  if index > #lines then
    index = id + 1
    wrapped = wrapped + 1
  end
  local line = lines[index]
  index = index + step
  local tab = line:find("\t", 1, true)
  return wrk.format("POST", "/whatsapp/inbound",
    {["Content-Type"] = "application/x-www-form-urlencoded",
     ["X-Twilio-Signature"] = line:sub(1, tab - 1)}, line:sub(tab + 1))
end

function done(summary, latency, requests)
  local wraps = 0
  for _, thread in ipairs(threads) do
    wraps = wraps + (thread:get("wrapped") or 0)
  end
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"status_errors": %d, "connect_errors": %d, "read_errors": %d, "timeouts": %d, ' ..
    '"wrapped": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.timeout, wraps))
end
