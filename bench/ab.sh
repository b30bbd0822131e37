#!/usr/bin/env bash
# Compares two release builds scenario by scenario, interleaved, so that the
# machine's drift between runs (10% and more on a shared VM) falls on both.
#
#   bench/ab.sh BEFORE AFTER [ROUNDS]
#
# BEFORE and AFTER are folders, each holding a `bulletin` binary and its
# `site/` (copies of target/release/bulletin and target/site after
# `cargo leptos build --release --split --precompress --bin-features bench`;
# builds before the bench feature took BULLETIN_BENCH_CEILING=true instead,
# which is still set for them). Each side gets the board bench/run.sh
# measures: 1000 posts (bench/seed.py) in a database its own server made.
# Each round runs every scenario against BEFORE, then AFTER, on a fresh copy
# of that board: 3 s warm-up, then 10 s at 32 connections. Prints one line
# per run: version, workers (0: all cores), scenario, req/s, p50 and p99 in
# ms, errors. Fails, naming the run, if a server did not start or any
# request failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ $# -ge 2 ] || { sed -n '2,17p' "$0"; exit 2; }
# shellcheck source=bench/lib.sh
source bench/lib.sh
before="$(cd "$1" && pwd)" after="$(cd "$2" && pwd)" rounds="${3:-3}"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port="${BENCH_PORT:-$(free_port)}"
base="http://127.0.0.1:$port"
for name in publish brotli; do cat "bench/$name.lua" bench/report.lua >"$work/$name.lua"; done
cp bench/report.lua "$work/get.lua"
key="$(printf 'be%.0s' $(seq 32))"

start() { # $1 folder, $2 workers, $3 database file
    LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$1/site" DATABASE_URL="sqlite://$3" \
        BULLETIN_SECRET_KEY="$key" BULLETIN_WORKER_THREADS="$2" BULLETIN_BENCH_CEILING=true \
        BULLETIN_WRITES_PER_MINUTE_PER_VISITOR=0 BULLETIN_WRITES_PER_MINUTE_PER_IP=0 RUST_LOG=error \
        "$1/bulletin" >"$work/server.log" 2>&1 &
    server=$!
    wait_for "$port" "$1/bulletin" "$work/server.log"
}
stop() {
    kill "$server"
    wait "$server" 2>/dev/null || true
}

# Each side's board: the schema from its own migrations, then the posts.
for side in before after; do
    folder=$before
    [ "$side" = after ] && folder=$after
    mkdir -p "$work/$side"
    start "$folder" 1 "$work/$side/board.db"
    stop
    python3 bench/seed.py "$work/$side/board.db" 1000
done

run() { # $1 folder, $2 workers, $3 label, $4 script, $5 path, $6 side
    rm -rf "$work/db" && mkdir -p "$work/db"
    local file
    for file in "$work/$6"/board.db*; do cp "$file" "$work/db/bench.db${file#"$work/$6/board.db"}"; done
    start "$1" "$2" "$work/db/bench.db"
    wrk_checked "$6, $2 workers, $3 (warm-up)" -c32 -d3s -s "$work/$4.lua" "$base$5"
    wrk_checked "$6, $2 workers, $3" -c32 -d10s -s "$work/$4.lua" "$base$5"
    read -r _ rps p50 p99 _ errors <<<"$(grep '^RESULT' "$work/wrk.out" || echo "- - - - - -")"
    printf '%-6s %s %-12s %10s %7s %7s %s\n' "$6" "$2" "$3" "$rps" "$p50" "$p99" "$errors"
    stop
}

for _ in $(seq "$rounds"); do
    for side in before after; do
        folder=$before
        [ "$side" = after ] && folder=$after
        run "$folder" 0 publish publish /api/create_post "$side"
        run "$folder" 1 publish publish /api/create_post "$side"
        run "$folder" 0 "GET / (br)" brotli / "$side"
        run "$folder" 0 ceiling get /__ceiling "$side"
    done
done
finish
