#!/usr/bin/env bash
# The benchmark harness: builds the release server, seeds a database with 1000
# posts, and drives five scenarios with wrk, on one tokio worker and on all
# cores, then reports the client each page loads, the time to an
# interactive Like button, the time from a write's click to the page that
# shows it on slow 4G, and (in a full run) Lighthouse's phone figures.
#
#   bench/run.sh           the full run (release build, 10 s per scenario)
#   bench/run.sh --quick   a smoke run on the debug build (1 s per scenario),
#                          which scripts/test.sh runs so the harness cannot rot
#   bench/run.sh --client  only what the browser gets: the client per page,
#                          the time to an interactive Like button, the
#                          writes on slow 4G (bench/writes.mjs), Lighthouse
#   bench/run.sh --soak [M] M minutes (10 by default) of the mix with
#                          publishing added, on all cores: reads and writes
#                          as two wrk processes, one line per minute with
#                          the writes' p99, the WAL's size and the RSS
#
#   BENCH_BIN=path/to/bulletin BENCH_SITE=path/to/site
#                          this server and its site instead of building one,
#                          to compare builds run after run (the ceiling needs a
#                          server built with the bench feature, or, before it
#                          was one, BULLETIN_BENCH_CEILING=true)
#
# The full and quick runs end with bench/instances.sh: the mix, likes and
# publishing on SQLite and Postgres, one instance and two behind nginx;
# bench/live.sh: GET / with thousands of live streams open, and how soon a
# write on one instance reaches the streams on another; and
# bench/uploads.py: 20 phone photos published at once, the server's memory,
# and GET / beside them.
#
# Scenarios (requests/s, p50 and p99 in ms, errors, peak RSS of the server):
#   1 GET /             the 20 newest posts, full HTML document
#   1b GET / (br)       the same, asking for brotli as browsers do
#   2 GET /posts/1      one post
#   2b GET /posts/1 (br) the same, asking for brotli as browsers do
#   3 like              the set_like server function as the hydrated client calls it,
#                       from 4000 visitors each flipping its like (every request writes)
#   4 publish (no JS)   create_post as a plain form post, answered 303
#   5 ceiling           the bytes of scenario 1, rendered once, from a bare handler
#   6 mix               real traffic (bench/mix.lua): 40% GET /, 35% GET
#                       /posts/{random}, 20% record_view, 5% set_like, pages
#                       asked for with brotli
#
# The run fails (non-zero, each failed check named at the end) if any
# request failed (warm-ups included), if a server did not start, if a view
# answered 2xx was not counted, or if the likes in the database are not the
# ones the clients were answered (bench/likes.lua, bench/lib.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
# shellcheck source=bench/lib.sh
source bench/lib.sh
apt_install wrk brotli curl

quick=0 client_only=0 soak=0
case "${1:-}" in
    --quick) quick=1 ;;
    --client) client_only=1 ;;
    --soak) soak="${2:-10}" ;;
esac
# The bench feature adds the ceiling (scenario 5) to these builds only.
if [ "$quick" = 1 ]; then
    bin=target/debug/bulletin duration=1s warmup=1s connections=8 posts=50 soak_minute=2
    [ -n "${BENCH_BIN:-}" ] || cargo leptos build --split --bin-features bench
else
    bin=target/release/bulletin duration=10s warmup=3s connections=32 posts=1000 soak_minute=60
    [ -n "${BENCH_BIN:-}" ] || cargo leptos build --release --split --precompress --bin-features bench
fi
bin="${BENCH_BIN:-$bin}"
site="${BENCH_SITE:-$(pwd)/target/site}"
export BENCH_BIN="$bin" BENCH_SITE="$site"
work="$(mktemp -d)"
: >"$work/checks.txt"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port="${BENCH_PORT:-$(free_port)}"
base="http://127.0.0.1:$port"
# Likes that may have landed either way: those each wrk run left in flight
# (bench/lib.sh, likes_check).
either_way=0
export BENCH_LIKES_LEDGER="$work/likes.ledger"

key="$(printf 'be%.0s' $(seq 32))"
start_server() { # $1: worker threads (0: all cores)
    LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$site" DATABASE_URL="sqlite://$work/bench.db" \
        BULLETIN_SECRET_KEY="$key" BULLETIN_WORKER_THREADS="$1" \
        BULLETIN_WRITES_PER_MINUTE_PER_VISITOR=0 BULLETIN_WRITES_PER_MINUTE_PER_IP=0 RUST_LOG=error \
        "$bin" >"$work/server.log" 2>&1 &
    server=$!
    wait_for "$port" "the server" "$work/server.log"
}
stop_server() {
    kill "$server"
    wait "$server" 2>/dev/null || true
}

