#!/usr/bin/env bash
# The live stream (GET /live, docs/ARCHITECTURE.md "Live pages") under load:
#
# 1. GET / throughput (wrk) on one instance, alone, then with STREAMS streams
#    held open on it, idle, then each carrying five events a second (a like
#    every 200 ms); the server's RSS with them; every stream must get the
#    last like's event.
# 2. Two instances on one SQLite file, then on Postgres: from a like's
#    answer on one to its event on 50 streams held on the other
#    (bench/live.py).
#
#   bench/live.sh           release build, 5000 streams, 10 s of wrk per run
#   bench/live.sh --quick   debug build, 200 streams, 1 s (scripts/test.sh's bench-quick)
#
#   BENCH_BIN, BENCH_SITE   another server binary and site, as for run.sh
#
# Fails (non-zero, each failed check named) if a stream was refused or missed
# the last like, a request failed, or a latency sample was missed; and, in
# the full run only (the quick one runs a debug build on a loaded machine),
# if RSS with the streams is 200 MiB or more, GET / with idle ones is under
# 90% of GET / without, or the p99 from a like's answer to its event on the
# other instance is 100 ms or more.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
apt_install wrk curl
# shellcheck source=bench/lib.sh
source bench/lib.sh
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh

if [ "${1:-}" = --quick ]; then
    quick=1 bin=target/debug/bulletin streams=200 duration=1s writes=20 posts=50
    [ -n "${BENCH_BIN:-}" ] || [ -x "$bin" ] || cargo leptos build --split
else
    quick=0 bin=target/release/bulletin streams=5000 duration=10s writes=200 posts=1000
    [ -n "${BENCH_BIN:-}" ] || cargo leptos build --release --split --precompress
fi
bin="${BENCH_BIN:-$bin}"
site="${BENCH_SITE:-$(pwd)/target/site}"
work="$(mktemp -d)"
pids=()
cleanup() {
    kill "${pids[@]}" 2>/dev/null || true
    postgres_stop
    rm -rf "$work"
}
trap cleanup EXIT
# One process holds every stream: the soft limit on open files up to the hard one.
ulimit -n "$(ulimit -Hn)"

key="$(printf 'be%.0s' $(seq 32))"
database="sqlite://$work/live.db"
start_instance() { # $1 port; sets $started to its pid
    LEPTOS_SITE_ADDR="127.0.0.1:$1" LEPTOS_SITE_ROOT="$site" DATABASE_URL="$database" \
        BULLETIN_SECRET_KEY="$key" BULLETIN_WRITES_PER_MINUTE_PER_VISITOR=0 BULLETIN_WRITES_PER_MINUTE_PER_IP=0 \
        BULLETIN_LIVE_MAX_STREAMS_PER_ADDRESS=100000 RUST_LOG=error \
        "$bin" >"$work/server-$1.log" 2>&1 &
    started=$!
    pids+=("$started")
}

a=$(free_port) b=$(free_port)
# The schema from the server's migrations, then the posts from seed.py.
start_instance "$a"
wait_for "$a" "the server" "$work/server-$a.log"
kill "$started"
wait "$started" 2>/dev/null || true
python3 bench/seed.py "$work/live.db" "$posts"
start_instance "$a"
pid=$started
wait_for "$a" "the server" "$work/server-$a.log"
cp bench/report.lua "$work/get.lua"

get_rps() { # $1 label; prints req/s
    wrk_checked "$1" -c32 -d"$duration" -s "$work/get.lua" "http://127.0.0.1:$a/" >&2
    grep '^RESULT' "$work/wrk.out" | awk '{print $2}'
}

