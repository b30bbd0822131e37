//! Keeps every redirect on this site.
//!
//! The server function machinery answers a plain form post that set no
//! `Location` with a redirect to whatever `Referer` the request claims,
//! which another site can choose. Any `Location` that is not a path on this
//! site becomes `/`.

use axum::{
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};

/// Rewrites an off-site `Location` to `/` (and a 302 to a 303, so the
/// browser follows with a GET).
pub async fn local_redirects_only(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
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
