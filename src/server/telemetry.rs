//! Logging: `tracing` to standard error, filtered by `RUST_LOG`; and the id
//! of the request being served, for code with no request at hand. Giving
//! requests their ids, and the access log, are the `request_id`
//! middleware's.

use std::future::Future;

use tracing_subscriber::EnvFilter;

/// The filter used when `RUST_LOG` is not set: our own lines at info,
/// chatty dependencies only when they warn.
const DEFAULT_FILTER: &str = "info,sqlx=warn,leptos_axum=warn";

/// Installs the global subscriber. Call once, first thing in `main`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).compact().init();
}

/// A new id in the shape of a request's: twelve hexadecimal digits of a
/// random UUID, short enough to read out from an error message, unique
/// enough for one server's logs.
pub fn fresh_id() -> String {
    let mut id = uuid::Uuid::new_v4().simple().to_string();
    id.truncate(12);
    id
}

tokio::task_local! {
    /// The id of the request the current task is serving.
    static CURRENT: String;
}

/// Runs `work` as the serving of request `id`: [`current_request_id`]
/// inside it answers `id`.
pub async fn with_request_id<F: Future>(id: String, work: F) -> F::Output {
    CURRENT.scope(id, work).await
}

/// The id of the request being served, if this runs inside one.
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}
