//! bulletin: a posts board on Leptos 0.8 in which every change to data goes
//! through a server function.
//!
//! The crate compiles twice. With the `ssr` feature it is the server: axum,
//! SQLite and the server-only [`server`] module. With the `hydrate` feature it
//! is the WASM client that hydrates the server's HTML. Everything outside
//! [`server`] is shared by both, which is what keeps the two sides in step:
//! one set of components, one set of domain types, one error type.
//!
//! Modules are listed in reading order; see the Architecture section of the
//! README for the code map and the invariants that hold between them.

pub mod domain;
pub mod error;
pub mod escape;
pub mod paths;

pub mod api;

pub mod flash;
pub mod revalidate;
pub mod shortcuts;
pub mod theme;

pub mod app;
pub mod components;
pub mod pages;

/// Server-only code: configuration, state, database, services, start-up.
/// Nothing in here reaches the WASM client.
#[cfg(feature = "ssr")]
pub mod server;

/// The WASM client's entry point, called by the script that
/// `HydrationScripts` puts in the page: it attaches the app to the HTML the
/// server rendered instead of rendering it again.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
