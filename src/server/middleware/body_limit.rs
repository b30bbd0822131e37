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
//! A body that declares no length (chunked) is cut off by the limit layer
//! inside this one, as soon as it passes the limit.

use std::time::Duration;

use axum::{
    body::Body,
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::Response,
};
use http_body_util::BodyExt;

use super::errors::respond;
use crate::{
    error::AppError,
    server::{AppState, request::wants_html},
};

/// The most bytes of an oversized body read and thrown away before the
/// answer: a form a few times the limit is drained whole.
pub const DRAIN_AT_MOST: u64 = 16 << 20;

/// Refuses a body whose declared length is over the limit with 413, having
/// read it first (see the module docs).
pub async fn refuse_declared_oversize(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.config.security.max_body_bytes as u64;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let Some(declared) = declared.filter(|declared| *declared > limit) else {
        return next.run(request).await;
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
