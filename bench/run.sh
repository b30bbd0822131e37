#!/usr/bin/env bash
# The benchmark harness: builds the release server, seeds a database with 1000
# posts, and drives five scenarios with wrk, on one tokio worker and on all
# cores, then reports the client each page loads, the time to an
# interactive Like button and (in a full run) Lighthouse's phone figures.
#
#   bench/run.sh           the full run (release build, 10 s per scenario)
#   bench/run.sh --quick   a smoke run on the debug build (1 s per scenario),
#                          which scripts/test.sh runs so the harness cannot rot
#   bench/run.sh --client  only what the browser gets: the client per page,
#                          the time to an interactive Like button, Lighthouse
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
# publishing on SQLite and Postgres, one instance and two behind nginx.
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
#                       asked for with brotli; every view answered 2xx must
#                       be counted, and the likes' rows must equal the counts
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
# shellcheck source=bench/wait.sh
source bench/wait.sh
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
port="${BENCH_PORT:-3400}"
base="http://127.0.0.1:$port"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

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

# wrk reads one script: each scenario's request script plus the reporter.
for name in like publish brotli; do
    cat "bench/$name.lua" bench/report.lua >"$work/$name.lua"
done
cp bench/report.lua "$work/get.lua"
# The mix wraps the reporter's `done`, so it comes second.
cat bench/report.lua bench/mix.lua >"$work/mix.lua"
sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$work/bench.db" "$1"; }

scenario() { # $1 label, $2 script, $3 path
    BENCH_POSTS="$posts" BENCH_VISITORS_FILE="$work/visitors.txt" wrk -t2 -c"$connections" -d"$warmup" -s "$work/$2.lua" "$base$3" >/dev/null 2>&1 || true
    local line
    line=$(BENCH_POSTS="$posts" BENCH_VISITORS_FILE="$work/visitors.txt" wrk -t2 -c"$connections" -d"$duration" -s "$work/$2.lua" "$base$3" | grep '^RESULT')
    read -r _ rps p50 p99 requests errors <<<"$line"
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
    BENCH_POSTS="$posts" BENCH_VISITORS_FILE="$work/visitors.txt" wrk -t2 -c"$connections" -d"$warmup" -s "$work/mix.lua" "$base/" >/dev/null 2>&1 || true
    local views_before output line views likes rps p50 p99 requests errors rss
    # wrk stops with requests in flight; the server finishes them.
    sleep 1
    views_before=$(sql "select coalesce(sum(view_count), 0) from posts")
    output=$(BENCH_POSTS="$posts" BENCH_VISITORS_FILE="$work/visitors.txt" wrk -t2 -c"$connections" -d"$duration" -s "$work/mix.lua" "$base/")
    read -r _ views likes _ <<<"$(grep '^COUNTS' <<<"$output")"
    read -r _ rps p50 p99 requests errors <<<"$(grep '^RESULT' <<<"$output")"
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
    printf '| %-22s | %7s | %10s | %7s | %7s | %6s | %8s |\n' "6 mix" "$threads" "$rps" "$p50" "$p99" "$errors" "$((rss / 1024)) MiB"
    eval "mix_${threads}=$rps"
    sleep 1
    views_check "mix, $threads worker(s)" "$views" "$(($(sql "select coalesce(sum(view_count), 0) from posts") - views_before))" "$connections" \
        >>"$work/counts.txt"
}

# Every view answered 2xx is counted, and nothing else is: the count may
# exceed the answers only by the views wrk had in flight when it stopped
# (the server answered them; wrk no longer read). Fewer would be a lost
# acknowledged write.
views_check() { # $1 label, $2 answered, $3 counted, $4 connections
    local unread=$(($3 - $2))
    if [ "$unread" -lt 0 ] || [ "$unread" -gt "$4" ]; then
        echo "$1 views: $2 answered 2xx, $3 counted  MISMATCH" | tee /dev/stderr
        return 1
    fi
    echo "$1 views: $2 answered 2xx and read by wrk, $3 counted ($unread in flight when wrk stopped, at most $4)"
}

