-- bench/mpi/resolve.lua: wrk script for bench/mpi/bench.sh. Each request looks up one ID
-- number of the imported file, GET /api/v1/persons?identifier=id_card|NUMBER, rotating
-- through $IDS_FILE (one number per line) from a random start per thread, with the bearer
-- token $TOKEN. With $PAUSE_MS > 0 each connection waits that long after an answer before
-- its next request. Prints p50, p99 and req/s as "resolve: …" lines.
local ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do
  ids[#ids + 1] = line
end
local headers = { ["Authorization"] = "Bearer " .. os.getenv("TOKEN") }
local i = 0
local pause = tonumber(os.getenv("PAUSE_MS") or "0") or 0
if pause > 0 then
  function delay()
    return pause
  end
end

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16))
  i = math.random(#ids)
end

function request()
  i = i % #ids + 1
  return wrk.format("GET", "/api/v1/persons?identifier=id_card%7C" .. ids[i], headers)
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("resolve: %d requests in %.1f s, %.0f req/s, errors %d (non-2xx %d)\n",
    summary.requests, secs, summary.requests / secs,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
  io.write(string.format("resolve: latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 < 2 ms)\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
