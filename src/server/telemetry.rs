//! Logging: `tracing` to standard error, filtered by `RUST_LOG`.

use std::time::Instant;

use axum::{extract::Request, middleware::Next, response::Response};
use tracing_subscriber::EnvFilter;

/// The filter used when `RUST_LOG` is not set: our own lines at info,
/// chatty dependencies only when they warn.
const DEFAULT_FILTER: &str = "info,sqlx=warn,leptos_axum=warn";

/// Installs the global subscriber. Call once, first thing in `main`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).compact().init();
}

/// Middleware that writes one line per request: method, path, status and
/// latency.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        target: "bulletin::request",
        %method,
        %path,
        status = response.status().as_u16(),
        latency_ms = format_args!("{latency_ms:.2}"),
    );
    response
}
