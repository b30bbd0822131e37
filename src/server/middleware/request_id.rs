//! Request ids and the access log, on tower-http's `request-id` and `trace`.
//!
//! The server gives every request an id of its own (one a client sends is
//! dropped, so nobody chooses what the logs and error references say),
//! answers it in `x-request-id`, and opens a tracing span that carries it:
//! every line logged while the request is handled, a warning from deep in a
//! service included, names the request. One line per request closes it:
//! status and latency.

use std::time::Duration;

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderName, HeaderValue, Response},
    middleware::Next,
};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tracing::Span;

use crate::server::telemetry;

/// The header that carries a request's id back to the client.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Twelve hexadecimal digits of a random UUID: short enough to read out
/// from an error message, unique enough for one server's logs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShortId;

impl MakeRequestId for ShortId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&telemetry::fresh_id()).ok().map(RequestId::new)
    }
}

/// Gives each request a fresh id.
pub fn set() -> SetRequestIdLayer<ShortId> {
    SetRequestIdLayer::new(REQUEST_ID_HEADER, ShortId)
}

/// Copies the id into the response.
pub fn propagate() -> PropagateRequestIdLayer {
    PropagateRequestIdLayer::new(REQUEST_ID_HEADER)
}

/// Drops an `x-request-id` a client sent, so [`set`] always makes one.
pub fn drop_clients_id(mut request: Request) -> Request {
    request.headers_mut().remove(REQUEST_ID_HEADER);
    request
}

/// The id [`set`] gave `request`.
pub fn of<B>(request: &Request<B>) -> Option<&str> {
    request.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok())
}

/// The span every line logged for a request is written in.
pub fn span(request: &Request<Body>) -> Span {
    tracing::info_span!(
        "request",
        id = %of(request).unwrap_or("-"),
        method = %request.method(),
        path = %request.uri().path(),
    )
}

/// The access log's line, written in the request's span when it is answered.
pub fn log_response(response: &Response<Body>, latency: Duration, _span: &Span) {
    tracing::info!(
        target: "bulletin::request",
        status = response.status().as_u16(),
        latency_ms = format_args!("{:.2}", latency.as_secs_f64() * 1000.0),
    );
}

/// Makes the request's id known to code that has no request at hand (an
/// internal error deep in a service, which shows the id as its reference:
/// [`telemetry::current_request_id`]).
pub async fn scope(request: Request, next: Next) -> axum::response::Response {
    match of(&request).map(str::to_owned) {
        Some(id) => telemetry::with_request_id(id, next.run(request)).await,
        None => next.run(request).await,
    }
}
