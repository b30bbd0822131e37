//! One round trip per write (`wire::page`): a write that leads to another
//! page, sent by a script that asked for that page, is answered with it
//! rather than with a 303 that the browser would follow with a second
//! request.
//!
//! The page is asked of the layers below exactly as the browser's next
//! request would ask: a GET of the 303's location, carrying the cookies the
//! write's answer set. So it is read like any other page: by the visitor
//! who wrote (even one the write has just met), no older than the write
//! (`read_your_writes`), with a rejected form's draft handed to its form
//! page (`drafts`), and from the kept pages when nothing on it is personal
//! (`kept_pages`).

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{HeaderValue, Method, StatusCode, header, response::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    server::{
        cookies,
        error::internal_error,
        request::{accepts_html, is_html, is_unsafe},
    },
    wire::page,
};

/// A server function's answer larger than this is not carried in a header:
/// the write is answered as if no page had been asked for. Those that lead
/// to another page answer with an id or nothing.
const MAX_ANSWER_BYTES: usize = 1024;

/// Turns the 303 that answers a write into the page it names, when the
/// request asked for it and that page is there to give (a 200 page).
/// Otherwise the write is answered as if nothing had been asked.
pub async fn answer_with_page(request: Request, next: Next) -> Response {
    if !(is_unsafe(request.method()) && request.headers().contains_key(page::ASK)) {
        return next.run(request).await;
    }
    let plain_form = accepts_html(request.headers());
    let mut read = Request::new(Body::empty());
    *read.method_mut() = Method::GET;
    // What the layers below read besides the cookies: the host, the
    // encodings the browser takes (a kept page is sent pre-compressed), and
    // what the layers above put in the extensions (the peer's address, the
    // request id).
    *read.extensions_mut() = request.extensions().clone();
    for name in [header::HOST, header::ACCEPT_ENCODING] {
        if let Some(value) = request.headers().get(&name) {
            read.headers_mut().insert(name, value.clone());
        }
    }
    read.headers_mut().insert(header::ACCEPT, HeaderValue::from_static("text/html"));
    let sent = request.headers().clone();

    let written = next.clone().run(request).await;
    let Some(location) = local_see_other(&written) else {
        return written;
    };
    let (parts, body) = written.into_parts();
    // A server function's answer, already whole in memory.
    let answer = match to_bytes(body, usize::MAX).await {
        Ok(answer) => answer,
        Err(error) => return internal_error(format!("a write's answer could not be read: {error}")).into_response(),
    };
    // What the browser gets when there is no page to give: the 303 for a
    // form the script sent; the data for an island, which then fetches the
    // page itself.
    let unasked = |mut parts: Parts, answer| {
        if !plain_form {
            parts.status = StatusCode::OK;
            parts.headers.remove(header::LOCATION);
        }
        Response::from_parts(parts, Body::from(answer))
    };
    let (Ok(uri), Some(carried)) = (location.parse(), carried(&answer)) else {
        return unasked(parts, answer);
    };
    *read.uri_mut() = uri;
    if let Some(jar) = cookies::jar_after(&sent, &parts.headers) {
        read.headers_mut().insert(header::COOKIE, jar);
    }
    let mut shown = next.run(read).await;
    if shown.status() != StatusCode::OK || !is_html(shown.headers()) {
        // The browser's own GET will meet the same trouble, and show it.
        // (A rejected form's draft was handed to this GET and is gone: its
        // form page, not a 200, could not have shown it either.)
        return unasked(parts, answer);
    }
    let headers = shown.headers_mut();
    for set in cookies::not_set_again(&parts.headers, headers) {
        headers.append(header::SET_COOKIE, set);
    }
    headers.insert(page::LOCATION, HeaderValue::from_str(&location).expect("read from a header value"));
    headers.insert(page::ANSWER, carried);
    shown
}

/// A server function's answer as a header value: when it is small and
/// ASCII (a browser reads a header's other bytes as Latin-1), as the
/// answers of the writes that lead to another page are (an id, or nothing).
fn carried(answer: &[u8]) -> Option<HeaderValue> {
    if answer.len() > MAX_ANSWER_BYTES || !answer.is_ascii() {
        return None;
    }
    HeaderValue::from_bytes(answer).ok()
}

/// The path a 303 sends the browser to, when it is one of ours.
fn local_see_other(response: &Response) -> Option<String> {
    if response.status() != StatusCode::SEE_OTHER {
        return None;
    }
    let location = response.headers().get(header::LOCATION)?.to_str().ok()?;
    (location.starts_with('/') && !location.starts_with("//")).then(|| location.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_short_ascii_answer_rides_in_a_header() {
        assert_eq!(carried(b"42").unwrap(), "42");
        assert_eq!(carried(b"null").unwrap(), "null");
        assert!(carried("\"caf\u{e9}\"".as_bytes()).is_none(), "a browser would read it as Latin-1");
        assert!(carried(b"\"a\nb\"").is_none(), "not a header value");
        assert!(carried("1".repeat(MAX_ANSWER_BYTES + 1).as_bytes()).is_none());
    }
}
