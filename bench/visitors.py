"""Writes N visitor cookies, one per line, as the server itself signs them.

Usage: python3 bench/visitors.py BASE_URL N OUT_FILE

The harness does not sign anything: it asks the running server for N new
visitors, one request each without a cookie (GET /healthz), and keeps the
value of the `bulletin_visitor` cookie each answer sets. Only the server
knows how a visitor cookie is signed.
"""

import http.client
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

COOKIE = "bulletin_visitor"


def new_visitor(address: tuple[str, int]) -> str:
    connection = http.client.HTTPConnection(*address, timeout=10)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name == COOKIE:
                return rest.split(";", 1)[0]
        raise SystemExit(f"the server set no {COOKIE} cookie (status {response.status})")
    finally:
        connection.close()


def main() -> None:
    base, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    url = urllib.parse.urlsplit(base)
    address = (url.hostname or "127.0.0.1", url.port or 80)
    with ThreadPoolExecutor(max_workers=8) as pool:
        cookies = list(pool.map(lambda _: new_visitor(address), range(count)))
    if len(set(cookies)) != count:
        raise SystemExit("the server handed out the same visitor twice")
    with open(out, "w", encoding="ascii") as file:
        file.writelines(f"{cookie}\n" for cookie in cookies)


if __name__ == "__main__":
    main()
