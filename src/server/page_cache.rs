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
//! What is not kept: anything but a 200, a response that sets a cookie, and
//! every other page (a post page shows the visitor's own like and
//! authorship).

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body_util::BodyExt;

use super::{
    AppState,
    cache::{DocumentKey, ListDocument},
    cookies,
    forms::{DRAFT_COOKIE, FLASH_COOKIE},
    theme::THEME_COOKIE,
};
use crate::{domain::Theme, revalidate::Tag};

/// Serves a list page from the cache, or renders it and keeps it.
pub async fn serve_list_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(key) = state.cache.enabled().then(|| cache_key(&request)).flatten() else {
        return next.run(request).await;
    };
    if let Some(document) = state.cache.document(&key) {
        let mut response = Response::new(Body::from(document.body));
        *response.headers_mut() = document.headers;
        return response;
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
            return super::security::refuse(super::internal_error(format!("rendering a list page: {err}")), true);
        }
    };
    state.cache.store_document(key, ListDocument { headers: parts.headers.clone(), body: body.clone() }, ticket);
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
    let theme = cookies::get(headers, THEME_COOKIE).and_then(Theme::parse).map(Theme::as_str);
    let address = request.uri().path_and_query().map_or("/", |address| address.as_str());
    Some((address.to_owned(), theme))
}

fn has_cookie(headers: &HeaderMap, name: &str) -> bool {
    cookies::get(headers, name).is_some()
}
