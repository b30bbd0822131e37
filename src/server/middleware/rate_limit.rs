//! Limits on how fast one visitor, and one IP address, may write, counted
//! by the limiters of [`crate::server::limits`].
//!
//! Each key may make `per_minute` writes in a burst, and earns them back
//! evenly over a minute (GCRA, the token bucket's exact form). A write over
//! the limit gets 429 with `Retry-After`. Reads (the server functions the
//! [registry](crate::server::registry) marks as reads, and every GET) are
//! never limited. The limits are per process: behind a load balancer each
//! instance counts its own.

use super::errors::respond;
use crate::{
    error::AppError,
    server::{
        AppState,
        registry::{self, Access},
        request::{client_ip, is_unsafe, wants_html},
        visitor::Visitor,
    },
};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};

/// Refuses a write with 429 when its visitor or its IP address is over the
/// limit. Runs after the visitor middleware.
pub async fn limit_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let reads = registry::find(path).is_some_and(|endpoint| endpoint.access == Access::Read);
    if !is_unsafe(request.method()) || reads {
        return next.run(request).await;
    }
    let visitor = request.extensions().get::<Visitor>().map(Visitor::id);
    let ip = client_ip(&request, state.config.security.trusted_proxy);
    match state.write_limits.check(visitor, ip) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            // Not at the attacker's rate: at most a line a second.
            if let Some(left_out) = state.refusals_logged.line() {
                tracing::warn!(left_out, "write rate limit reached");
            }
            let retry_after_secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            respond(AppError::TooManyRequests { retry_after_secs }, wants_html(&request))
        }
    }
}
