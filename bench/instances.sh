#!/usr/bin/env bash
# The harness on several instances: the mix, likes and publishing (bench/run.sh's
# scenarios 6, 3 and 4) on SQLite and on Postgres, with one instance, one
# behind nginx and two behind nginx, each instance on all cores.
#
#   bench/instances.sh           release build, 10 s per scenario after 3 s of warm-up
#   bench/instances.sh --quick   debug build, 1 s per scenario (scripts/test.sh)
#
#   BENCH_BIN=path/to/bulletin   this server binary instead of building one (to
#                                compare builds: alternate two, as bench/ab.sh does)
#   BENCH_SITE=path/to/site      and its site (default: target/site)
#   BENCH_BACKENDS="Postgres"    only these databases (default: SQLite Postgres)
#   BENCH_SETUPS="..."           only these setups (default: one one-behind-nginx
#                                two-behind-nginx; also one-worker-behind-nginx and
#                                two-one-worker-behind-nginx, instances on one tokio worker)
#
# Postgres is a throwaway cluster from Debian's package (scripts/postgres.sh),
# with fsync on, as in production; nginx is Debian's nginx-light, configured as
# the sample in docs/DEPLOY.md. Everything runs on this machine's cores: wrk, nginx,
# the instances and Postgres share them.
#
# The run fails (non-zero, each failed check named at the end) if any
# request failed (warm-ups included) or a server did not start; and after
# each backend, unless every view answered 2xx was counted (plus at most the
# views in flight when wrk stopped) and the likes in the database are the
# ones the clients were answered (bench/likes.lua, bench/lib.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
setup_servers
apt_install wrk curl
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
# shellcheck source=bench/lib.sh
source bench/lib.sh

if [ "${1:-}" = --quick ]; then
    bin=target/debug/bulletin duration=1s warmup=1s connections=8 posts=50
    [ -n "${BENCH_BIN:-}" ] || [ -x "$bin" ] || cargo leptos build --split
else
    bin=target/release/bulletin duration=10s warmup=3s connections=32 posts=1000
    [ -n "${BENCH_BIN:-}" ] || cargo leptos build --release --split --precompress
fi
bin="${BENCH_BIN:-$bin}"
site="${BENCH_SITE:-$(pwd)/target/site}"
work="$(mktemp -d)"
: >"$work/checks.txt"
servers=()
nginx_pid=""
cleanup() {
    stop_all
    postgres_stop
    rm -rf "$work"
}
trap cleanup EXIT

ports=("$(free_port)" "$(free_port)")
front=$(free_port)
key="$(printf 'be%.0s' $(seq 32))"

start_instance() { # $1 port, $2 DATABASE_URL, [$3 worker threads, 0: all cores]
    LEPTOS_SITE_ADDR="127.0.0.1:$1" LEPTOS_SITE_ROOT="$site" DATABASE_URL="$2" BULLETIN_SECRET_KEY="$key" \
        BULLETIN_WORKER_THREADS="${3:-0}" \
        BULLETIN_WRITES_PER_MINUTE_PER_VISITOR=0 BULLETIN_WRITES_PER_MINUTE_PER_IP=0 RUST_LOG=error \
        "$bin" >>"$work/server-$1.log" 2>&1 &
    servers+=($!)
    wait_for "$1" "the instance on port $1" "$work/server-$1.log"
}

# nginx in front of the instances on the given ports, in the foreground of
# a background job, as one process (one worker, no master), everything
# under $work/nginx.
start_nginx() { # ports...
    local dir="$work/nginx" upstreams=""
    mkdir -p "$dir"
    for port in "$@"; do
        upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
    done
    cat >"$dir/nginx.conf" <<CONF
master_process off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    upstream bulletin {
$upstreams        keepalive 64;
    }
    server {
        listen 127.0.0.1:$front;
        client_max_body_size 17m;
        location / {
            proxy_pass http://bulletin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_next_upstream error timeout;
        }
    }
}
CONF
    /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
    nginx_pid=$!
    wait_for "$front" nginx "$dir/error.log"
}

stop_all() {
    local pid
    for pid in "${servers[@]}" $nginx_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    servers=() nginx_pid=""
}

# wrk reads one script: each scenario's request script plus the reporter
# (the mix wraps the reporter's `done`, so it comes second).
cat bench/publish.lua bench/report.lua >"$work/publish.lua"
for name in like mix; do
    cat bench/likes.lua bench/report.lua "bench/$name.lua" >"$work/$name.lua"
done
export BENCH_LIKES_LEDGER="$work/likes.ledger"

run_wrk() { # $1 label, $2 script, $3 url, $4 duration
    BENCH_POSTS="$posts" BENCH_VISITORS_FILE="$work/visitors.txt" \
        wrk_checked "$1" -c"$connections" -d"$4" -s "$work/$2.lua" "$3"
    either_way=$((either_way + $(likes_in_flight "$work/wrk.out")))
}

