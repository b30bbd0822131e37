-- Scenario 1b: GET / as a browser asks for it, accepting compressed answers.
wrk.headers["Accept-Encoding"] = "gzip, deflate, br"
