#!/usr/bin/env bash
# Installs whatever this project needs that the machine lacks, and nothing else.
#
# Every step checks first and skips itself when already satisfied, so a second
# run takes seconds. It is meant to be *sourced* by scripts/dev.sh and
# scripts/test.sh (it exports RUSTUP_TOOLCHAIN and PATH for them), but it can
# also be run on its own: `bash scripts/setup.sh`.
#
# The wasm32 client needs a Rust standard library for wasm32-unknown-unknown.
# Where rustup can provide it we use rustup. Where it cannot (machines that reach
# only the crate registry, PyPI, npm and Debian's archive), we take Debian's
# rustc-web toolchain, register it with rustup, and build the wasm32 standard
# library once from the source Debian ships with it.

set -euo pipefail

BULLETIN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Pinned tool versions. wasm-bindgen-cli is not pinned here: it must equal the
# wasm-bindgen version in Cargo.lock, so it is read from there.
CARGO_LEPTOS_VERSION="0.3.11"
# The oldest rustc that builds cargo-leptos with its locked dependencies.
MIN_RUST="1.96.0"
BINARYEN_VERSION="132.0.0"
# The name under which Debian's toolchain is registered with rustup.
SYS_TOOLCHAIN="bulletin-sysweb"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

apt_updated=""
apt_install() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        say "please install these packages with your system's package manager: ${missing[*]}"
        return 1
    fi
    if [ -z "$apt_updated" ]; then
        say "apt-get update"
        $SUDO apt-get update -qq
        apt_updated=1
    fi
    say "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

# True when the active toolchain has a usable wasm32 standard library.
has_wasm_std() {
    local sysroot
    sysroot="$(rustc --print sysroot)"
    compgen -G "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib" >/dev/null
}

