#!/usr/bin/env bash
# Sets up whatever is missing, then serves the app with `cargo leptos watch --split`
# on http://127.0.0.1:3000, rebuilding on every change to src/ or style/.
# Data goes to data/bulletin.db (SQLite, created on first start).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
# No fingerprinted file names while watching: the server would have to follow
# every rebuild of the client. Release builds keep them (Cargo.toml).
export LEPTOS_HASH_FILES=false
# `--split`: the post forms are lazy islands, loaded only by pages that
# show a form; without it the client cannot start (docs/DEPLOY.md).
exec cargo leptos watch --split "$@"
