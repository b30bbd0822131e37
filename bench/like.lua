-- Scenario 3: the like server function as the hydrated client sends it.
-- No cookie, so every request is a new visitor and every like is a write.
local posts = tonumber(os.getenv("BENCH_POSTS") or "1000")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
request = function()
  return wrk.format(nil, "/api/set_like", nil, "id=" .. math.random(1, posts) .. "&liked=true")
end
