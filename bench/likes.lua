-- The likes of the visitors in BENCH_VISITORS_FILE (signed cookies from
-- bench/visitors.py), shared by the like scenario and the mix. Visitor i
-- likes or unlikes post ((i - 1) % BENCH_POSTS) + 1, flipping its state at
-- each request; wrk's two threads take alternate visitors, so no visitor
-- has two requests in flight.
--
-- The state each visitor was last sent is kept across wrk runs in the
-- ledger BENCH_LIKES_LEDGER (one line per visitor: 1 liked, 0 not): each
-- run starts from it and writes it back when it ends. Every request either
-- is answered 2xx or fails the run, so the ledger is what the clients were
-- answered, except for the likes still in flight when wrk stopped: the run
-- prints how many (sent, less answered) on a `LIKES_IN_FLIGHT n` line. The
-- harness checks the database's likes against the ledger, allowing those
-- either way (bench/lib.sh, likes_check).
local thread_count = 2
local likes_posts = tonumber(os.getenv("BENCH_POSTS") or "1000")
local ledger_path = os.getenv("BENCH_LIKES_LEDGER")
if ledger_path == "" then
  ledger_path = nil
end
local like_threads = {}
local cookies = {}
local current
liked = {}
likes_sent, likes_answered = 0, 0

-- In wrk's main state, for each thread it makes.
function likes_setup(thread)
  table.insert(like_threads, thread)
  thread:set("thread_number", #like_threads)
end

-- In each thread, before its first request.
function likes_init()
  local file = assert(io.open(os.getenv("BENCH_VISITORS_FILE"), "r"))
  for line in file:lines() do
    cookies[#cookies + 1] = line
  end
  file:close()
  local ledger = ledger_path and io.open(ledger_path, "r")
  if ledger then
    local i = 0
    for line in ledger:lines() do
      i = i + 1
      liked[i] = line == "1"
    end
    ledger:close()
  end
  current = thread_number - thread_count
end

-- The next visitor's like or unlike, as the hydrated client sends it.
function next_like()
  current = current + thread_count
  if current > #cookies then
    current = thread_number
  end
  local want = not liked[current]
  liked[current] = want
  likes_sent = likes_sent + 1
  local post = (current - 1) % likes_posts + 1
  return wrk.format("POST", "/api/set_like", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["Cookie"] = "bulletin_visitor=" .. cookies[current],
  }, "id=" .. post .. "&liked=" .. tostring(want))
end

-- In a thread, for each answer to a like (the scenario's `response` knows
-- which answers are).
function like_answered()
  likes_answered = likes_answered + 1
end

-- In the main state, after the run: prints the likes left in flight and
-- writes the ledger back, each visitor's state taken from the thread that
-- sent its requests.
function likes_save()
  local in_flight = 0
  for _, thread in ipairs(like_threads) do
    in_flight = in_flight + thread:get("likes_sent") - thread:get("likes_answered")
  end
  io.write(string.format("LIKES_IN_FLIGHT %d\n", in_flight))
  if not ledger_path then
    return
  end
  assert(#like_threads == thread_count, "the likes take wrk -t" .. thread_count)
  local states, count = {}, 0
  for number, thread in ipairs(like_threads) do
    for i, state in pairs(thread:get("liked")) do
      if (i - 1) % thread_count + 1 == number then
        states[i] = state
      end
      if i > count then
        count = i
      end
    end
  end
  local ledger = assert(io.open(ledger_path, "w"))
  for i = 1, count do
    ledger:write(states[i] and "1\n" or "0\n")
  end
  ledger:close()
end