# One scenario against $url; prints its row and, for the mix, adds the views
# it was answered to $answered_views.
measure() { # $1 backend, $2 setup, $3 label, $4 script, $5 path
    run_wrk "$1, $2, $3 (warm-up)" "$4" "$url$5" "$warmup"
    sleep 1
    local before rps p50 p99 requests errors views in_flight
    before=$(sql "select coalesce(sum(view_count), 0) from posts")
    run_wrk "$1, $2, $3" "$4" "$url$5" "$duration"
    read -r _ rps p50 p99 requests errors <<<"$(grep '^RESULT' "$work/wrk.out" || echo "- - - - - -")"
    printf '| %-8s | %-22s | %-18s | %9s | %6s | %7s | %6s |\n' "$1" "$2" "$3" "$rps" "$p50" "$p99" "$errors"
    if [ "$4" = mix ]; then
        read -r _ views _ _ in_flight <<<"$(grep '^COUNTS' "$work/wrk.out" || echo "- 0 0 0 0")"
        sleep 1
        views_check "$1, $2" "$views" "$(($(sql "select coalesce(sum(view_count), 0) from posts") - before))" "$in_flight"
    fi
}

echo
echo "bulletin on several instances: $(nproc) cores shared by wrk, nginx, the instances and the database;" \
    "$connections connections, $duration per scenario after $warmup warm-up, $posts posts"
echo
echo "| database | instances              | scenario           |     req/s | p50 ms |  p99 ms | errors |"
echo "| -------- | ---------------------- | ------------------ | --------- | ------ | ------- | ------ |"
postgres_start durable
trap cleanup EXIT # postgres_start set its own
for backend in ${BENCH_BACKENDS:-SQLite Postgres}; do
    if [ "$backend" = SQLite ]; then
        database="sqlite://$work/bench.db"
        sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$work/bench.db" "$1"; }
        sql_rows() {
            python3 -c "import sqlite3,sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print(*row)" "$work/bench.db" "$1"
        }
    else
        psql -q "$POSTGRES_SERVER/postgres" -c "CREATE DATABASE bench"
        database="$POSTGRES_SERVER/bench"
        sql() { psql -tA "$database" -c "$1"; }
        sql_rows() { psql -tA -F ' ' "$database" -c "$1"; }
    fi
    # The schema from the server's migrations, the visitors from the server,
    # then the posts (the same shape as bench/seed.py's); nobody likes
    # anything yet.
    rm -f "$BENCH_LIKES_LEDGER"
    either_way=0
    start_instance "${ports[0]}" "$database"
    python3 bench/visitors.py "http://127.0.0.1:${ports[0]}" 4000 "$work/visitors.txt"
    stop_all
    if [ "$backend" = SQLite ]; then
        python3 bench/seed.py "$work/bench.db" "$posts"
    else
        sql "INSERT INTO posts (title, content, author_id) SELECT 'Post number ' || n, \
             substr(repeat('lorem ipsum dolor sit amet consectetur adipiscing elit ', 8), 1, 400), 'bench' \
             FROM generate_series(1, $posts) AS n" >/dev/null
    fi

    for setup in ${BENCH_SETUPS:-one one-behind-nginx two-behind-nginx}; do
        case "$setup" in
            one)
                start_instance "${ports[0]}" "$database"
                url="http://127.0.0.1:${ports[0]}" label="one"
                ;;
            one-behind-nginx)
                start_instance "${ports[0]}" "$database"
                start_nginx "${ports[0]}"
                url="http://127.0.0.1:$front" label="one, behind nginx"
                ;;
            two-behind-nginx)
                start_instance "${ports[0]}" "$database"
                start_instance "${ports[1]}" "$database"
                start_nginx "${ports[@]}"
                url="http://127.0.0.1:$front" label="two, behind nginx"
                ;;
            one-worker-behind-nginx)
                start_instance "${ports[0]}" "$database" 1
                start_nginx "${ports[0]}"
                url="http://127.0.0.1:$front" label="one, 1 worker, nginx"
                ;;
            two-one-worker-behind-nginx)
                start_instance "${ports[0]}" "$database" 1
                start_instance "${ports[1]}" "$database" 1
                start_nginx "${ports[@]}"
                url="http://127.0.0.1:$front" label="two, 1 worker, nginx"
                ;;
        esac
        measure "$backend" "$label" "mix" mix /
        measure "$backend" "$label" "likes (server fn)" like /api/set_like
        measure "$backend" "$label" "publish (no JS)" publish /api/create_post
        stop_all
    done
    sql_rows "select id, like_count, (select count(*) from post_likes where post_id = posts.id) from posts" |
        likes_check "$backend" "$posts" "$either_way"
done
echo
cat "$work/checks.txt"
finish
