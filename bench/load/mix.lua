-- wrk script for the replica rig (scripts/rig.sh): authenticated traffic that writes.
--   wrk -d (WRITE_SECONDS + 3)s ... -s mix.lua URL -- TOKEN MODE MAX_STATEMENT COMPANIES_FILE
--       WRITE_SECONDS [PAUSE_MS]
-- MODE "mix": POST /api/v1/score on a random statement, then POST .../decision on each returned
-- assessment (the model's recommendation, so no override), alternating: about half of the
-- requests each. MODE "outcomes": POST /api/v1/outcomes for the companies listed one a line.
-- Every 201 is counted by what it created (read from its body, since a thread's connections
-- answer in any order), so the caller can reconcile them with the rows in the database.
-- After WRITE_SECONDS each connection sends only GET /healthz (counted apart, as "tail"): wrk
-- abandons the requests in flight when -d ends, and those must not be writes, or a row could
-- exist whose 201 was never read. PAUSE_MS paces each connection (a bank's outcome feed is a
-- trickle, not a flood); 0 (the default) sends as fast as answers come.
-- done() prints one line "rig-result: {...}" (JSON).
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = args[2] or "mix"
  max_statement = tonumber(args[3] or "1")
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[1]}
  companies = {}
  if args[4] and args[4] ~= "" then
    for line in io.lines(args[4]) do companies[#companies + 1] = line end
  end
  pending = {}
  created = {score = 0, decision = 0, outcome = 0}
  statuses = {}
  seq = 0
  tail = 0
  deadline = os.time() + tonumber(args[5] or "1e9")
  tail_request = wrk.format("GET", "/healthz")
  pause = tonumber(args[6] or "0")
  math.randomseed(id * 7919 + os.time())
end

-- In the tail, one /healthz per connection per second: few enough not to skew the latencies.
function delay()
  if os.time() >= deadline then return 1000 end
  return pause
end

function request()
  if os.time() >= deadline then return tail_request end
  seq = seq + 1
  if mode == "outcomes" then
    local company = companies[(seq * 31 + id) % #companies + 1]
    local body = string.format(
      '{"company":"%s","defaulted":%s,"observed_at":"2026-11-01","note":"rig %d-%d"}',
      company, (seq % 13 == 0) and "true" or "false", id, seq)
    return wrk.format("POST", "/api/v1/outcomes", headers, body)
  end
  local item = table.remove(pending)
  if item then
    return wrk.format("POST", "/api/v1/assessments/" .. item.id .. "/decision", headers,
                      '{"decision":"' .. item.recommendation .. '"}')
  end
  return wrk.format("POST", "/api/v1/score", headers,
                    '{"statement_id":' .. math.random(1, max_statement) .. '}')
end

function response(status, _, body)
  if status == 200 and body:find('"version"', 1, true) then
    tail = tail + 1
    return
  end
  statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  if status ~= 201 then return end
  if body:find('"decided_by"', 1, true) then
    created.decision = created.decision + 1
  elseif body:find('"pd"', 1, true) then
    created.score = created.score + 1
    local aid = body:match('"assessment_id":(%d+)')
    local recommendation = body:match('"recommendation":"(%a+)"')
    if aid and recommendation then
      pending[#pending + 1] = {id = aid, recommendation = recommendation}
    end
  else
    created.outcome = created.outcome + 1
  end
end

function done(summary, latency, _)
  local total = {score = 0, decision = 0, outcome = 0}
  local by_status = {}
  local tails = 0
  for _, thread in ipairs(threads) do
    tails = tails + thread:get("tail")
    local c = thread:get("created")
    for k, v in pairs(c) do total[k] = total[k] + v end
    for k, v in pairs(thread:get("statuses")) do by_status[k] = (by_status[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(by_status) do parts[#parts + 1] = string.format('"%s": %d', k, v) end
  local e = summary.errors
  io.write(string.format(
    'rig-result: {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "non_2xx": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"timeouts": %d, "tail": %d, "score_201": %d, "decision_201": %d, "outcome_201": %d, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, e.status,
    e.connect, e.read, e.write, e.timeout, tails, total.score, total.decision, total.outcome,
    table.concat(parts, ", ")))
end
