"""Many large uploads at once: what they cost the server, and everyone else.

Usage: python3 bench/uploads.py BASE_URL SERVER_PID [--quick]

Makes a phone-sized photo (a 4000 x 3000 JPEG of about 4 MB, made with
Pillow: smooth colours with grain, which compresses as a photo does), then:

1. GET / alone from wrk at the harness's 32 connections (as run.sh's
   scenario 1 and live.sh ask for it), in a process of its own: its
   req/s, p50 and p99, for 5 s;
2. 20 clients publish a post with that photo at once, each a new visitor,
   as the post form's island sends it (multipart, the image through
   create_post), while the same wrk load runs beside them for 5 s; the
   server's resident memory is sampled every 20 ms.

(GET / one request at a time was tried as the probe too: its idle p99 is
about 0.3 ms here, and any scheduling of the decode, the client and the
probe on two shared cores is many times that; a page under the harness's
load is the measure the other figures use.)

Prints one line per figure, each ratio naming both sides, and checks, each
of which fails the run (exit 1) when it does not hold:
- every upload answered 200 with a post id, and each post shows its image;
- (full run) the server's peak RSS under 300 MiB;
- (full run) GET /'s p99 while they upload within 3x its idle p99.

--quick: 4 clients, an 800 x 600 photo, 1 s probes; its numbers mean
nothing (a debug build), but its first check holds.
"""

import http.client
import json
import random
import subprocess
import sys
import threading
import time
import uuid
from io import BytesIO
from urllib.parse import urlparse


def pillow():
    try:
        import PIL  # noqa: F401
    except ImportError:
        print("installing Pillow (PyPI), once", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--root-user-action=ignore", "pillow"], check=True)
    from PIL import Image

    return Image


def photo(width, height, target_bytes):
    """A JPEG of width x height with a photo's texture, near target_bytes."""
    image_module = pillow()
    rng = random.Random(7)
    small = image_module.new("RGB", (width // 8, height // 8))
    small.putdata(
        [
            ((x * 255) // (width // 8) ^ rng.randrange(40), (y * 255) // (height // 8), rng.randrange(256))
            for y in range(height // 8)
            for x in range(width // 8)
        ]
    )
    grain = image_module.effect_noise((width, height), 60).convert("RGB")
    picture = image_module.blend(small.resize((width, height), image_module.BILINEAR), grain, 0.25)
    best = None
    for quality in (95, 90, 85, 80, 75, 70, 60, 50):
        out = BytesIO()
        picture.save(out, "JPEG", quality=quality)
        best = out.getvalue()
        if len(best) <= target_bytes:
            break
    return best


def multipart(fields, file_bytes):
    boundary = "----benchuploads" + uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="photo.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
    )
    parts.append(file_bytes)
    parts.append(f"\r\n--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def get_home(host, port):
    connection = http.client.HTTPConnection(host, port, timeout=60)
    started = time.perf_counter()
    connection.request("GET", "/", headers={"Accept": "text/html", "Accept-Encoding": "br"})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET / answered {response.status}")
    return (time.perf_counter() - started) * 1000


def probe(base, seconds):
    """GET / at 32 connections for `seconds`, by wrk: (req/s, p50, p99), ms."""
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-H", "Accept: text/html", base + "/"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "99%"):
            value = parts[1]
            scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
            unit = next(unit for unit in ("us", "ms", "s") if value.endswith(unit))
            found[parts[0]] = float(value[: -len(unit)]) * scale[unit]
        if parts[:1] == ["Requests/sec:"]:
            found["rps"] = float(parts[1])
        if "Non-2xx" in line or "Socket errors" in line:
            raise RuntimeError(f"wrk: {line.strip()}")
    return found["rps"], found["50%"], found["99%"]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    base, pid = sys.argv[1], int(sys.argv[2])
    quick = "--quick" in sys.argv
    url = urlparse(base)
    host, port = url.hostname, url.port
    clients = 4 if quick else 20
    file_bytes = photo(800, 600, 300_000) if quick else photo(4000, 3000, 4_200_000)
    failures = []

    for _ in range(20):  # warm: the kept page rendered
        get_home(host, port)
    seconds = 1 if quick else 5
    idle_rps, idle_p50, idle_p99 = probe(base, seconds)

    answers = [None] * clients
    start = threading.Barrier(clients + 1)

    def upload(index):
        title = f"Upload {index} {uuid.uuid4().hex[:8]}"
        content_type, body = multipart(
            [("title", title), ("content", "A photo"), ("submission", str(uuid.uuid4())), ("image_alt", "A photo")],
            file_bytes,
        )
        connection = http.client.HTTPConnection(host, port, timeout=300)
        start.wait()
        began = time.perf_counter()
        try:
            connection.request(
                "POST",
                "/api/create_post",
                body=body,
                headers={"Content-Type": content_type, "Accept": "application/json", "Origin": base},
            )
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            answers[index] = (response.status, text, time.perf_counter() - began)
        except OSError as error:
            answers[index] = (0, str(error), time.perf_counter() - began)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    busy, peak, done = {}, rss_kib(pid), threading.Event()

    def probing():
        busy["rps"], busy["p50"], busy["p99"] = probe(base, seconds)

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kib(pid))
            time.sleep(0.02)

    helpers = [threading.Thread(target=probing), threading.Thread(target=sample)]
    began = time.perf_counter()
    start.wait()
    for helper in helpers:
        helper.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    helpers[0].join()
    done.set()
    helpers[1].join()

    ok = [answer for answer in answers if answer and answer[0] == 200]
    print(f"UPLOADS {len(ok)}/{clients} answered 200 in {elapsed:.1f} s, {len(file_bytes)} B each "
          f"(slowest {max(answer[2] for answer in answers if answer):.1f} s)")
    for answer in answers:
        if not answer or answer[0] != 200:
            failures.append(f"an upload was answered {answer[0] if answer else 'nothing'}: {answer[1][:200] if answer else ''}")
    # Each post shows its image.
    for status, text, _ in ok:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        connection.request("GET", f"/posts/{json.loads(text)}", headers={"Accept": "text/html"})
        page = connection.getresponse().read().decode(errors="replace")
        connection.close()
        if 'src="/images/' not in page:
            failures.append(f"post {text} shows no image")
    print(f"RSS peak while uploading: {peak // 1024} MiB")
    busy_p99 = busy["p99"]
    print(f"GET / (wrk, 32 connections, {seconds} s) idle: {idle_rps:.0f} req/s, p50 {idle_p50:.2f} ms, "
          f"p99 {idle_p99:.2f} ms; while uploading: {busy['rps']:.0f} req/s, p50 {busy['p50']:.2f} ms, "
          f"p99 {busy_p99:.2f} ms")
    ratio = busy_p99 / idle_p99 if idle_p99 else float("nan")
    print(f"GET / p99 while uploading ({busy_p99:.2f} ms) / GET / p99 idle ({idle_p99:.2f} ms) = {ratio:.2f}")
    if elapsed > seconds:
        print(f"(the uploads took {elapsed:.1f} s, the probe beside them {seconds} s)")
    if not quick:
        if peak // 1024 >= 300:
            failures.append(f"the server's peak RSS was {peak // 1024} MiB, over 300")
        if not ratio <= 3:
            failures.append(f"GET / p99 while uploading was {ratio:.2f} times its idle p99, over 3")
    for failure in failures:
        print(f"FAILED: {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
