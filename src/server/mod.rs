//! Server-only code. Declared behind `#[cfg(feature = "ssr")]` in `lib.rs`,
//! so none of it (sqlx, axum, tokio, config files) reaches the WASM client.
//!
//! How a request travels: [`serve`] accepts it, [`middleware::stack`] runs
//! it through the layers in order, [`router`] hands it to a page or a server
//! function, which asks a [`services`] function, which reads through the
//! [`cache`] or writes to the database and revalidates the cache.

// In layers, lowest first: a module imports only from its own layer or
// lower ones (docs/ARCHITECTURE.md; checked by `src/tests/layers.rs`).

// The base: settings, identity, logging, errors; no HTTP.
pub mod assets;
pub mod clock;
pub mod config;
pub mod csp;
pub mod error;
pub mod secret;
pub mod telemetry;
pub mod visitor;
// Data, each layer over the one before.
pub mod cache;
pub mod db;
pub mod drafts;
pub mod feed;
pub mod limits;
pub mod live;
pub mod services;
pub mod state;
// The request's side: what server functions and pages use.
pub mod caller;
pub mod cookies;
pub mod plain_form;
pub mod registry;
pub mod request;
pub mod upload;
// The top: the layers, the router, the listener.
pub mod image_files;
pub mod live_stream;
pub mod middleware;
pub mod router;
pub mod serve;

pub use config::Config;
pub use router::build_router;
pub use state::{AppState, StartupError, build_state};
pub use visitor::Visitor;
