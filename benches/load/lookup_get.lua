-- wrk script: one GET /v1/lookup per request at a random point of the box given in
-- the environment (BBOX=minlon,minlat,maxlon,maxlat), deterministic per thread.
local minx, miny, maxx, maxy = string.match(os.getenv("BBOX"), "([^,]+),([^,]+),([^,]+),([^,]+)")
minx, miny, maxx, maxy = tonumber(minx), tonumber(miny), tonumber(maxx), tonumber(maxy)
dofile("benches/load/seeded.lua")
function request()
  local lon = minx + math.random() * (maxx - minx)
  local lat = miny + math.random() * (maxy - miny)
  return wrk.format("GET", string.format("/v1/lookup?lon=%.7f&lat=%.7f", lon, lat))
end
