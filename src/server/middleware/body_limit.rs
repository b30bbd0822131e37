//! A body over the size limit, refused so that the client reads the answer.
//!
//! A browser sends a form's whole body without waiting (no `Expect:
//! 100-continue`). A server that answers 413 and closes the connection while
//! bytes are still arriving makes the kernel reset it, and the reset can
//! destroy the answer before the browser reads it: it shows a broken
//! connection instead. So a body whose declared length is over the limit is
//! read and thrown away first, as nginx's lingering close does, within two
//! bounds: at most [`DRAIN_AT_MOST`] bytes past the limit, and at most the
//! body read timeout. Past either, the connection is closed with the answer
//! sent as it can be: such a client is more likely an attack than a form.
//!
//! A body that declares no length (chunked) is cut off as soon as it passes
//! the limit: whoever reads it gets a `LengthLimitError` (413).
//!
//! The limit is `security.max_body_bytes`, except for a multipart form sent
//! to a server function that takes a file: there it is twice
//! `security.max_upload_bytes` more, so a file a little over its own limit
//! is still read (and thrown away) and the form comes back saying so
//! (`server::upload`).

use std::time::Duration;

use axum::{
    body::Body,
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::Response,
};
use http_body_util::{BodyExt, Limited};

use super::errors::respond;
use crate::{
    error::AppError,
    server::{
        AppState, registry,
        request::{is_multipart_form, wants_html},
    },
};

/// The most bytes of an oversized body read and thrown away before the
/// answer: a form a few times the limit is drained whole.
pub const DRAIN_AT_MOST: u64 = 16 << 20;

/// The most bytes `request`'s body may hold.
pub fn limit_for(state: &AppState, request: &Request) -> usize {
    let security = &state.config.security;
    let takes_file = || registry::find(request.uri().path()).is_some_and(|endpoint| endpoint.file.is_some());
    if is_multipart_form(request.headers()) && takes_file() {
        security.max_body_bytes + 2 * security.max_upload_bytes
    } else {
        security.max_body_bytes
    }
}

/// Refuses a body whose declared length is over the limit with 413, having
/// read it first (see the module docs), and cuts any other off at the
/// limit.
pub async fn limit_bodies(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = limit_for(&state, &request);
    let limited = |request: Request| request.map(|body| Body::new(Limited::new(body, limit)));
    let limit = limit as u64;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let Some(declared) = declared.filter(|declared| *declared > limit) else {
        return next.run(limited(request)).await;
    };
    let html = wants_html(&request);
    if declared <= limit + DRAIN_AT_MOST {
        drain(request.into_body(), state.config.security.body_read_timeout).await;
    }
    respond(AppError::PayloadTooLarge, html)
}

/// Reads `body` to its end and throws it away, for at most `within`.
async fn drain(mut body: Body, within: Duration) {
    let read = async { while let Some(Ok(_)) = body.frame().await {} };
    let _ = tokio::time::timeout(within, read).await;
}