# The soak: minutes of the mix with publishing added, reads and writes as
# two wrk processes, so the writes' latency is reported on its own.
soak_run() { # $1: minutes, $2: seconds per minute
    start_server 0
    echo
    echo "soak: $1 minutes of $2 s, all cores; reads (/ and post pages, brotli) at 24 connections beside writes (80% views, 20% likes; publishing 10%) at 8"
    echo
    echo "| minute | reads/s | reads p99 ms | writes/s | writes p50 ms | writes p99 ms | errors | WAL | RSS |"
    echo "| ------ | ------- | ------------ | -------- | ------------- | ------------- | ------ | --- | --- |"
    local views_before answered=0 minute reads writes wal rss views
    views_before=$(sql "select coalesce(sum(view_count), 0) from posts")
    for minute in $(seq "$1"); do
        BENCH_MIX=reads BENCH_POSTS="$posts" BENCH_VISITORS_FILE="$work/visitors.txt" \
            wrk -t2 -c24 -d"$2s" -s "$work/mix.lua" "$base/" >"$work/reads.out" &
        local readers=$!
        BENCH_MIX=writes BENCH_MIX_PUBLISH=10 BENCH_POSTS="$posts" BENCH_VISITORS_FILE="$work/visitors.txt" \
            wrk -t2 -c8 -d"$2s" -s "$work/mix.lua" "$base/" >"$work/writes.out"
        wait "$readers"
        read -r _ r_rps _ r_p99 _ r_errors <<<"$(grep '^RESULT' "$work/reads.out")"
        read -r _ w_rps w_p50 w_p99 _ w_errors <<<"$(grep '^RESULT' "$work/writes.out")"
        read -r _ views _ _ <<<"$(grep '^COUNTS' "$work/writes.out")"
        answered=$((answered + views))
        wal=$(stat -c %s "$work/bench.db-wal" 2>/dev/null || echo 0)
        rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
        printf '| %6s | %7s | %12s | %8s | %13s | %13s | %6s | %s MiB | %s MiB |\n' "$minute" "$r_rps" "$r_p99" "$w_rps" "$w_p50" "$w_p99" \
            "$((r_errors + w_errors))" "$((wal / 1048576))" "$((rss / 1024))"
    done
    stop_server
    # Each minute's wrk stopped with up to 8 writes in flight.
    views_check "soak" "$answered" "$(($(sql "select coalesce(sum(view_count), 0) from posts") - views_before))" "$((8 * $1))"
    python3 - "$work/bench.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select count(*) from post_likes").fetchone()[0]
counted = db.execute("select coalesce(sum(like_count), 0) from posts").fetchone()[0]
print(f"soak likes: {rows} rows, {counted} counted" + ("" if rows == counted else "  MISMATCH"))
sys.exit(0 if rows == counted else 1)
PY
}
if [ "$soak" != 0 ]; then
    soak_run "$soak" "$soak_minute"
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
        likes_before=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from post_likes').fetchone()[0])" "$work/bench.db")
        scenario "3 like (server fn)" like /api/set_like
        scenario "4 publish (no JS, 303)" publish /api/create_post
        scenario "5 ceiling (bare axum)" get /__ceiling
        stop_server
        # Every like answered 2xx is a row, and the counts agree with the rows.
        python3 - "$work/bench.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select count(*) from post_likes").fetchone()[0]
counted = db.execute("select coalesce(sum(like_count), 0) from posts").fetchone()[0]
print(f"likes: {rows} rows, {counted} counted" + ("" if rows == counted else "  MISMATCH"))
sys.exit(0 if rows == counted else 1)
PY
    done
    echo
    ratio() { python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{a / b:.2f}' if b else 'n/a')" "$1" "$2"; }
    cat "$work/counts.txt"
    [ "$quick" = 1 ] && soak_run 2 "$soak_minute"
    echo "scenario 1 / scenario 5 (rendering / constant bytes): one worker $(ratio "$home_1" "$ceiling_1"), all cores $(ratio "$home_0" "$ceiling_0")"
    echo "scenario 2b / scenario 1b (a post page / the list, brotli): one worker $(ratio "$post_br_1" "$home_br_1"), all cores $(ratio "$post_br_0" "$home_br_0")"
    echo "scenario 6 / scenario 1 (the mix / GET / alone): one worker $(ratio "$mix_1" "$home_1"), all cores $(ratio "$mix_0" "$home_0")"
    if [ "$quick" = 1 ]; then bash bench/instances.sh --quick; else bash bench/instances.sh; fi
fi

# What a first visit to each page makes a browser that accepts brotli
# download: the document and the client's files it names (the script in the
# page loads the .js and .wasm; the stylesheet is inside the page when small,
# else a link).
client_of() { # $1: path
    local page page_br files total_raw=0 total_br=0 raw br how
    page="$work/page.html"
    curl -fs "$base$1" -o "$page"
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
}
echo
start_server 0
for path in / /posts/1; do
    echo "client for $path: the page and the files it loads, raw and as served to a browser that accepts brotli"
    client_of "$path"
done
stop_server

start_server 0
node bench/client.mjs "$base/posts/1" | sed 's/^INTERACTIVE \([0-9]*\) \(.*\)/time to an interactive Like button: median \1 ms (runs: \2 ms)/'
if [ "$quick" = 0 ]; then
    # Lighthouse's phone: simulated slow 4G and a 4x slower CPU.
    echo
    echo "Lighthouse (mobile defaults), median of 3 runs per page"
    (cd bench/lighthouse && npm ci --no-audit --no-fund --silent)
    node bench/lighthouse/run.mjs "$base" / /posts/1
fi
stop_server
