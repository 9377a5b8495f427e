-- wrk script: one GET of a vector tile per request, taken at random from the file
-- named in the environment (TILES=path, one "z/x/y" per line), gzip accepted, as
-- a map client asks; deterministic per thread.
local tiles = {}
for line in io.lines(os.getenv("TILES")) do
  tiles[#tiles + 1] = line
end
dofile("benches/load/seeded.lua")
function request()
  local t = tiles[math.random(#tiles)]
  return wrk.format("GET", "/v1/tiles/" .. t .. ".mvt", {["Accept-Encoding"] = "gzip"})
end
