"""The live stream (GET /live) from the outside: many streams held open, and
how soon a write reaches them. Standard library only (asyncio sockets).

  live.py hold URL STREAMS POST READY_FILE STOP_FILE EVERY
      Opens STREAMS streams on URL and holds them. Once all are open it
      writes READY_FILE; it likes POST (a new visitor each time) every EVERY
      seconds while they are held (0: never, the streams stay idle), and
      when STOP_FILE appears it makes one last like and waits until every
      stream has its event. Prints
      HOLD <opened> <refused> <delivered> <likes>.

  live.py latency STREAM_URL WRITE_URL STREAMS WRITES POST
      Opens STREAMS streams on STREAM_URL (one instance), then likes POST
      (a new visitor each time) through WRITE_URL (another instance) WRITES
      times, one at a time, and for each measures from the like's answer to its event
      (the first with an id at or after the answer's feed position that
      names the post) on every stream. Prints
      LATENCY <samples> <p50 ms> <p99 ms> <max ms> <missed>.
"""

import asyncio
import json
import os
import sys
import time
from urllib.parse import urlsplit


def where(url):
    parts = urlsplit(url)
    return parts.hostname, parts.port or 80


async def request(url, method, path, body=None, cookie=None):
    """One HTTP/1.0 exchange: (status, headers, body)."""
    host, port = where(url)
    reader, writer = await asyncio.open_connection(host, port)
    head = f"{method} {path} HTTP/1.0\r\nHost: {host}:{port}\r\nAccept: application/json\r\n"
    if cookie:
        head += f"Cookie: {cookie}\r\n"
    if body is not None:
        head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
    writer.write((head + "\r\n" + (body or "")).encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    raw_head, _, raw_body = answer.partition(b"\r\n\r\n")
    lines = raw_head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = [line.split(": ", 1) for line in lines[1:] if ": " in line]
    return status, headers, raw_body.decode()


async def like(url, post):
    """Likes `post` as a new visitor; the answer's feed position."""
    status, _, body = await request(url, "POST", "/api/set_like", f"id={post}&liked=true")
    if status != 200:
        raise RuntimeError(f"set_like answered {status}: {body}")
    return json.loads(body)["at"]


class Stream:
    """One open stream: the events it got, with when each arrived."""

    def __init__(self):
        self.events = []  # (id, arrived, {post: change})
        self.status = None
        self.opened = asyncio.get_running_loop().create_future()

    async def run(self, url):
        host, port = where(url)
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError as error:
            self.status = f"connect: {error}"
            self.opened.set_result(False)
            return
        writer.write(f"GET /live HTTP/1.0\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        text = ""
        head = True
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                arrived = time.monotonic()
                text += chunk.decode()
                if head:
                    if "\r\n\r\n" not in text:
                        continue
                    raw_head, text = text.split("\r\n\r\n", 1)
                    self.status = raw_head.split("\r\n")[0]
                    head = False
                    self.opened.set_result(" 200 " in self.status)
                    if " 200 " not in self.status:
                        break
                while "\n\n" in text:
                    block, text = text.split("\n\n", 1)
                    fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
                    if "id" in fields and "data" in fields and fields.get("event", "message") == "message":
                        changes = {change["id"]: change for change in json.loads(fields["data"])}
                        self.events.append((int(fields["id"]), arrived, changes))
        finally:
            writer.close()
            if not self.opened.done():
                self.opened.set_result(False)

    def first_at(self, at, post):
        for event_id, arrived, changes in self.events:
            if event_id >= at and post in changes:
                return arrived
        return None


async def open_streams(url, count):
    streams = [Stream() for _ in range(count)]
    tasks = []
    for at in range(0, count, 100):
        batch = streams[at : at + 100]
        tasks += [asyncio.create_task(stream.run(url)) for stream in batch]
        await asyncio.gather(*(stream.opened for stream in batch))
    return streams, tasks


async def hold(url, count, post, ready_file, stop_file, every):
    streams, tasks = await open_streams(url, count)
    opened = sum(1 for stream in streams if stream.opened.result())
    with open(ready_file, "w") as ready:
        ready.write(f"{opened}\n")
    likes = 0
    while not os.path.exists(stop_file):
        if every > 0:
            await like(url, post)
            likes += 1
        await asyncio.sleep(every if every > 0 else 0.05)
    last = await like(url, post)
    likes += 1
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        delivered = sum(1 for stream in streams if stream.first_at(last, post) is not None)
        if delivered == opened:
            break
        await asyncio.sleep(0.05)
    print(f"HOLD {opened} {count - opened} {delivered} {likes}", flush=True)
    for task in tasks:
        task.cancel()


async def latency(stream_url, write_url, count, writes, post):
    streams, tasks = await open_streams(stream_url, count)
    opened = [stream for stream in streams if stream.opened.result()]
    samples, missed = [], 0
    for _ in range(writes):
        at = await like(write_url, post)
        answered = time.monotonic()
        deadline = answered + 5
        while time.monotonic() < deadline and any(stream.first_at(at, post) is None for stream in opened):
            await asyncio.sleep(0.001)
        for stream in opened:
            arrived = stream.first_at(at, post)
            if arrived is None:
                missed += 1
            else:
                samples.append(max(0.0, arrived - answered) * 1000)
    samples.sort()
    pick = lambda q: samples[round((len(samples) - 1) * q)] if samples else float("nan")
    print(f"LATENCY {len(samples)} {pick(0.5):.1f} {pick(0.99):.1f} {pick(1.0):.1f} {missed + (count - len(opened)) * writes}", flush=True)
    for task in tasks:
        task.cancel()


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "hold":
        asyncio.run(hold(args[0], int(args[1]), int(args[2]), args[3], args[4], float(args[5])))
    elif mode == "latency":
        asyncio.run(latency(args[0], args[1], int(args[2]), int(args[3]), int(args[4])))
    else:
        sys.exit(f"unknown mode {mode}")
