-- Loaded by the wrk scripts that pick at random (dofile, paths from the repository
-- root, where the load tests run wrk): each wrk thread gets its own fixed seed, so
-- runs ask for the same sequence.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(seed)
end