# The schema comes from the server's own migrations; the posts from seed.py;
# the visitors' signed cookies from the server itself.
start_server 1
python3 bench/visitors.py "$base" 4000 "$work/visitors.txt"
stop_server
python3 bench/seed.py "$work/bench.db" "$posts"

# wrk reads one script: each scenario's request script plus the reporter;
# the like scenario and the mix wrap the reporter's `done`, and take the
# visitors' likes from likes.lua.
for name in publish brotli; do
    cat "bench/$name.lua" bench/report.lua >"$work/$name.lua"
done
cp bench/report.lua "$work/get.lua"
for name in like mix; do
    cat bench/likes.lua bench/report.lua "bench/$name.lua" >"$work/$name.lua"
done
sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$work/bench.db" "$1"; }
check_likes() { # $1 label
    python3 -c "import sqlite3,sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print(*row)" "$work/bench.db" \
        "select id, like_count, (select count(*) from post_likes where post_id = posts.id) from posts" |
        likes_check "$1" "$posts" "$either_way"
}

# The workers of the current pass, in words.
workers() {
    if [ "$threads" = 0 ]; then echo "all cores"; else echo "one worker"; fi
}

run_wrk() { # $1 label, $2 script, $3 url, $4 duration
    BENCH_POSTS="$posts" BENCH_VISITORS_FILE="$work/visitors.txt" \
        wrk_checked "$1" -c"$connections" -d"$4" -s "$work/$2.lua" "$3"
    either_way=$((either_way + $(likes_in_flight "$work/wrk.out")))
}

# The RESULT line of the last wrk run: req/s, p50, p99, requests, errors
# ("-" for each if wrk reported nothing, which already failed the run).
result() {
    grep '^RESULT' "$work/wrk.out" | cut -d' ' -f2- || echo "- - - - -"
}

scenario() { # $1 label, $2 script, $3 path
    run_wrk "$1 (warm-up, $(workers))" "$2" "$base$3" "$warmup"
    run_wrk "$1 ($(workers))" "$2" "$base$3" "$duration"
    read -r rps p50 p99 requests errors <<<"$(result)"
    local rss
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
    printf '| %-22s | %7s | %10s | %7s | %7s | %6s | %8s |\n' "$1" "$threads" "$rps" "$p50" "$p99" "$errors" "$((rss / 1024)) MiB"
    case "$1" in
        "1 "*) eval "home_${threads}=$rps" ;;
        "1b "*) eval "home_br_${threads}=$rps" ;;
        "2b "*) eval "post_br_${threads}=$rps" ;;
        "5 "*) eval "ceiling_${threads}=$rps" ;;
    esac
}

# Scenario 6, and the check that the database counted every view answered.
mix() {
    run_wrk "6 mix (warm-up, $(workers))" mix "$base/" "$warmup"
    local views_before views rps p50 p99 requests errors rss
    # wrk stops with requests in flight; the server finishes them.
    sleep 1
    views_before=$(sql "select coalesce(sum(view_count), 0) from posts")
    run_wrk "6 mix ($(workers))" mix "$base/" "$duration"
    local in_flight
    read -r _ views _ _ in_flight <<<"$(grep '^COUNTS' "$work/wrk.out" || echo "- 0 0 0 0")"
    read -r rps p50 p99 requests errors <<<"$(result)"
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
    printf '| %-22s | %7s | %10s | %7s | %7s | %6s | %8s |\n' "6 mix" "$threads" "$rps" "$p50" "$p99" "$errors" "$((rss / 1024)) MiB"
    eval "mix_${threads}=$rps"
    sleep 1
    views_check "mix, $(workers)" "$views" "$(($(sql "select coalesce(sum(view_count), 0) from posts") - views_before))" "$in_flight"
}

