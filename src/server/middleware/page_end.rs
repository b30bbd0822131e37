//! Every page ends at `</html>`.
//!
//! Leptos's server writes two scripts after the document it renders: the
//! tables its hydration reads (resources resolved on the server, errors,
//! chunks still streaming). After `</html>` they make every page invalid
//! HTML, and as inline scripts each needs its own place in the page's
//! Content-Security-Policy. An islands page resolves no resources on the
//! server, so the tables are always empty: this layer cuts them off, and
//! the page's own script (`ui/client.js`) starts them empty before it starts
//! the client. It cuts only those exact scripts: anything else after
//! `</html>` stays, and the page's policy then refuses to run it, which the
//! end-to-end suite reports as a failure.

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::server::{error::internal_error, request::is_html};

/// The scripts Leptos (`leptos_axum` 0.8, an islands page) writes after
/// every page, each in `<script nonce="…">`.
pub const LEPTOS_TABLES: [&str; 2] = [
    "__RESOLVED_RESOURCES=[];__SERIALIZED_ERRORS=[];__PENDING_RESOURCES=[];__RESOURCE_RESOLVERS=[];",
    "__INCOMPLETE_CHUNKS=[];",
];

/// Cuts Leptos's empty tables off the end of a page it rendered.
pub async fn end_at_html(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let headers = response.headers();
    // Only a whole page as Leptos rendered it: not an encoded body, not a
    // range of one.
    let whole = !headers.contains_key(header::CONTENT_ENCODING) && response.status() != StatusCode::PARTIAL_CONTENT;
    if !(is_html(headers) && whole) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // An islands page is whole once its render ends: nothing streams in later.
    let html = match to_bytes(body, usize::MAX).await {
        Ok(html) => html,
        Err(error) => return internal_error(format!("a rendered page could not be read: {error}")).into_response(),
    };
    let Some(document) = std::str::from_utf8(&html).ok().and_then(without_tables) else {
        return Response::from_parts(parts, Body::from(html));
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let end = document.len();
    Response::from_parts(parts, Body::from(html.slice(..end)))
}

/// `page` up to its `</html>`, when all that follows is Leptos's empty
/// tables (and the `<!>` markers a build with hydration writes between
/// them); `None` when anything else follows (or nothing does).
fn without_tables(page: &str) -> Option<&str> {
    let end = page.rfind("</html>")? + "</html>".len();
    let mut tail = &page[end..];
    if tail.is_empty() {
        return None;
    }
    for table in LEPTOS_TABLES {
        let rest = markers(tail).strip_prefix("<script")?;
        let (attributes, rest) = rest.split_once('>')?;
        let nonce_only = attributes.is_empty()
            || attributes.strip_prefix(" nonce=\"").and_then(|nonce| nonce.strip_suffix('"')).is_some_and(|nonce| {
                nonce
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'+' | b'/' | b'='))
            });
        tail = rest.strip_prefix(table).filter(|_| nonce_only)?.strip_prefix("</script>")?;
    }
    markers(tail).is_empty().then(|| &page[..end])
}

/// `text` after the `<!>` markers it starts with.
fn markers(mut text: &str) -> &str {
    while let Some(rest) = text.strip_prefix("<!>") {
        text = rest;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_leptos_s_two_empty_tables_are_cut() {
        let page = "<!DOCTYPE html><html><body><p>x</p></body></html>";
        let tables = r#"<script nonce="ab_C-9">__RESOLVED_RESOURCES=[];__SERIALIZED_ERRORS=[];__PENDING_RESOURCES=[];__RESOURCE_RESOLVERS=[];</script><script nonce="ab_C-9">__INCOMPLETE_CHUNKS=[];</script>"#;
        assert_eq!(without_tables(&format!("{page}{tables}")), Some(page));
        let marked = format!("{page}<!>{}", tables.replace("</script><script", "</script><!><script"));
        assert_eq!(without_tables(&marked), Some(page), "with a hydrating build's markers");
        assert_eq!(without_tables(page), None, "nothing to cut");
        // Anything else after the document stays where it is.
        for other in [
            format!("{tables}<script>alert(1)</script>"),
            tables.replace("__INCOMPLETE_CHUNKS=[];", "__INCOMPLETE_CHUNKS=[1];"),
            tables.replace(r#"nonce="ab_C-9""#, r#"nonce="x" onload="alert(1)""#),
            tables.replacen("<script nonce=\"ab_C-9\">__RESOLVED", "<script src=\"/evil.js\">__RESOLVED", 1),
        ] {
            assert_eq!(without_tables(&format!("{page}{other}")), None, "{other}");
        }
    }
}