# Builds core/alloc/std for wasm32 from the toolchain's rust-src and installs
# the rlibs into its sysroot, once.
build_wasm_std() {
    local sysroot work
    sysroot="$(rustc --print sysroot)"
    work="$(mktemp -d)"
    say "building the wasm32 standard library from source (once, about a minute)"
    mkdir -p "$work/src"
    cat >"$work/Cargo.toml" <<'TOML'
[package]
name = "wasm-std-seed"
version = "0.0.0"
edition = "2021"
[lib]
path = "src/lib.rs"
[profile.release]
panic = "abort"
TOML
    : >"$work/src/lib.rs"
    (cd "$work" && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$work/target" cargo build --quiet --release \
        --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort,panic_unwind)
    $SUDO mkdir -p "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib"
    find "$work/target/wasm32-unknown-unknown/release/deps" -name 'lib*.rlib' ! -name 'libwasm_std_seed-*' \
        -exec $SUDO cp {} "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib/" \;
    rm -rf "$work"
}

# True when the active rustc is at least MIN_RUST (cargo-leptos's locked
# dependencies need it).
rust_is_recent() {
    local version
    version="$(rustc --version | awk '{print $2}')"
    [ "$(printf '%s\n%s\n' "$MIN_RUST" "$version" | sort -V | head -n1)" = "$MIN_RUST" ]
}

setup_rust() {
    if ! command -v rustup >/dev/null; then
        say "rustup is required: see https://rustup.rs"
        return 1
    fi
    # An explicit choice wins, if it can build the client.
    if [ -n "${RUSTUP_TOOLCHAIN:-}" ] && rust_is_recent && has_wasm_std; then
        say "Rust: $(rustc --version) ($RUSTUP_TOOLCHAIN from RUSTUP_TOOLCHAIN), wasm32 ready"
        return 0
    fi
    unset RUSTUP_TOOLCHAIN
    # Our Debian-based toolchain from an earlier run.
    if rustup toolchain list | grep -q "^$SYS_TOOLCHAIN"; then
        export RUSTUP_TOOLCHAIN="$SYS_TOOLCHAIN"
        has_wasm_std || build_wasm_std
        use_sys_toolchain
        return 0
    fi
    # rustup's default toolchain, when recent enough and it has (or can
    # fetch) the wasm32 target.
    if rust_is_recent; then
        if has_wasm_std || timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 && has_wasm_std; then
            say "Rust: $(rustc --version) (rustup default), wasm32 ready"
            return 0
        fi
    fi
    say "rustup's toolchain is older than $MIN_RUST or cannot get the wasm32 target here: using Debian's rustc-web"
    apt_install rustc-web cargo-web rust-web-src rust-web-clippy rustfmt-web
    rustup toolchain link "$SYS_TOOLCHAIN" /usr
    export RUSTUP_TOOLCHAIN="$SYS_TOOLCHAIN"
    rust_is_recent || { say "Debian's rustc-web is older than $MIN_RUST"; return 1; }
    has_wasm_std || build_wasm_std
    use_sys_toolchain
}

# rustc links wasm with `rust-lld`. Debian's rust-web-llvm ships
# /usr/bin/rust-lld as a link to lld-N of the LLVM it was built with, without
# depending on that package: install it by the link's name. Failing that,
# borrow a rustup toolchain's rust-lld.
ensure_rust_lld() {
    local lld target borrowed
    lld="$(command -v rust-lld || true)"
    if [ -n "$lld" ] && [ -e "$lld" ]; then return 0; fi
    if [ -n "$lld" ] && [ -L "$lld" ]; then
        target="$(basename "$(readlink "$lld")")"
        apt_install "$target" || true
        if [ -e "$lld" ]; then return 0; fi
    fi
    borrowed="$(compgen -G "${RUSTUP_HOME:-$HOME/.rustup}/toolchains/*/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld" | head -n1 || true)"
    if [ -n "$borrowed" ]; then
        say "linking $borrowed as the linker for wasm32"
        $SUDO ln -sf "$borrowed" "$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
        return 0
    fi
    say "no rust-lld found: install Debian's lld matching rustc-web's LLVM"
    return 1
}

# Makes plain `cargo` in this checkout use the same toolchain as the scripts
# (not in CI, whose clones are thrown away).
use_sys_toolchain() {
    ensure_rust_lld
    if [ -z "${CI:-}" ]; then
        rustup override set "$SYS_TOOLCHAIN" --path "$BULLETIN_ROOT" >/dev/null
    fi
    say "Rust: $(rustc --version) ($SYS_TOOLCHAIN), wasm32 ready"
}

# Prints the version of a crate as locked in Cargo.lock.
locked_version() {
    awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' \
        "$BULLETIN_ROOT/Cargo.lock"
}

setup_cargo_tools() {
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
    if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
        say "cargo-leptos $CARGO_LEPTOS_VERSION present"
    else
        say "installing cargo-leptos $CARGO_LEPTOS_VERSION (once; the slowest step of a fresh setup)"
        # Its own release profile asks for fat LTO and one codegen unit, which
        # makes the final link most of the install on two cores. A build tool
        # gains nothing from that, so build it with thin local LTO and
        # parallel codegen instead.
        CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
            cargo install --quiet --locked cargo-leptos --version "$CARGO_LEPTOS_VERSION"
    fi
    local wb
    wb="$(locked_version wasm-bindgen)"
    if wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"; then
        say "wasm-bindgen-cli $wb present"
    else
        say "installing wasm-bindgen-cli $wb (must equal wasm-bindgen in Cargo.lock)"
        # Its lock file can name a crate version the registry no longer
        # serves (seen: webpki-roots 1.0.11); resolving afresh then works.
        cargo install --quiet --locked wasm-bindgen-cli --version "$wb" --force \
            || cargo install --quiet wasm-bindgen-cli --version "$wb" --force
    fi
}

setup_node_tools() {
    # Node.js may come from elsewhere than Debian (NodeSource, nvm): only
    # install Debian's when there is none at all.
    command -v npm >/dev/null || apt_install nodejs npm
    if wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
        say "wasm-opt ${BINARYEN_VERSION%%.*} present"
    else
        say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION, globally)"
        $SUDO npm install --global --silent "binaryen@$BINARYEN_VERSION" >/dev/null
    fi
}

setup_browser() {
    apt_install chromium fonts-dejavu-core
    if [ -d "$BULLETIN_ROOT/end2end/node_modules/@playwright/test" ] \
        && [ "$BULLETIN_ROOT/end2end/node_modules/.package-lock.json" -nt "$BULLETIN_ROOT/end2end/package-lock.json" ]; then
        say "end2end npm packages present"
    else
        say "installing end2end npm packages (npm ci)"
        # Playwright must not try to download browsers: we use Debian's chromium.
        (cd "$BULLETIN_ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)
    fi
}

# The servers the tests start for themselves (scripts/postgres.sh): only
# the programs; no cluster of the package's own is used. Called by
# scripts/test.sh, not by main: running the app needs none of them.
setup_servers() {
    apt_install postgresql nginx-light
}

main() {
    local started=$SECONDS
    setup_rust
    setup_cargo_tools
    setup_node_tools
    setup_browser
    say "ready in $((SECONDS - started)) s"
}

main "$@"
