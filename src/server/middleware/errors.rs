//! Every error answer in one shape: an [`AppError`] with its own status.
//!
//! Two kinds of answer are born elsewhere and reshaped here:
//! - a failed server function, which the server function machinery answers
//!   with 500 whatever the error (arguments it could not decode included):
//!   its encoded `AppError` is read back and given its status;
//! - a refusal by a tower-http layer (the body limit's 413), which has a
//!   body of its own: it becomes the matching `AppError`.

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::Response,
};
use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};

use super::wants_html;
use crate::{
    error::AppError,
    server::error::{internal_error, respond, status_of},
};

/// Error bodies are a few dozen bytes of JSON; anything larger is not ours.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Gives every error answer its `AppError` body and status.
pub async fn error_responses(request: Request, next: Next) -> Response {
    let html = wants_html(&request);
    let response = next.run(request).await;
    let ours = response.headers().contains_key(SERVER_FN_ERROR_HEADER);
    if !ours && response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return respond(AppError::PayloadTooLarge, html);
    }
    // A redirect was chosen on purpose: a plain form post sent back to its
    // form. The browser follows it; the status stays.
    if !ours || response.status().is_redirection() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    parts.status = status_of(&AppError::de(bytes.clone()));
    Response::from_parts(parts, Body::from(bytes))
}

/// The answer to a request whose handler panicked: the generic internal
/// error, its reference (the request id) logged with the panic's message.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    respond(internal_error(format!("panic: {message}")), false)
}