# The soak: minutes of the mix with publishing added, reads and writes as
# two wrk processes, so the writes' latency is reported on its own.
soak_run() { # $1: minutes, $2: seconds per minute
    start_server 0
    echo
    echo "soak: $1 minutes of $2 s, all cores; reads (/ and post pages, brotli) at 24 connections beside writes (80% views, 20% likes; publishing 10%) at 8"
    echo
    echo "| minute | reads/s | reads p99 ms | writes/s | writes p50 ms | writes p99 ms | WAL | RSS |"
    echo "| ------ | ------- | ------------ | -------- | ------------- | ------------- | --- | --- |"
    local views_before answered=0 in_flight=0 minute wal rss views unread r_rps r_p99 w_rps w_p50 w_p99
    views_before=$(sql "select coalesce(sum(view_count), 0) from posts")
    for minute in $(seq "$1"); do
        # Only the writers send likes and keep the ledger.
        BENCH_LIKES_LEDGER="" BENCH_MIX=reads BENCH_POSTS="$posts" BENCH_VISITORS_FILE="$work/visitors.txt" \
            WRK_OUT="$work/reads.out" wrk_checked "soak minute $minute, reads" -c24 -d"$2s" -s "$work/mix.lua" "$base/" &
        local readers=$!
        BENCH_MIX=writes BENCH_MIX_PUBLISH=10 BENCH_POSTS="$posts" BENCH_VISITORS_FILE="$work/visitors.txt" \
            WRK_OUT="$work/writes.out" wrk_checked "soak minute $minute, writes" -c8 -d"$2s" -s "$work/mix.lua" "$base/"
        either_way=$((either_way + $(likes_in_flight "$work/writes.out")))
        wait "$readers"
        read -r _ r_rps _ r_p99 _ _ <<<"$(grep '^RESULT' "$work/reads.out" || echo "- - - - - -")"
        read -r _ w_rps w_p50 w_p99 _ _ <<<"$(grep '^RESULT' "$work/writes.out" || echo "- - - - - -")"
        read -r _ views _ _ unread <<<"$(grep '^COUNTS' "$work/writes.out" || echo "- 0 0 0 0")"
        answered=$((answered + views)) in_flight=$((in_flight + unread))
        wal=$(stat -c %s "$work/bench.db-wal" 2>/dev/null || echo 0)
        rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
        printf '| %6s | %7s | %12s | %8s | %13s | %13s | %s MiB | %s MiB |\n' "$minute" "$r_rps" "$r_p99" "$w_rps" "$w_p50" "$w_p99" \
            "$((wal / 1048576))" "$((rss / 1024))"
    done
    stop_server
    # Each minute's wrk stopped with some views in flight (mix.lua counts them).
    views_check "soak" "$answered" "$(($(sql "select coalesce(sum(view_count), 0) from posts") - views_before))" "$in_flight"
    check_likes "soak"
}
if [ "$soak" != 0 ]; then
    soak_run "$soak" "$soak_minute"
    cat "$work/checks.txt"
    finish
    exit 0
fi

if [ "$client_only" = 0 ]; then
    echo
    echo "bulletin benchmark: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $connections connections, $duration per scenario after $warmup warm-up, $posts posts"
    echo
    echo "| scenario               | workers |      req/s | p50 ms  | p99 ms  | errors | peak RSS |"
    echo "| ---------------------- | ------- | ---------- | ------- | ------- | ------ | -------- |"
    for threads in 1 0; do
        start_server "$threads"
        scenario "1 GET /" get /
        scenario "1b GET / (br)" brotli /
        scenario "2 GET /posts/1" get /posts/1
        scenario "2b GET /posts/1 (br)" brotli /posts/1
        mix
        scenario "3 like (server fn)" like /api/set_like
        scenario "4 publish (no JS, 303)" publish /api/create_post
        scenario "5 ceiling (bare axum)" get /__ceiling
        stop_server
        check_likes "after the scenarios on $(workers)"
    done
    echo
    cat "$work/checks.txt"
    : >"$work/checks.txt"
    [ "$quick" = 1 ] && soak_run 2 "$soak_minute" && cat "$work/checks.txt"
    # Each ratio names its two sides, with the req/s of each.
    ratio() { # $1 scenarios, $2 workers' label, $3 one side, $4 its req/s, $5 the other, $6 its req/s
        python3 -c "import sys
a, b = sys.argv[4], sys.argv[6]
try: r = f'{float(a) / float(b):.2f}'
except (ValueError, ZeroDivisionError): r = 'n/a'
print(f'{sys.argv[1]}, {sys.argv[2]}: {sys.argv[3]} ({a} req/s) / {sys.argv[5]} ({b} req/s) = {r}')" "$@"
    }
    for threads in 1 0; do
        eval "home=\$home_$threads home_br=\$home_br_$threads post_br=\$post_br_$threads ceiling=\$ceiling_$threads mix=\$mix_$threads"
        ratio "scenario 1 / scenario 5" "$(workers)" "GET / served from the kept page" "$home" \
            "the same bytes from a bare handler" "$ceiling"
        ratio "scenario 2b / scenario 1b" "$(workers)" "a post page (brotli)" "$post_br" "the list page (brotli)" "$home_br"
        ratio "scenario 6 / scenario 1b" "$(workers)" "the mix (pages with brotli, writes)" "$mix" \
            "GET / alone (brotli)" "$home_br"
    done
    if [ "$quick" = 1 ]; then instances=(--quick); else instances=(); fi
    bash bench/instances.sh "${instances[@]}" || failed "bench/instances.sh (its failed checks are above)"
    echo
    BENCH_BIN="$bin" BENCH_SITE="$site" bash bench/live.sh "${instances[@]}" ||
        failed "bench/live.sh (its failed checks are above)"
fi

