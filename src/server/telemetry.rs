//! Logging: `tracing` to standard error, filtered by `RUST_LOG`. Request ids
//! and the access log are the `request_id` middleware's.

use tracing_subscriber::EnvFilter;

/// The filter used when `RUST_LOG` is not set: our own lines at info,
/// chatty dependencies only when they warn.
const DEFAULT_FILTER: &str = "info,sqlx=warn,leptos_axum=warn";

/// Installs the global subscriber. Call once, first thing in `main`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).compact().init();
}
