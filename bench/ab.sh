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
# which is still set for them). Each round runs every
# scenario against BEFORE, then AFTER, on a fresh database: 3 s warm-up,
# then 10 s at 32 connections. Prints one line per run: version, workers
# (0: all cores), scenario, req/s, p50 and p99 in ms, errors.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ $# -ge 2 ] || { sed -n '2,12p' "$0"; exit 2; }
before="$(cd "$1" && pwd)" after="$(cd "$2" && pwd)" rounds="${3:-3}"
port="${BENCH_PORT:-3500}"
base="http://127.0.0.1:$port"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
for name in publish brotli; do cat "bench/$name.lua" bench/report.lua >"$work/$name.lua"; done
cp bench/report.lua "$work/get.lua"
key="$(printf 'be%.0s' $(seq 32))"

run() { # $1 folder, $2 workers, $3 label, $4 script, $5 path
    rm -rf "$work/db" && mkdir -p "$work/db"
    LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$1/site" DATABASE_URL="sqlite://$work/db/bench.db" \
        BULLETIN_SECRET_KEY="$key" BULLETIN_WORKER_THREADS="$2" BULLETIN_BENCH_CEILING=true \
        BULLETIN_WRITES_PER_MINUTE_PER_VISITOR=0 BULLETIN_WRITES_PER_MINUTE_PER_IP=0 RUST_LOG=error \
        "$1/bulletin" >"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 200); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
    wrk -t2 -c32 -d3s -s "$work/$4.lua" "$base$5" >/dev/null 2>&1 || true
    local line
    line=$(wrk -t2 -c32 -d10s -s "$work/$4.lua" "$base$5" | grep '^RESULT')
    read -r _ rps p50 p99 _ errors <<<"$line"
    printf '%-6s %s %-12s %10s %7s %7s %s\n' "$6" "$2" "$3" "$rps" "$p50" "$p99" "$errors"
    kill "$server"
    wait "$server" 2>/dev/null || true
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
