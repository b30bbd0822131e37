-- The mixed scenario: what real traffic does to the server. Per request, at
-- random: 40% GET / and 35% GET /posts/{random post}, as browsers ask for
-- pages (accepting brotli); 20% record_view of a random post, as a post
-- page's view counter calls it; 5% set_like from the like scenario's
-- visitors, each flipping its like of its own post (bench/likes.lua, which
-- comes first in the script wrk reads, then bench/report.lua, then this).
--
-- BENCH_MIX=reads sends only the reads (53% /, 47% post pages) and
-- BENCH_MIX=writes only the writes (80% views, 20% likes), and
-- BENCH_MIX_PUBLISH=P makes publishing (no JS) P% of the requests: the soak
-- runs reads and writes as two wrk processes, to report the writes'
-- latency on its own.
--
-- Each thread counts the answers it got: a view's answer is the new count
-- (a bare number), a like's a JSON object. `done` prints them on a
-- `COUNTS views likes publishes views_in_flight` line, the last the views
-- sent less those answered 2xx (in flight when wrk stopped: any other
-- answer fails the run), so the harness can check that the database
-- counted exactly the views answered 2xx, give or take those in flight.
local posts = tonumber(os.getenv("BENCH_POSTS") or "1000")
local only = os.getenv("BENCH_MIX") or "all"
local publish_share = tonumber(os.getenv("BENCH_MIX_PUBLISH") or "0")
views_ok, likes_ok, publishes_ok, views_sent = 0, 0, 0, 0
local published = 0

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  likes_setup(thread)
end

function init(args)
  likes_init()
  math.randomseed(os.time() * 1000 + thread_number)
end

local function page(path)
  return wrk.format("GET", path, {
    ["Accept"] = "text/html",
    ["Accept-Encoding"] = "gzip, deflate, br, zstd",
  })
end

local function view()
  views_sent = views_sent + 1
  return wrk.format("POST", "/api/record_view", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
  }, "id=" .. math.random(posts))
end

local function publish()
  published = published + 1
  local key = "mix-" .. thread_number .. "-" .. published .. "-" .. os.time()
  return wrk.format("POST", "/api/create_post", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "text/html",
  }, "title=Soak+post+" .. published .. "&content=Written+during+the+soak&submission=" .. key)
end

request = function()
  local roll = math.random() * 100
  if roll < publish_share then
    return publish()
  end
  roll = math.random() * 100
  if only == "writes" then
    roll = 75 + roll / 4
  elseif only == "reads" then
    roll = roll * 0.75
  end
  if roll < 40 then
    return page("/")
  elseif roll < 75 then
    return page("/posts/" .. math.random(posts))
  elseif roll < 95 then
    return view()
  else
    return next_like()
  end
end

response = function(status, headers, body)
  if status >= 200 and status < 300 then
    local first = body:sub(1, 1)
    if first:match("%d") then
      views_ok = views_ok + 1
    elseif first == "{" then
      likes_ok = likes_ok + 1
      like_answered()
    end
  elseif status == 303 then
    publishes_ok = publishes_ok + 1
  end
end

local report = done
done = function(summary, latency, requests)
  local views, likes, publishes, sent = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    views = views + thread:get("views_ok")
    likes = likes + thread:get("likes_ok")
    publishes = publishes + thread:get("publishes_ok")
    sent = sent + thread:get("views_sent")
  end
  io.write(string.format("COUNTS %d %d %d %d\n", views, likes, publishes, sent - views))
  likes_save()
  report(summary, latency, requests)
end
