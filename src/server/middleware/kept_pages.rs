//! Serves list and post pages from the read cache's kept pages
//! ([`crate::server::cache::kept`]), or renders one and keeps it, with the
//! counts of the moment printed in its holes. The counts come from the
//! cache's counts, which every write sets before it is answered, so no page
//! served after a write's answer predates the write.
//!
//! What is not kept: a request from a visitor with a flash message to show,
//! anything but a 200, and a response that sets a cookie. Those are rendered
//! each time (their counts filled in the same way), as is a page with a
//! draft to show (a refused delete's alert), which the drafts layer took
//! for it. A cookie that shows nothing (a flash cookie naming no flash, a
//! draft cookie that is not the server's for this page, or whose draft is
//! gone) gets the kept page: no cookie switches the cache off.

use std::sync::Arc;

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body_util::BodyExt;

use super::errors::respond;
use crate::{
    domain::{Flash, Theme, paths},
    server::{
        AppState,
        cache::{
            Encoding, Kept, KeptPage, PageKey,
            holes::{Hole, Holes},
        },
        cookies::{self, FLASH_COOKIE, THEME_COOKIE},
        drafts::TakenDraft,
        error::internal_error,
        services::posts,
        visitor::{NewVisitor, Visitor},
    },
    ui::components::list_part,
};

/// Serves a list or post page from the cache, or renders it and keeps it.
pub async fn serve_kept_pages(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let asked = if state.cache.enabled() { asked_for(&request) } else { None };
    let key = match asked {
        Some(asked) => page_key(&state, asked).await,
        None => None,
    };
    let Some(key) = key else {
        return next.run(request).await;
    };
    // A flash cookie that names a flash was sent to a render above; any
    // other is junk: the page is served as if it were not there (kept, or
    // rendered to keep), and the browser is told to forget it.
    let junk_flash = cookies::get(request.headers(), FLASH_COOKIE).is_some();
    if junk_flash {
        cookies::strip(request.headers_mut(), FLASH_COOKIE);
    }
    let mut response = serve(&state, key, request, next).await;
    if junk_flash {
        response.headers_mut().append(header::SET_COOKIE, cookies::removal(FLASH_COOKIE, state.config.https));
    }
    response
}

/// The page `key` names: kept, or rendered now and kept.
async fn serve(state: &AppState, key: PageKey, mut request: Request, next: Next) -> Response {
    let encoding = preferred_encoding(request.headers());
    let is_list = matches!(key, PageKey::List { .. });
    let serve = Serve { encoding, is_list, part: is_list && asks_for_list_part(request.headers()) };
    let turn = match state.cache.kept_or_render(&key).await {
        Kept::Page(page) => return answer(state, &page, serve, None).await,
        Kept::Render(turn) => turn,
    };
    let ticket = state.cache.ticket(key.tag());
    let holes = Holes::new();
    request.extensions_mut().insert(holes.clone());
    let response = next.run(request).await;
    let keep = response.status() == StatusCode::OK && !response.headers().contains_key(header::SET_COOKIE);
    let (parts, body) = response.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => {
            return respond(internal_error(format!("rendering a page: {err}")), true);
        }
    };
    let content_type = parts.headers.get(header::CONTENT_TYPE).cloned();
    let content_type = content_type.unwrap_or(HeaderValue::from_static("text/html; charset=utf-8"));
    let part = if is_list { list_part(&body) } else { None };
    let page = Arc::new(KeptPage::cut(content_type, &body, &holes, part));
    if keep {
        state.cache.keep(key, page.clone(), ticket);
    }
    // Those waiting for this render look again: they find it kept, or render.
    drop(turn);
    if keep {
        answer(state, &page, serve, None).await
    } else {
        // Sent whole and as rendered (status, cookies), with its counts
        // filled in; the compression layer compresses it.
        let serve = Serve { encoding: Encoding::Identity, part: false, ..serve };
        answer(state, &page, serve, Some(parts)).await
    }
}

/// How a kept page is sent.
#[derive(Clone, Copy)]
struct Serve {
    encoding: Encoding,
    /// A list page, which the part header may change.
    is_list: bool,
    /// Only its list part, if it has one (`paths::LIST_PART`).
    part: bool,
}

/// Whether the request asks for a list page's list alone.
fn asks_for_list_part(headers: &HeaderMap) -> bool {
    headers.get(paths::PART_HEADER).is_some_and(|value| value.as_bytes() == paths::LIST_PART.as_bytes())
}

/// The key of the page asked for, or `None` if it cannot be kept.
async fn page_key(state: &AppState, asked: Asked) -> Option<PageKey> {
    match asked {
        Asked::Page(key) => Some(key),
        Asked::Post { id, theme, visitor, is_new } => {
            // A post that cannot be read (gone, or the database failing) is
            // left to the page, which answers for it.
            let (liked, is_author) = posts::viewer(state.store(), &visitor, is_new, id).await.ok().flatten()?;
            Some(PageKey::Post { id, theme, liked, is_author })
        }
    }
}

