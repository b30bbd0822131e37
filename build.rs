//! One link setting for the WASM client, here so that every way of building
//! it (`cargo leptos build --split`, `watch`, a plain `cargo build`) gets it.
//!
//! `wasm-ld` merges identical and overlapping constant strings by default.
//! `cargo leptos build --split` then cuts the linked `.wasm` into a main
//! part and lazy parts (wasm-split, through cargo-leptos), giving each part
//! the constants its code uses: a merged string used by two parts is copied
//! into both. When those copies make the parts' data longer than the
//! linked data section, wasm-split does not relocate it at all and puts the
//! whole of it, about 57 KB, into the main part that every page loads (it
//! warns "Overlong segment"). Whether that happens turned on a hundred bytes
//! either way, so unrelated changes moved the main part by up to 9 KB
//! (bench/RESULTS.md, issue 25). Without merging (`-O0`; rustc has done the
//! LTO before the linker runs, so that is all it turns off) each string is
//! already where its users are, and the split keeps the parts' data apart.
//! docs/ARCHITECTURE.md, "What the client is made of".

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=-O0");
    }
}
