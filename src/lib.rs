//! bulletin: a posts board on Leptos 0.8 in which every change to data goes
//! through a server function.
//!
//! The crate compiles twice. With the `ssr` feature it is the server: axum,
//! SQLite and the server-only [`server`] module. With the `hydrate` feature it
//! is the WASM client: only the interactive islands of the server's HTML.
//! Everything outside [`server`] is shared by both, which is what keeps the
//! two sides in step: one set of components, one set of domain types, one
//! error type.
//!
//! Each folder answers one question; docs/ARCHITECTURE.md is the code map
//! and lists the invariants that hold between them.

/// What the app is about: validated types, shared by server and client.
pub mod domain;
/// What can go wrong, as the user is told: the one error type.
pub mod error;

/// How values cross between server and browser: JSON, read in the browser
/// without serde_json.
pub mod wire;

/// How the browser reaches the server: the server functions.
pub mod api;

/// What the user sees: the app shell, routes, pages and components.
pub mod ui;

/// Server-only code: configuration, state, middleware, services, caches.
/// Nothing in here reaches the WASM client.
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(all(test, feature = "ssr"))]
mod tests;

/// The WASM client's entry point, called once by the page's boot script
/// (`ui/client.js`) before it hydrates each island: it starts the reactive
/// system the islands run in. Every `#[island]` is exported beside it, under
/// the name the server writes into the island's `data-component`.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
