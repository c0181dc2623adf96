-- wrk script for bench/lib/wrk.ts: every request carries the next header set of a pool read from
-- the file named by WRK_POOL. Each line is `<epoch>\t<Name>: <value>\t...`; epoch 0 means any second.
-- Time-based credentials (server signatures) have a pool per second, precomputed for the run's window,
-- and the current second's pool is used, as a client signing each request would.
local pools = {}
local first, last

function init(args)
  local file = assert(io.open(os.getenv("WRK_POOL"), "r"))
  for line in file:lines() do
    local epoch, headers = nil, {}
    for field in line:gmatch("[^\t]+") do
      if epoch == nil then
        epoch = tonumber(field)
      else
        local name, value = field:match("^([^:]+): (.*)$")
        headers[name] = value
      end
    end
    pools[epoch] = pools[epoch] or {}
    table.insert(pools[epoch], wrk.format(nil, nil, headers))
    if epoch ~= 0 then
      first = first and math.min(first, epoch) or epoch
      last = last and math.max(last, epoch) or epoch
    end
  end
  file:close()
end

local n = 0
function request()
  n = n + 1
  local pool = pools[0]
  if pool == nil then
    pool = pools[math.max(first, math.min(last, os.time()))]
  end
  return pool[(n % #pool) + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"non2xx":%d,"socketErrors":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
