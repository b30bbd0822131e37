//! How much a client may send, and how slowly.
//!
//! A body is read to the end here, before anything else sees it, within
//! `security.max_body_bytes` and `security.body_read_timeout`: a declared
//! `Content-Length` over the limit is refused with 413 without reading a
//! byte, a chunked body is cut off with 413 as soon as it passes the limit,
//! and a client that sends too slowly gets 408. Memory per request is
//! bounded by the limit, whatever the client claims.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::Response,
};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Body as _;

use super::{refuse, wants_html};
use crate::{error::AppError, server::AppState};

/// Reads the request body within the configured size and time, or refuses
/// the request.
pub async fn bounded_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let security = &state.config.security;
    let html = wants_html(&request);
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    // What the body itself knows of its size: hyper sets it from
    // Content-Length, a body built in memory knows it exactly.
    let hint = request.body().size_hint();
    let limit = security.max_body_bytes as u64;
    if declared.is_some_and(|length| length > limit) || hint.lower() > limit {
        return refuse(AppError::PayloadTooLarge, html);
    }
    if hint.exact() == Some(0) {
        return next.run(request).await;
    }

    let (parts, body) = request.into_parts();
    let limited = Limited::new(body, security.max_body_bytes);
    let bytes = match tokio::time::timeout(security.body_read_timeout, limited.collect()).await {
        Err(_elapsed) => {
            tracing::warn!(path = %parts.uri.path(), "request body too slow: cut off");
            let mut response = refuse(AppError::BadRequest("the request body arrived too slowly".into()), html);
            *response.status_mut() = StatusCode::REQUEST_TIMEOUT;
            return response;
        }
        Ok(Err(err)) if err.downcast_ref::<LengthLimitError>().is_some() => {
            return refuse(AppError::PayloadTooLarge, html);
        }
        Ok(Err(_)) => return refuse(AppError::BadRequest("the request body could not be read".into()), html),
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}
