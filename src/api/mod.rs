//! Server functions, grouped by feature: the counterpart of a `'use server'`
//! file. Components import them; the `#[server]` macro turns each into a POST
//! endpoint on the server and into an HTTP call on the client.
//!
//! Every function here is a thin adapter: it takes the state from context
//! and calls a service in `server::services`. Business rules never live here;
//! the HTTP status of an error is set in one place for all of them
//! (`server::middleware::errors`).

pub mod posts;
pub mod preferences;

/// The application state, which `build_router` provides to every server
/// function through context.
#[cfg(feature = "ssr")]
pub(crate) fn state() -> Result<crate::server::AppState, crate::error::AppError> {
    leptos::prelude::use_context::<crate::server::AppState>().ok_or_else(|| {
        crate::server::error::internal_error("application state missing from the server function context")
    })
}
