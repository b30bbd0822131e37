-- Scenario 3: the like server function as the hydrated client sends it,
-- every request a write: each visitor flips its like of its own post
-- (bench/likes.lua, which comes first in the script wrk reads; the
-- reporter, bench/report.lua, comes before this).
function setup(thread)
  likes_setup(thread)
end

function init(args)
  likes_init()
end

request = function()
  return next_like()
end

response = function(status, headers, body)
  if status >= 200 and status < 300 then
    like_answered()
  end
end

local report = done
done = function(summary, latency, requests)
  likes_save()
  report(summary, latency, requests)
end
