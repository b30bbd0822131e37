//! The layers that stand between the internet and the server functions.
//!
//! Each is an axum middleware applied to the whole router by
//! `build_router`, so every server function (present and future) and every
//! other state-changing route gets the same treatment. The README's
//! Security section states the guarantees; `src/tests/threats.rs` proves
//! them one threat at a time.

pub mod forms;
pub mod limits;
pub mod origin;
pub mod rate_limit;

use axum::{
    body::Body,
    http::{HeaderValue, Method, Request, StatusCode, header},
    response::Response,
};
use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};

use crate::error::AppError;

/// Whether a request may change state: anything but GET, HEAD and OPTIONS.
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the client wants a page (a browser navigating or posting a
/// plain form) rather than data.
pub fn wants_html<B>(request: &Request<B>) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// A refusal before any server function ran: `error` with its status, as
/// the hydrated client decodes errors (JSON, marked as a server function
/// error) or, for a browser that wants a page, as a short text.
pub fn refuse(error: AppError, html: bool) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = if html {
        let mut response = Response::new(Body::from(format!("{error}\n")));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        response
    } else {
        let mut response = Response::new(Body::from(error.ser()));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response.headers_mut().insert(SERVER_FN_ERROR_HEADER, HeaderValue::from_static(""));
        response
    };
    if let AppError::TooManyRequests { retry_after_secs } = error {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    }
    *response.status_mut() = status;
    response
}
