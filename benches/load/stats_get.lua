-- wrk script: one GET of /v1/stats per request, the query taken at random from the
-- file named in the environment (QUERIES=path, one query string per line); with
-- SUMMARY=path, the latency quantiles are written there as JSON at the end.
local queries = {}
for line in io.lines(os.getenv("QUERIES")) do
  queries[#queries + 1] = line
end
dofile("benches/load/seeded.lua")
function request()
  return wrk.format("GET", "/v1/stats?" .. queries[math.random(#queries)])
end