/// What a request asks for, as far as the request alone tells.
enum Asked {
    /// A page whose key is known.
    Page(PageKey),
    /// A post's page, whose key depends on what of it is the visitor's.
    Post { id: i64, theme: Option<&'static str>, visitor: Visitor, is_new: bool },
}

/// The kept page `request` may get: `None` for anything but a GET of a list
/// or post page, and for a visitor with something of their own to see on
/// it: a flash to show, or a draft for this page (which the drafts layer,
/// before this one, took from the store for the request).
fn asked_for(request: &Request) -> Option<Asked> {
    let has_draft = request.extensions().get::<TakenDraft>().is_some_and(|taken| taken.page == request.uri().path());
    if request.method() != Method::GET || has_draft {
        return None;
    }
    let headers = request.headers();
    // A flash is shown once, by a render of its own.
    if cookies::get(headers, FLASH_COOKIE).as_deref().and_then(Flash::from_code).is_some() {
        return None;
    }
    let theme = cookies::get(headers, THEME_COOKIE).as_deref().and_then(Theme::parse).map(Theme::as_str);
    let path = request.uri().path();
    if path == "/" {
        if let Some(query) = request.uri().query() {
            // Only the one cursor the page takes, as the page writes it.
            let digits = query.strip_prefix("before=")?;
            if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
        }
        let address = request.uri().path_and_query().map_or("/", |address| address.as_str());
        return Some(Asked::Page(PageKey::List { address: address.to_owned(), theme }));
    }
    let id = path.strip_prefix("/posts/").and_then(paths::parse_post_id)?;
    if request.uri().query().is_some() {
        return None;
    }
    let visitor = request.extensions().get::<Visitor>()?.clone();
    let is_new = request.extensions().get::<NewVisitor>().is_some();
    Some(Asked::Post { id, theme, visitor, is_new })
}

/// A kept page with the counts of the moment, in `encoding`; with the
/// status and headers of `rendered` when given.
async fn answer(
    state: &AppState,
    page: &KeptPage,
    serve: Serve,
    rendered: Option<axum::http::response::Parts>,
) -> Response {
    let Serve { encoding, is_list, part } = serve;
    let counts = match posts::counts(state.store(), page.holes().map(Hole::post)).await {
        Ok(counts) => counts,
        Err(error) => return respond(error, true),
    };
    let count = |hole: Hole| {
        let counts = counts.get(&hole.post()).copied().unwrap_or_default();
        match hole {
            Hole::Likes(_) => counts.likes,
            Hole::Views(_) => counts.views,
        }
    };
    let part = if part { page.fill_part(encoding, count) } else { None };
    let body: Bytes = part.unwrap_or_else(|| page.fill(encoding, count));
    let mut response = match rendered {
        Some(mut parts) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(body))
        }
        None => Response::new(Body::from(body)),
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, page.content_type.clone());
    // A list page's address answers with its list alone to the part header.
    let vary = if is_list { "accept-encoding, bulletin-part" } else { "accept-encoding" };
    headers.insert(header::VARY, HeaderValue::from_static(vary));
    let name = match encoding {
        Encoding::Brotli => Some("br"),
        Encoding::Gzip => Some("gzip"),
        Encoding::Identity => None,
    };
    if let Some(name) = name {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    response.into_response()
}

/// Brotli if `Accept-Encoding` allows it, else gzip, else none. A coding
/// listed with `q=0` is refused, as the header means.
fn preferred_encoding(headers: &HeaderMap) -> Encoding {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn offering(value: &str) -> Encoding {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        preferred_encoding(&headers)
    }

    fn list_with_cookie(cookie: &str, draft_page: Option<&str>) -> Option<Asked> {
        let mut request = Request::get("/").header(header::COOKIE, cookie).body(axum::body::Body::empty()).unwrap();
        if let Some(page) = draft_page {
            request.extensions_mut().insert(TakenDraft { page: page.to_owned(), draft: Default::default() });
        }
        asked_for(&request)
    }

    #[test]
    fn only_a_flash_to_show_or_a_draft_for_the_page_keeps_it_from_its_kept_page() {
        assert!(list_with_cookie("bulletin_flash=published", None).is_none(), "the flash is rendered, once");
        assert!(list_with_cookie("", Some("/")).is_none(), "a draft for this page is rendered");
        for junk in ["bulletin_flash=junk", "bulletin_flash=", "bulletin_draft=junk"] {
            assert!(matches!(list_with_cookie(junk, None), Some(Asked::Page(_))), "{junk}");
        }
        assert!(matches!(list_with_cookie("", Some("/posts/new")), Some(Asked::Page(_))), "a draft for another page");
    }

    #[test]
    fn brotli_then_gzip_then_nothing_as_the_browser_allows() {
        assert_eq!(offering("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(offering("gzip;q=1.0, br;q=0.5"), Encoding::Brotli);
        assert_eq!(offering("gzip, br;q=0"), Encoding::Gzip);
        assert_eq!(offering("br;q=0, gzip;q=0"), Encoding::Identity);
        assert_eq!(offering("identity"), Encoding::Identity);
        assert_eq!(preferred_encoding(&HeaderMap::new()), Encoding::Identity);
    }
}
