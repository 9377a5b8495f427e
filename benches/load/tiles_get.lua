-- wrk script: one GET of a vector tile per request, taken at random from the file
-- named in the environment (TILES=path, one "z/x/y" per line), gzip accepted, as
-- a map client asks; deterministic per thread.
local tiles = {}
for line in io.lines(os.getenv("TILES")) do
  tiles[#tiles + 1] = line
end
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(seed)
end
function request()
  local t = tiles[math.random(#tiles)]
  return wrk.format("GET", "/v1/tiles/" .. t .. ".mvt", {["Accept-Encoding"] = "gzip"})
end
