//! HTTP middleware of our own.

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::Response,
};
use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};

use crate::error::AppError;

/// Error bodies are a few dozen bytes of JSON; anything larger is not ours.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Gives a failed server function the status its error deserves.
///
/// The server function machinery answers every error with 500, including
/// arguments it could not decode before our code ran. This reads the
/// encoded [`AppError`] back from such a response and sets its
/// [`AppError::status_code`], so every server function, present and future,
/// gets honest statuses from one place.
pub async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    // A redirect was chosen on purpose: a plain form post sent back to its
    // form (`server::forms`). The browser follows it; the status stays.
    if !response.headers().contains_key(SERVER_FN_ERROR_HEADER) || response.status().is_redirection() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    let error = AppError::de(bytes.clone());
    if let Ok(status) = StatusCode::from_u16(error.status_code()) {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Keeps every redirect on this site.
///
/// The server function machinery answers a plain form post that set no
/// `Location` with a redirect to whatever `Referer` the request claims,
/// which another site can choose. Any `Location` that is not a path on this
/// site becomes `/`.
pub async fn local_redirects_only(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let off_site = response
        .headers()
        .get(axum::http::header::LOCATION)
        .is_some_and(|location| location.to_str().ok().and_then(crate::paths::local_path).is_none());
    if off_site {
        response.headers_mut().insert(axum::http::header::LOCATION, axum::http::HeaderValue::from_static("/"));
        if response.status() == StatusCode::FOUND {
            *response.status_mut() = StatusCode::SEE_OTHER;
        }
    }
    response
}
