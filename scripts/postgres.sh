#!/usr/bin/env bash
# A throwaway Postgres server for tests, from Debian's `postgresql` package:
# a new cluster in a temporary folder, on a free loopback port, trusted
# (no password) for the user `app`, and without fsync (its data is thrown
# away) unless started `durable`. Sourced by scripts/test.sh and
# bench/instances.sh:
#
#   source scripts/postgres.sh
#   postgres_start        # exports POSTGRES_SERVER=postgres://app@127.0.0.1:PORT
#   postgres_start durable  # the same, flushing every commit as in production
#   ...                   # databases: createdb, or CREATE DATABASE through it
#   postgres_stop         # also run on exit
#
# Run on its own (`bash scripts/postgres.sh`), it starts one and waits, to
# point a server at by hand (DATABASE_URL=$POSTGRES_SERVER/postgres).

POSTGRES_DIR=""

# Runs a Postgres program as the cluster's owner: `postgres` when we are
# root (initdb refuses to run as root), else ourselves.
postgres_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres_start() { # [durable]
    local bin port speed="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${1:-}" = durable ] && speed=""
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    if [ -z "$bin" ]; then
        echo "postgres.sh: no Postgres server found; scripts/setup.sh installs Debian's postgresql" >&2
        return 1
    fi
    POSTGRES_DIR="$(mktemp -d)"
    [ "$(id -u)" -eq 0 ] && chown postgres "$POSTGRES_DIR"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    postgres_as_owner "$bin/initdb" -D "$POSTGRES_DIR/data" -A trust -U app -E UTF8 --no-sync >/dev/null
    postgres_as_owner "$bin/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/server.log" -w -o \
        "-k $POSTGRES_DIR -c listen_addresses=127.0.0.1 -p $port -c max_connections=300 $speed" start >/dev/null
    POSTGRES_BIN="$bin"
    export POSTGRES_SERVER="postgres://app@127.0.0.1:$port"
    trap postgres_stop EXIT
    echo "postgres.sh: Postgres $("$bin/postgres" --version | awk '{print $3}') at $POSTGRES_SERVER" >&2
}

postgres_stop() {
    [ -n "$POSTGRES_DIR" ] || return 0
    postgres_as_owner "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$POSTGRES_DIR"
    POSTGRES_DIR=""
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    postgres_start
    echo "Ctrl-C stops it and deletes its data" >&2
    sleep infinity
fi
