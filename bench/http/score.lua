-- wrk script: POST real test rows to a scoring endpoint, each thread rotating through them.
--   wrk ... -s score.lua URL -- BODIES_FILE [BEARER_TOKEN]
-- done() prints one JSON line ("wrk-result: {...}") that run.sh reads.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local bodies = {}
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  local headers = {["Content-Type"] = "application/json"}
  if args[2] and args[2] ~= "" then headers["Authorization"] = "Bearer " .. args[2] end
  requests = {}
  for i, body in ipairs(bodies) do
    requests[i] = wrk.format("POST", nil, headers, body)
  end
  -- Threads start at different rows so that they do not send the same row at the same time.
  next_row = (id * 7919) % #requests
end

function request()
  next_row = next_row % #requests + 1
  return requests[next_row]
end

function done(summary, latency, requests_)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'wrk-result: {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p90_ms": %.3f, ' ..
    '"p99_ms": %.3f, "max_ms": %.3f, "non_2xx": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000, e.status,
    e.connect, e.read, e.write, e.timeout))
end
