//! What a request asks for, as far as its method and headers tell: whether
//! it may change state, and whether it wants a page or data; and whether an
//! answer is a page. The layers and the server functions' caller ask the
//! same questions, answered here once.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::ConnectInfo,
    http::{HeaderMap, Method, Request, header},
};

/// Whether a request may change state: anything but GET, HEAD and OPTIONS.
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the client wants a page (a browser navigating or posting a
/// plain form) rather than data.
pub fn wants_html<B>(request: &Request<B>) -> bool {
    accepts_html(request.headers())
}

/// [`wants_html`] from the headers alone.
pub fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Whether a request's body is a `multipart/form-data` form (one that can
/// carry a file).
pub fn is_multipart_form(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|media| media.eq_ignore_ascii_case("multipart/form-data"))
}

/// Whether a request's body is a URL-encoded form.
pub fn is_url_encoded_form(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|media| media.eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// The media type of a request's body, without its parameters.
fn media_type(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    value.split(';').next().map(str::trim)
}

/// Whether an answer with these headers is a page (`text/html`).
pub fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|kind| kind.to_str().ok())
        .is_some_and(|kind| kind.starts_with("text/html"))
}

/// The client's address: the connection's peer, or, behind a trusted proxy,
/// the first address in `X-Forwarded-For`.
pub fn client_ip<B>(request: &Request<B>, trusted_proxy: bool) -> Option<IpAddr> {
    if trusted_proxy
        && let Some(ip) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(',').next())
            .and_then(|first| first.trim().parse().ok())
    {
        return Some(ip);
    }
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())
}
