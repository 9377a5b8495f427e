-- wrk script: one GET per request of a path taken at random from the file named in
-- the environment (PATHS=path, one path with its query per line).
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  paths[#paths + 1] = line
end
dofile("benches/load/seeded.lua")
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
