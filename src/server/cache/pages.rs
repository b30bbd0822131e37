//! Whole list pages, rendered once per change to the list.
//!
//! `/` and `/?before=N` show the same bytes to every visitor who has
//! nothing of their own pending on them (no flash message, no draft) and
//! the same theme: the visitor cookie is set outside the page and no
//! per-visitor state is on the list. So the first such request after a
//! change renders the page, and the next ones get those bytes until a write
//! revalidates `Tag::Posts`. The ticket rule of the read cache holds here
//! too: a page is kept only if no write revalidated the list while it was
//! rendered, so no page served after a write's answer predates the write.
//!
//! A kept page is also compressed once per encoding a browser asks for
//! (brotli, else gzip), rather than by the compression layer on every
//! request, which would cost more than serving it (`bench/RESULTS.md`).
//!
//! What is not kept: anything but a 200, a response that sets a cookie, and
//! every other page (a post page shows the visitor's own like and
//! authorship).

use std::{
    io::Write,
    sync::{Arc, OnceLock},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body_util::BodyExt;

use super::DocumentKey;
use crate::{
    domain::{Tag, Theme},
    server::{
        AppState,
        cookies::{self, DRAFT_COOKIE, FLASH_COOKIE, THEME_COOKIE},
        error::{internal_error, respond},
    },
};

/// A list page (`/`, `/?before=N`) as rendered for a visitor with nothing
/// of their own on it: no flash message, no draft. Such a page is the same
/// bytes for every visitor in the same theme, so it is rendered once per
/// change to the list, and compressed at most once per encoding.
#[derive(Debug)]
pub struct ListDocument {
    /// Its media type, as rendered.
    content_type: HeaderValue,
    /// The HTML.
    body: Bytes,
    /// The HTML compressed with brotli, once a browser asked for it.
    brotli: OnceLock<Bytes>,
    /// The HTML compressed with gzip, once a browser asked for it.
    gzip: OnceLock<Bytes>,
}

/// Serves a list page from the cache, or renders it and keeps it.
pub async fn serve_list_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(key) = state.cache.enabled().then(|| cache_key(&request)).flatten() else {
        return next.run(request).await;
    };
    if let Some(document) = state.cache.document(&key) {
        return answer(&document, Encoding::preferred(request.headers()));
    }
    let ticket = state.cache.ticket(Tag::Posts);
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => {
            return respond(internal_error(format!("rendering a list page: {err}")), true);
        }
    };
    let content_type = parts.headers.get(header::CONTENT_TYPE).cloned();
    let content_type = content_type.unwrap_or(HeaderValue::from_static("text/html; charset=utf-8"));
    let document = ListDocument { content_type, body: body.clone(), brotli: OnceLock::new(), gzip: OnceLock::new() };
    state.cache.store_document(key, Arc::new(document), ticket);
    Response::from_parts(parts, Body::from(body)).into_response()
}

/// The key of a request for a list page that may be served from the
/// cache, or `None`.
fn cache_key(request: &Request) -> Option<DocumentKey> {
    if request.method() != Method::GET || request.uri().path() != "/" {
        return None;
    }
    let query = request.uri().query();
    if let Some(query) = query {
        // Only the one cursor the page takes, as the page writes it.
        let digits = query.strip_prefix("before=")?;
        if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let headers = request.headers();
    if has_cookie(headers, FLASH_COOKIE) || has_cookie(headers, DRAFT_COOKIE) {
        return None;
    }
    let theme = cookies::get(headers, THEME_COOKIE).as_deref().and_then(Theme::parse).map(Theme::as_str);
    let address = request.uri().path_and_query().map_or("/", |address| address.as_str());
    Some((address.to_owned(), theme))
}

fn has_cookie(headers: &HeaderMap, name: &str) -> bool {
    cookies::get(headers, name).is_some()
}

/// A kept page, in the encoding the browser prefers.
fn answer(document: &ListDocument, encoding: Encoding) -> Response {
    let (body, name) = match encoding {
        Encoding::Brotli => (document.brotli.get_or_init(|| brotli(&document.body)).clone(), Some("br")),
        Encoding::Gzip => (document.gzip.get_or_init(|| gzip(&document.body)).clone(), Some("gzip")),
        Encoding::Identity => (document.body.clone(), None),
    };
    let mut response = Response::new(Body::from(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, document.content_type.clone());
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(name) = name {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    response
}

/// The encodings a kept page is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// Brotli if `Accept-Encoding` allows it, else gzip, else none. A
    /// coding listed with `q=0` is refused, as the header means.
    fn preferred(headers: &HeaderMap) -> Encoding {
        let mut brotli = false;
        let mut gzip = false;
        let offers = headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|value| value.to_str().ok());
        for offer in offers.flat_map(|line| line.split(',')) {
            let mut parts = offer.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let refused = parts.any(|param| {
                param.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
            });
            match coding {
                "br" => brotli = !refused,
                "gzip" => gzip = !refused,
                _ => {}
            }
        }
        if brotli {
            Encoding::Brotli
        } else if gzip {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

/// Brotli at quality 6: a few hundred microseconds for a list page, paid
/// once per change to the list.
fn brotli(bytes: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    {
        let mut writer = ::brotli::CompressorWriter::new(&mut out, 4096, 6, 22);
        // Writing into a Vec cannot fail.
        let _ = writer.write_all(bytes);
    }
    Bytes::from(out)
}

fn gzip(bytes: &[u8]) -> Bytes {
    let mut writer = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::new(6));
    let _ = writer.write_all(bytes);
    Bytes::from(writer.finish().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offering(value: &str) -> Encoding {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        Encoding::preferred(&headers)
    }

    #[test]
    fn brotli_then_gzip_then_nothing_as_the_browser_allows() {
        assert_eq!(offering("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(offering("gzip;q=1.0, br;q=0.5"), Encoding::Brotli);
        assert_eq!(offering("gzip, br;q=0"), Encoding::Gzip);
        assert_eq!(offering("br;q=0, gzip;q=0"), Encoding::Identity);
        assert_eq!(offering("identity"), Encoding::Identity);
        assert_eq!(Encoding::preferred(&HeaderMap::new()), Encoding::Identity);
    }
}
