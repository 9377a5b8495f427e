-- wrk script: the mix a city's services send, at random and deterministic per
-- thread: 80% single GET /v1/lookup of a point from the list in POINTS (one
-- "lon,lat" per line, each inside a cell, so every answer is 200), 17% vector
-- tiles from the list in TILES (one "z/x/y" per line, gzip accepted, as map
-- clients ask), 3% batch POST /v1/lookup of the body in BODY_FILE, every other one
-- with ?fields=code.
local points = {}
for line in io.lines(os.getenv("POINTS")) do
  points[#points + 1] = line
end
local tiles = {}
for line in io.lines(os.getenv("TILES")) do
  tiles[#tiles + 1] = line
end
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local batch = f:read("*a")
f:close()
dofile("benches/load/seeded.lua")
local batches = 0
function request()
  local r = math.random()
  if r < 0.80 then
    local lon, lat = string.match(points[math.random(#points)], "([^,]+),([^,]+)")
    return wrk.format("GET", "/v1/lookup?lon=" .. lon .. "&lat=" .. lat)
  elseif r < 0.97 then
    local t = tiles[math.random(#tiles)]
    return wrk.format("GET", "/v1/tiles/" .. t .. ".mvt", {["Accept-Encoding"] = "gzip"})
  end
  batches = batches + 1
  local path = batches % 2 == 0 and "/v1/lookup?fields=code" or "/v1/lookup"
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["Accept-Encoding"] = "gzip"}, batch)
end
