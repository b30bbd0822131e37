#!/usr/bin/env python3
"""Re-tries, against a running server, the attacks of the hardening pass
(issue 27) and prints what each one gets now. Exits non-zero when an answer
is not the one SECURITY.md promises.

Usage: python3 bench/attacks.py http://127.0.0.1:3400 path/to/bulletin.db

The server must run with its default limits (writes are limited per visitor
and per address; the body limit is 1 MiB), on the SQLite file given, which
is measured for the drafts flood. Each check is named, answered and judged
on one line.
"""

import http.client
import os
import socket
import sys
import time
import urllib.parse

base = urllib.parse.urlparse(sys.argv[1])
db = sys.argv[2]
host, port = base.hostname, base.port
origin = f"http://{host}:{port}"
failures = []


def check(name, ok, answer):
    print(f"{'ok    ' if ok else 'FAILED'} {name}: {answer}")
    if not ok:
        failures.append(name)


def request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    res = conn.getresponse()
    data = res.read()
    conn.close()
    return res.status, {k.lower(): v for k, v in res.getheaders()}, data


def new_visitor():
    _, headers, _ = request("GET", "/")
    return headers["set-cookie"].split(";")[0]


def form(fields):
    return urllib.parse.urlencode(fields)


def file_size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


# A post to aim at, published by its author.
author = new_visitor()
status, _, body = request("POST", "/api/create_post", form({"title": "Target", "content": "text", "submission": "attack-target"}),
                          {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "Origin": origin, "Cookie": author})
post = int(body)

# 1. Clickjacking: the page may not be framed.
_, headers, _ = request("GET", f"/posts/{post}")
csp = headers.get("content-security-policy", "")
check("framing a post page", headers.get("x-frame-options") == "DENY" and "frame-ancestors 'none'" in csp,
      f"X-Frame-Options {headers.get('x-frame-options')}, CSP frame-ancestors {'none' if 'frame-ancestors' in csp else 'missing'}")

# 2. Headers on a page, a server function's answer, a static file, an error.
_, _, page = request("GET", "/")
static = next(part.split('"')[0] for part in page.decode().split('"/pkg/')[1:] if part.split('"')[0].endswith(".js"))
for what, (method, path, body, extra) in {
    "a page": ("GET", "/", None, {}),
    "a server function": ("POST", "/api/list_posts", "", {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "Origin": origin}),
    "a static file": ("GET", f"/pkg/{static}", None, {}),
    "the 404 page": ("GET", "/no/such/page", None, {"Accept": "text/html"}),
}.items():
    status, headers, _ = request(method, path, body, extra)
    wanted = {"x-content-type-options": "nosniff", "referrer-policy": "strict-origin-when-cross-origin",
              "cross-origin-opener-policy": "same-origin", "x-frame-options": "DENY"}
    missing = [name for name, value in wanted.items() if headers.get(name) != value]
    check(f"security headers on {what}", not missing, f"{status}, missing: {missing or 'none'}")

# 3. Stored XSS: markup in a post is shown as text, and the page runs only its own script.
status, _, body = request("POST", "/api/create_post", form({"title": "<script>alert(1)</script>", "content": "<img src=x onerror=alert(1)>", "submission": "attack-xss"}),
                          {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "Origin": origin, "Cookie": author})
_, headers, page = request("GET", f"/posts/{int(body)}")
page = page.decode()
check("markup in a post", "<script>alert(1)" not in page and "&lt;script&gt;" in page and "unsafe-inline" not in headers["content-security-policy"],
      "escaped, and no 'unsafe-inline' in the policy")
check("nothing after </html>", page.rstrip().endswith("</html>"), "the page ends at </html>")

# 4. Another site's host: DNS rebinding sends its own Host and a matching Origin.
status, _, _ = request("POST", "/api/set_like", form({"id": post, "liked": "true"}),
                       {"Host": "evil.example", "Origin": "http://evil.example", "Content-Type": "application/x-www-form-urlencoded"})
