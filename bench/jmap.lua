-- wrk script of the server benchmark (bench/wrk.py sets the environment): POST /api with the body of
-- BENCH_BODY_FILE, where "{n}" becomes a name unique to this run, thread and request, and "{id}" the
-- next of the comma-separated BENCH_IDS. A response counts as bad unless it is HTTP 200 and holds
-- BENCH_EXPECT (a method error or a refused create is a 200 too). done() prints one BENCH {...} line.

local token = os.getenv("BENCH_TOKEN")
local expect = os.getenv("BENCH_EXPECT")
local run = os.getenv("BENCH_RUN")
local file = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
local template = file:read("*a")
file:close()
local ids = {}
for id in string.gmatch(os.getenv("BENCH_IDS") or "", "[^,]+") do
  ids[#ids + 1] = id
end
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
local varies = template:find("{n}", 1, true) or template:find("{id}", 1, true)
local threads = {}
local fixed = nil
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  thread:set("bad", 0)
  table.insert(threads, thread)
end

function init(args)
  if not varies then
    fixed = wrk.format("POST", "/api", headers, template)
  end
end

function request()
  if fixed then
    return fixed
  end
  counter = counter + 1
  local body = template:gsub("{n}", "r" .. run .. "t" .. tid .. "n" .. counter)
  if #ids > 0 then
    body = body:gsub("{id}", ids[(counter % #ids) + 1])
  end
  return wrk.format("POST", "/api", headers, body)
end

function response(status, headers, body)
  if status ~= 200 or not body:find(expect, 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "bad": %d, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad_total,
    e.connect + e.read + e.write + e.status + e.timeout))
end
