-- Scenario 3: the like server function as the hydrated client sends it.
-- Requests come from the visitors in BENCH_VISITORS_FILE (signed cookies from
-- bench/visitors.py), in turn; each visitor flips its like of its own post,
-- alternating like and unlike, so every request is a write. The two wrk
-- threads take alternate visitors, so no visitor has two requests in flight.
local posts = tonumber(os.getenv("BENCH_POSTS") or "1000")
local threads = 2
local made = 0
local cookies, liked = {}, {}
local current

function setup(thread)
  made = made + 1
  thread:set("thread_number", made)
end

function init(args)
  local file = assert(io.open(os.getenv("BENCH_VISITORS_FILE"), "r"))
  for line in file:lines() do
    cookies[#cookies + 1] = line
  end
  file:close()
  current = thread_number - threads
end

request = function()
  current = current + threads
  if current > #cookies then
    current = thread_number
  end
  local want = not liked[current]
  liked[current] = want
  local post = (current - 1) % posts + 1
  return wrk.format("POST", "/api/set_like", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["Cookie"] = "bulletin_visitor=" .. cookies[current],
  }, "id=" .. post .. "&liked=" .. tostring(want))
end
