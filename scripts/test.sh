#!/usr/bin/env bash
# Sets up whatever is missing, then runs every check and test:
#   formatting, clippy for the server (ssr, host) and the client (hydrate,
#   wasm32) with warnings denied, unit and integration tests (on SQLite, then
#   the library's and the scale test again on a throwaway Postgres), the
#   end-to-end suite in chromium with JavaScript on and off, and a quick
#   smoke run of the benchmark harness.
# Stops at the first failure. .ci/run runs exactly this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
setup_servers
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh

# cargo-leptos builds with these variables set, and some Leptos crates read
# them at compile time; giving cargo test and clippy the same values lets
# them reuse that build instead of recompiling Leptos back and forth. The
# hash settings are Cargo.toml's: the end-to-end suite runs against
# fingerprinted client files, as a release does.
export LEPTOS_OUTPUT_NAME=bulletin LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=. LEPTOS_BIN_DIR=. \
    LEPTOS_JS_MINIFY=false LEPTOS_HASH_FILES=true LEPTOS_HASH_FILE_NAME=../site/hash.txt

logs="$(mktemp -d)"
step() {
    local name="$1"
    shift
    local started=$SECONDS
    printf '\n\033[1m==> %s\033[0m\n' "$name" >&2
    "$@" 2>&1 | tee "$logs/$name.log"
    printf '\033[1m<== %s: %d s\033[0m\n' "$name" $((SECONDS - started)) >&2
}

step fmt cargo fmt --check
# `bench` adds only the benchmark's ceiling route: linted here, built by
# bench/run.sh.
step clippy-ssr cargo clippy --features ssr,bench --all-targets -- -D warnings
step clippy-hydrate cargo clippy --lib --no-default-features --features hydrate \
    --target wasm32-unknown-unknown --target-dir target/front -- -D warnings
step cargo-test cargo test --features ssr
# The library's tests and the scale test (three instances behind nginx)
# again, each on a new database of a Postgres server started for the run
# and thrown away after it.
postgres_start
step cargo-test-postgres env BULLETIN_TEST_POSTGRES="$POSTGRES_SERVER" cargo test --features ssr --lib
# --nocapture: it prints what it measured (throughput, freshness).
step scale-postgres env BULLETIN_TEST_POSTGRES="$POSTGRES_SERVER" \
    cargo test --features ssr --test scale -- --nocapture
postgres_stop
step build cargo leptos build --split
step end2end bash -c 'cd end2end && npx playwright test'
# The benchmark harness in its quick mode (debug build, 1 s per scenario), so
# it keeps working; its numbers mean nothing here. The full run: bench/run.sh.
step bench-quick bash bench/run.sh --quick

# One closing line for the whole run, counted from the runners' own reports.
rust_passed=$(grep -hoE '^test result: ok\. [0-9]+ passed' "$logs"/cargo-test*.log "$logs/scale-postgres.log" \
    | awk '{s += $4} END {print s + 0}')
e2e_passed=$(grep -hoE '^ +[0-9]+ passed' "$logs/end2end.log" | awk '{s += $1} END {print s + 0}')
echo "cargo test (SQLite, then Postgres): $rust_passed passed; end2end: $e2e_passed passed"
echo "total: $((rust_passed + e2e_passed)) passed, 0 failed"
