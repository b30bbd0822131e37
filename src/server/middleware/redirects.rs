//! Keeps every redirect on this site, and ours.
//!
//! The server function machinery answers a plain form post that set no
//! `Location` with a redirect to whatever `Referer` the request claims,
//! which another site can choose. Any `Location` that is not a path on this
//! site becomes `/`.
//!
//! It also answers that way when a server function failed before our code
//! ran (a form whose fields it could not read), which would drop the error
//! on the floor: that answer becomes the error's page instead. A failure
//! our code answered (`plain_form`) is a 303 and stays one.

use axum::{
    body::to_bytes,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};
use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};

use super::errors::{MAX_ERROR_BODY, respond};
use crate::{error::AppError, server::request::accepts_html};

/// Rewrites an off-site `Location` to `/` (and a 302 to a 303, so the
/// browser follows with a GET).
pub async fn local_redirects_only(request: Request, next: Next) -> Response {
    let wants_page = accepts_html(request.headers());
    let mut response = next.run(request).await;
    if wants_page
        && response.headers().contains_key(SERVER_FN_ERROR_HEADER)
        && response.status() != StatusCode::SEE_OTHER
    {
        return page_for_error(response).await;
    }
    let off_site = response
        .headers()
        .get(header::LOCATION)
        .is_some_and(|location| location.to_str().ok().and_then(crate::domain::paths::local_path).is_none());
    if off_site {
        response.headers_mut().insert(header::LOCATION, HeaderValue::from_static("/"));
        if response.status() == StatusCode::FOUND {
            *response.status_mut() = StatusCode::SEE_OTHER;
        }
    }
    response
}

/// The error page for a server function's error answer, keeping the
/// cookies it set (a new visitor's).
async fn page_for_error(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let error = match to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => AppError::de(bytes),
        Err(_) => AppError::BadRequest("the answer could not be read".into()),
    };
    let mut page = respond(error, true);
    for cookie in parts.headers.get_all(header::SET_COOKIE) {
        page.headers_mut().append(header::SET_COOKIE, cookie.clone());
    }
    page
}
