//! Server-only code. Declared behind `#[cfg(feature = "ssr")]` in `lib.rs`,
//! so none of it (sqlx, axum, tokio, config files) reaches the WASM client.
//!
//! How a request travels: [`serve`] accepts it, [`middleware::stack`] runs
//! it through the layers in order, [`router`] hands it to a page or a server
//! function, which asks a [`services`] function, which reads through the
//! [`cache`] or writes to the database and revalidates the cache.

pub mod assets;
pub mod cache;
pub mod caller;
pub mod config;
pub mod cookies;
pub mod db;
pub mod drafts;
pub mod error;
pub mod feed;
pub mod middleware;
pub mod plain_form;
pub mod registry;
pub mod router;
pub mod serve;
pub mod services;
pub mod state;
pub mod telemetry;

pub use config::Config;
pub use middleware::visitor::Visitor;
pub use router::{build_router, build_state};
pub use state::AppState;