check("Host: evil.example with its own Origin", status in (400, 421), f"{status}")

# 5. Cross-site writes.
cross_site = set()
for _ in range(200):
    status, _, _ = request("POST", "/api/set_like", form({"id": post, "liked": "true"}),
                           {"Origin": "http://elsewhere.example", "Content-Type": "application/x-www-form-urlencoded", "Cookie": author})
    cross_site.add(status)
check("a cross-site POST (200 of them)", cross_site == {403}, f"answered {sorted(cross_site)}")

# 6. A POST to a static file.
status, headers, _ = request("POST", "/favicon.svg", "x", {"Origin": origin})
check("POST /favicon.svg", status == 405 and headers.get("allow") == "GET, HEAD", f"{status}, Allow: {headers.get('allow')}")

# 7. A plain form the server cannot read (a missing field).
status, headers, page = request("POST", "/api/create_post", form({"title": "a", "content": "c"}),
                                {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html", "Origin": origin,
                                 "Referer": f"{origin}/posts/new", "Cookie": author})
check("a no-JS form with a field missing", status == 400 and "location" not in headers and b"Not understood" in page,
      f"{status}, {'a redirect' if 'location' in headers else 'the Not understood page'}")

# 8. Junk draft and flash cookies: the kept page all the same.
def rate(cookie, seconds=2.0):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    done, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        conn.request("GET", "/", headers={"Cookie": cookie} if cookie else {})
        conn.getresponse().read()
        done += 1
    conn.close()
    return done / seconds

plain = rate(None)
for junk in ["bulletin_draft=junk", "bulletin_flash=junk"]:
    with_junk = rate(junk)
    check(f"GET / with {junk}", with_junk > plain * 0.5,
          f"{with_junk:.0f} req/s against {plain:.0f} req/s without it, one client on one connection")

# 9. The drafts flood: rejected no-JS posts of almost 1 MiB each.
flooder = new_visitor()
before = file_size(db) + file_size(db + "-wal")
big = "x" * (1024 * 1024 - 200)
statuses = set()
for n in range(40):
    status, _, _ = request("POST", "/api/create_post", form({"title": "", "content": big, "submission": f"flood{n}"}),
                           {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html", "Origin": origin, "Cookie": flooder})
    statuses.add(status)
after = file_size(db) + file_size(db + "-wal")
check("40 rejected 1 MiB no-JS posts", statuses == {303} and after - before < 8 * 1024 * 1024,
      f"answered {sorted(statuses)}; database and WAL {before // 1024} KiB before, {after // 1024} KiB after")

# 10. A 2 MiB form sent whole, without waiting for an answer: the 413 is read every time.
read = 0
for _ in range(10):
    body = b"title=a&content=" + b"x" * (2 * 1024 * 1024) + b"&submission=k"
    head = (f"POST /api/create_post HTTP/1.1\r\nHost: {host}:{port}\r\nOrigin: {origin}\r\nAccept: text/html\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    sock = socket.create_connection((host, port), timeout=30)
    try:
        sock.sendall(head + body)
        answer = sock.recv(65536)
        read += answer.startswith(b"HTTP/1.1 413")
    except OSError:
        pass
    finally:
        sock.close()
check("a 2 MiB form sent without waiting (10 times)", read == 10, f"the 413 read {read} times of 10")

# 11. Views at the write limit: one visitor, as fast as it can.
viewer = new_visitor()
counted = limited = 0
for _ in range(200):
    status, _, _ = request("POST", "/api/record_view", form({"id": post}),
                           {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "Origin": origin, "Cookie": viewer})
    counted += status == 200
    limited += status == 429
check("200 views from one visitor in a burst", limited > 0 and counted <= 130,
      f"{counted} counted, {limited} refused with 429 (the per-visitor write limit)")

print(f"{len(failures)} failed" + (f": {', '.join(failures)}" if failures else ""))
sys.exit(1 if failures else 0)
