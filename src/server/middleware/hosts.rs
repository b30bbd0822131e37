//! Only the hosts the site answers for: a request whose `Host` (behind a
//! trusted proxy, `X-Forwarded-Host`) names another is refused with 400
//! before any handler runs. A page on another domain that points its name
//! at this server (DNS rebinding) would otherwise reach every server
//! function, and the origin check would compare its `Origin` with a `Host`
//! it chose itself.
//!
//! A request with no `Host` at all passes: browsers always send one, and a
//! client that does not carries no visitor's cookies. The health check
//! answers whatever the host, for load balancers that probe by address.

use axum::{
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::Response,
};

use super::errors::respond;
use crate::{
    error::AppError,
    server::{AppState, config::hosts, request::wants_html},
};

/// Refuses a request for a host not in `security.allowed_hosts`.
pub async fn allowed_hosts_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let security = &state.config.security;
    let headers = request.headers();
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let forwarded = security.trusted_proxy.then(|| header("x-forwarded-host")).flatten();
    let claimed = forwarded.and_then(|value| value.split(',').next()).or_else(|| header(header::HOST.as_str()));
    let allowed = match claimed {
        None => true,
        Some(authority) => security.allowed_hosts.contains(&hosts::name_of(authority)),
    };
    if allowed || request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    if let Some(left_out) = state.refusals_logged.line() {
        tracing::warn!(host = ?claimed, left_out, "request for a host this site does not answer for refused");
    }
    let refusal = AppError::BadRequest("this server does not answer for that host name".into());
    respond(refusal, wants_html(&request))
}
