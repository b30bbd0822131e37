//! Every error answer in one shape: an [`AppError`] with its own status.
//!
//! Every layer that refuses a request answers with [`respond`] (or the
//! error's `IntoResponse`), so status and body always agree: the status is
//! [`AppError::status_code`], the body is the error itself.
//!
//! Two kinds of answer are born elsewhere and reshaped here:
//! - a failed server function, which the server function machinery answers
//!   with 500 whatever the error (arguments it could not decode included):
//!   its encoded `AppError` is read back and given its status;
//! - a refusal by a tower-http layer (the body limit's 413), which has a
//!   body of its own: it becomes the matching `AppError`.

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};

use super::error_page;
use crate::{
    domain::Theme,
    error::AppError,
    server::{AppState, cookies, error::internal_error, request::wants_html},
};

/// The status an error is answered with.
pub fn status_of(error: &AppError) -> StatusCode {
    StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// `error` as a response: for a browser that wants a page (`html`), a short
/// text, which the errors layer makes a page in the site's design
/// ([`error_page`]); otherwise JSON marked as a server function error, which
/// the hydrated client decodes back into the same `AppError`.
pub fn respond(error: AppError, html: bool) -> Response {
    let mut response = if html {
        let mut response = Response::new(Body::from(format!("{error}\n")));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        response.extensions_mut().insert(error_page::ForAPage(error.clone()));
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
    *response.status_mut() = status_of(&error);
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        respond(self, false)
    }
}

/// Error bodies are a few dozen bytes of JSON; anything larger is not ours.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// Gives every error answer its `AppError` body and status; a browser that
/// wants a page gets the page for it ([`error_page`]).
pub async fn error_responses(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // For a browser that wants a page: where it came from, for the link back.
    let page_for = wants_html(&request).then(|| request.headers().get(header::REFERER).cloned());
    let theme = cookies::get(request.headers(), cookies::THEME_COOKIE).and_then(|value| Theme::parse(&value));
    let response = next.run(request).await;
    let ours = response.headers().contains_key(SERVER_FN_ERROR_HEADER);
    let response = if !ours && response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        // tower-http's own 413, with a body of its own.
        respond(AppError::PayloadTooLarge, page_for.is_some())
    } else {
        response
    };
    if let (Some(referer), Some(error_page::ForAPage(error))) =
        (&page_for, response.extensions().get::<error_page::ForAPage>().cloned())
    {
        return error_page::draw(&state, &error, referer.as_ref(), theme, response);
    }
    // A redirect was chosen on purpose: a plain form post sent back to its
    // form. The browser follows it; the status stays.
    if !response.headers().contains_key(SERVER_FN_ERROR_HEADER) || response.status().is_redirection() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_the_status_its_body_names() {
        for error in [
            AppError::BadRequest("x".into()),
            AppError::UnsupportedMediaType,
            AppError::RequestTimeout,
            AppError::PayloadTooLarge,
            AppError::TooManyRequests { retry_after_secs: 7 },
            AppError::Unavailable,
        ] {
            let response = respond(error.clone(), false);
            assert_eq!(response.status().as_u16(), error.status_code(), "{error:?}");
            assert!(response.headers().contains_key(SERVER_FN_ERROR_HEADER));
            let html = respond(error.clone(), true);
            assert_eq!(html.status(), response.status());
            assert!(!html.headers().contains_key(SERVER_FN_ERROR_HEADER));
        }
        let limited = respond(AppError::TooManyRequests { retry_after_secs: 7 }, false);
        assert_eq!(limited.headers()[header::RETRY_AFTER], "7");
    }
}
