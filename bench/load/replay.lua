-- replay.lua: wrk replays the signed requests of a file written by
-- `loadgen sign`, round-robin, each thread from its own offset.
--   wrk -t2 -c64 -d20s --latency -s bench/load/replay.lua http://127.0.0.1:4590 -- requests.bin
-- The file holds, for each request, its length in decimal, a line feed and
-- the raw HTTP/1.1 request (signed; replays within its five minutes).

local threads = 0

function setup(thread)
   thread:set("id", threads)
   threads = threads + 1
end

local reqs = {}
local idx = 1

function init(args)
   local path = args[1]
   local f = assert(io.open(path, "rb"), "cannot open " .. tostring(path))
   local data = f:read("*a")
   f:close()
   local pos = 1
   while pos <= #data do
      local nl = data:find("\n", pos, true)
      local n = tonumber(data:sub(pos, nl - 1))
      reqs[#reqs + 1] = data:sub(nl + 1, nl + n)
      pos = nl + n + 1
   end
   assert(#reqs > 0, "no requests in " .. path)
   idx = ((id or 0) * 7919) % #reqs + 1
end

function request()
   local r = reqs[idx]
   idx = idx + 1
   if idx > #reqs then
      idx = 1
   end
   return r
end
