//! The headers every response carries, whatever answered it: a page (kept
//! or rendered), a server function, a static file, or an error from any
//! layer (404, 413, 429, 500).
//!
//! - `X-Content-Type-Options: nosniff`: a browser takes each response for
//!   the type it says it is, never for what its bytes look like.
//! - `Referrer-Policy: strict-origin-when-cross-origin`: another site learns
//!   at most this site's origin, never a page's path.
//! - `Cross-Origin-Opener-Policy: same-origin`: a page of another site that
//!   opens ours gets no handle on its window.
//! - No framing: `X-Frame-Options: DENY` and the `frame-ancestors 'none'`
//!   of `Content-Security-Policy`. No page of ours is meant to be shown
//!   inside another, and a page on the same site (another port, a sibling
//!   subdomain, whose requests carry the visitor's `SameSite=Lax` cookies)
//!   must not put a post page in a transparent frame and have its author
//!   click Delete through it.
//! - `Strict-Transport-Security` when the site is served over https
//!   (`server.https`): browsers come back over https only, for a year.
//!
//! Every page (an HTML answer) gets the page policy instead of the bare
//! `frame-ancestors` one: what it may run and load ([`crate::server::csp`]).
//! A header an inner layer already set is kept.

use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};

use crate::server::{AppState, request::is_html};

/// What every response says, unless an inner layer said otherwise.
pub const EVERY_RESPONSE: [(HeaderName, &str); 5] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
];

/// Over https: a year, for this host only (other hosts of the domain may
/// not be ours).
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Adds [`EVERY_RESPONSE`]'s headers, and over https the
/// [`STRICT_TRANSPORT_SECURITY`] one, to every response.
pub async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if is_html(headers) {
        headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(state.page_csp.clone());
    }
    for (name, value) in EVERY_RESPONSE {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    if state.config.https {
        headers.entry(header::STRICT_TRANSPORT_SECURITY).or_insert(HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    }
    response
}
