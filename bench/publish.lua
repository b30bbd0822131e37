-- Scenario 4: publishing a post as a browser without JavaScript posts the
-- form (303 See Other back). No cookie, so every request is a new author.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "text/html"
local counter = 0
request = function()
  counter = counter + 1
  local body = "title=Benchmark+post+" .. counter .. "&content=Written+by+the+benchmark&submission=bench-" .. counter
  return wrk.format(nil, "/api/create_post", nil, body)
end
