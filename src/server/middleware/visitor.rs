//! Anonymous visitors: who is asking, without accounts.
//!
//! The first response to a browser sets a random visitor id in a signed
//! cookie; later requests carry it back. A post records its author's id, and
//! only that id may change the post. The signature makes the id
//! unforgeable: a client can throw its cookie away, never pick someone
//! else's.

use std::time::Duration;

use axum::{
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::Response,
};

use crate::server::{
    AppState,
    cookies::VISITOR_COOKIE,
    visitor::{NewVisitor, Visitor},
};

/// How long a browser keeps its visitor id: a year, renewed by nothing.
const VISITOR_MAX_AGE: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Whether `path` is a post's image (`server::image_files`).
fn request_path_is_image(path: &str) -> bool {
    path.starts_with("/images/")
}

/// Identifies the visitor of every request: from a validly signed cookie,
/// or, when there is none (or it was tampered with), as a new visitor whose
/// cookie the response sets.
pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let known = state
        .cookie_key
        .verified(request.headers(), VISITOR_COOKIE)
        .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(Visitor::from_id);
    let (visitor, is_new) = match known {
        Some(visitor) => (visitor, false),
        None => (Visitor::fresh(), true),
    };
    request.extensions_mut().insert(visitor.clone());
    if is_new {
        request.extensions_mut().insert(NewVisitor);
    }

    let mut response = next.run(request).await;
    // A post's image is the same for everyone, and may be kept by shared
    // caches for a year: it carries nobody's identity.
    if is_new && !request_path_is_image(&path) {
        let cookie = state.cookie_key.set_signed(VISITOR_COOKIE, visitor.id(), VISITOR_MAX_AGE, state.config.https);
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
