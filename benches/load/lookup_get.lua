-- wrk script: one GET /v1/lookup per request at a random point of the box given in
-- the environment (BBOX=minlon,minlat,maxlon,maxlat), deterministic per thread.
local minx, miny, maxx, maxy = string.match(os.getenv("BBOX"), "([^,]+),([^,]+),([^,]+),([^,]+)")
minx, miny, maxx, maxy = tonumber(minx), tonumber(miny), tonumber(maxx), tonumber(maxy)
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(seed)
end
function request()
  local lon = minx + math.random() * (maxx - minx)
  local lat = miny + math.random() * (maxy - miny)
  return wrk.format("GET", string.format("/v1/lookup?lon=%.7f&lat=%.7f", lon, lat))
end