get_rps "GET / (warm-up)" >/dev/null
alone=$(get_rps "GET /, no stream open")
# Streams held open: idle (the target), then each carrying five events a
# second (a like every 200 ms), whose reading costs this machine's shared
# cores too. RSS is checked at the larger of the two.
held_run() { # $1 seconds between likes (0: idle), $2 label
    rm -f "$work/ready" "$work/stop"
    python3 bench/live.py hold "http://127.0.0.1:$a" "$streams" 1 "$work/ready" "$work/stop" "$1" >"$work/hold.out" &
    local holder=$!
    for _ in $(seq 1200); do [ -s "$work/ready" ] && break; sleep 0.05; done
    local opened
    opened=$(cat "$work/ready" 2>/dev/null || echo 0)
    with=$(get_rps "GET /, $opened streams open, $2")
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    [ "$rss" -gt "${rss_max:-0}" ] && rss_max=$rss
    touch "$work/stop"
    wait "$holder" || failed "bench/live.py hold: $(cat "$work/hold.out")"
    read -r _ held refused delivered likes <"$work/hold.out" || true
    echo "streams ($2): $held held open on one instance ($refused refused); the last of $likes likes reached $delivered of them; server RSS $((rss / 1024)) MiB"
    python3 -c "import sys
a, b = float(sys.argv[1]), float(sys.argv[2])
print(f'GET / with {sys.argv[3]} streams open, {sys.argv[4]} ({a:.0f} req/s) / GET / with none ({b:.0f} req/s) = {a / b:.2f}')" "$with" "$alone" "$held" "$2"
    [ "$held" = "$streams" ] || failed "$held of $streams streams opened ($2)"
    [ "$delivered" = "$held" ] || failed "the last like reached $delivered of $held streams ($2)"
}
held_run 0 idle
if [ "$quick" = 0 ]; then
    python3 -c "import sys; sys.exit(float(sys.argv[1]) < 0.9 * float(sys.argv[2]))" "$with" "$alone" ||
        failed "GET / with $held idle streams open is under 90% of GET / alone"
fi
held_run 0.2 "5 events a second each"
if [ "$quick" = 0 ]; then
    [ "$rss_max" -lt $((200 * 1024)) ] || failed "RSS with $held streams: $((rss_max / 1024)) MiB, not under 200 MiB"
fi

latency() { # $1 backend, $2 post, $3 stream instance's port, $4 write instance's port
    python3 bench/live.py latency "http://127.0.0.1:$3" "http://127.0.0.1:$4" 50 "$writes" "$2" >"$work/latency.out" ||
        failed "bench/live.py latency ($1): $(cat "$work/latency.out")"
    read -r _ samples p50 p99 max missed <"$work/latency.out" || true
    echo "a like's answer on one instance to its event on 50 streams on another ($1, $writes likes): $samples samples, p50 $p50 ms, p99 $p99 ms, max $max ms, $missed missed"
    [ "${missed:-1}" = 0 ] || failed "$missed latency samples never arrived ($1)"
    if [ "$quick" = 0 ]; then
        python3 -c "import sys; sys.exit(not float(sys.argv[1]) < 100)" "${p99:-nan}" ||
            failed "p99 from a like's answer to its event on another instance ($1): $p99 ms, not under 100 ms"
    fi
}
start_instance "$b"
wait_for "$b" "the second instance" "$work/server-$b.log"
latency SQLite 2 "$b" "$a"
kill "${pids[@]}" 2>/dev/null || true
wait "${pids[@]}" 2>/dev/null || true
pids=()

# The same on a durable Postgres (fsync on, as in production), with nothing
# else running: two fresh instances on it.
postgres_start durable
trap cleanup EXIT
database="$POSTGRES_SERVER/postgres"
start_instance "$a"
wait_for "$a" "the first instance on Postgres" "$work/server-$a.log"
start_instance "$b"
wait_for "$b" "the second instance on Postgres" "$work/server-$b.log"
post=$(curl -fs -X POST -H 'Accept: application/json' --data 'title=Live&content=Bench&submission=live-bench-1' \
    "http://127.0.0.1:$a/api/create_post")
latency Postgres "$post" "$b" "$a"
finish