# What a first visit to each page makes a browser that accepts brotli
# download: the document and the client's files it names (the script in the
# page loads the .js and .wasm; the stylesheet is inside the page when small,
# else a link).
client_of() { # $1: path
    local page page_br files total_raw=0 total_br=0 raw br how
    page="$work/page.html"
    if ! curl -fs "$base$1" -o "$page"; then
        failed "the client of $1: the page could not be fetched"
        return 0
    fi
    raw=$(stat -c %s "$page") br=$(curl -fs -H 'Accept-Encoding: br' "$base$1" | wc -c)
    total_raw=$raw total_br=$br page_br=$br
    printf '  %-34s %9d B  %8d B  (as served)\n' "the page" "$raw" "$br"
    # A small stylesheet travels inside the page (server::assets): counted
    # here as CSS too, though the page's own bytes above already hold it.
    local style_raw style_br
    python3 -c 'import re,sys; print("".join(re.findall(r"<style>(.*?)</style>", open(sys.argv[1]).read(), re.S)), end="")' "$page" >"$work/style.css"
    style_raw=$(stat -c %s "$work/style.css")
    if [ "$style_raw" -gt 0 ]; then
        style_br=$(brotli -c -q 11 "$work/style.css" | wc -c)
        page_br=$((page_br - style_br))
        printf '  %-34s %9d B  %8d B  (inside the page; brotli -q 11 of it alone)\n' "the stylesheet, inline" "$style_raw" "$style_br"
    fi
    files=$(grep -oE '/pkg/[A-Za-z0-9._-]+\.(js|wasm|css)' "$page" | sort -u)
    for url in $files; do
        file="$site$url"
        raw=$(stat -c %s "$file")
        if [ -f "$file.br" ]; then
            br=$(stat -c %s "$file.br") how="precompressed"
        else
            br=$(brotli -c -q 11 "$file" | wc -c) how="brotli -q 11 here, not precompressed"
        fi
        total_raw=$((total_raw + raw)) total_br=$((total_br + br))
        printf '  %-34s %9d B  %8d B  (%s)\n' "${url#/pkg/}" "$raw" "$br" "$how"
    done
    printf '  %-34s %9d B  %8d B  (JS + WASM + CSS: %d B brotli)\n' total "$total_raw" "$total_br" "$((total_br - page_br))"
    # The budget holds for a release; the quick mode's debug client is many
    # times larger and not what anyone downloads.
    if [ "$quick" = 0 ] && [ $((total_br - page_br)) -gt "$client_budget" ]; then
        failed "the client of $1: JS + WASM + CSS $((total_br - page_br)) B brotli, over the budget of $client_budget B"
    fi
}
# What a reader's page may make a phone download (issue 25).
client_budget=100000
echo
start_server 0
for path in / /posts/1; do
    echo "client for $path: the page and the files it loads, raw and as served to a browser that accepts brotli"
    client_of "$path"
done
stop_server

start_server 0
node bench/client.mjs "$base/posts/1" | sed 's/^INTERACTIVE \([0-9]*\) \(.*\)/time to an interactive Like button: median \1 ms (runs: \2 ms)/'
# From the click to the page that shows the write, on Lighthouse's slow 4G,
# and the requests in between (bench/writes.mjs): its check fails when a
# write takes more than one.
echo
echo "writes on slow 4G (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up): click to the page that shows the write"
if [ "$quick" = 1 ]; then write_runs=1; else write_runs=5; fi
if ! BENCH_WRITE_RUNS=$write_runs node bench/writes.mjs "$base" >"$work/writes.txt"; then
    failed "bench/writes.mjs: $(grep '^FAILED' "$work/writes.txt" | tr '\n' ' ')"
fi
sed -n 's/^WRITE \([^ ]*\) \([0-9]*\) \([0-9]*\) \(.*\)/  \1: median \2 ms, \3 request(s) (runs: \4 ms)/p' "$work/writes.txt"
if [ "$quick" = 0 ]; then
    # Lighthouse's phone: simulated slow 4G and a 4x slower CPU.
    echo
    echo "Lighthouse (mobile defaults), median of 3 runs per page"
    (cd bench/lighthouse && npm ci --no-audit --no-fund --silent)
    node bench/lighthouse/run.mjs "$base" / /posts/1 /posts/new || failed "Lighthouse: a score under 1, or a CSP or clickjacking finding (above)"
fi
stop_server
if [ "$client_only" = 0 ]; then
    # Last, so the posts it publishes change no figure above.
    echo
    echo "uploads: photos published at once through create_post, beside GET / (bench/uploads.py)"
    start_server 0
    if [ "$quick" = 1 ]; then uploads=(--quick); else uploads=(); fi
    python3 bench/uploads.py "$base" "$server" "${uploads[@]}" || failed "bench/uploads.py (its failed checks are above)"
    stop_server
fi
finish
