//! Hands a rejected plain form's draft back to the form page that shows it
//! ([`crate::server::drafts`]).

use axum::{
    extract::{Request, State},
    http::Method,
    middleware::Next,
    response::Response,
};

use crate::server::{
    AppState,
    cookies::DRAFT_COOKIE,
    drafts::{self, TakenDraft},
    visitor::Visitor,
};

/// For a page asked for with a draft cookie: takes the draft for this
/// visitor and this path out of the store, before the page renders (which
/// cannot wait for the database), and hands it to the render. A failure to
/// read it is logged and the page renders without it; the draft stays in
/// the store for the next try.
pub async fn give_back(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    // Only a draft cookie the server signed for this very page can find a
    // draft: one for another page, or a junk one, costs nothing.
    let cookie =
        (request.method() == Method::GET).then(|| state.cookie_key.verified(request.headers(), DRAFT_COOKIE)).flatten();
    if let Some(cookie) = cookie
        && let Some((token, page)) = drafts::parse_cookie_value(&cookie)
        && page == request.uri().path()
        && let Some(visitor) = request.extensions().get::<Visitor>().cloned()
    {
        let page = page.to_owned();
        match state.drafts.take(token, &visitor, &page).await {
            Ok(Some(draft)) => {
                request.extensions_mut().insert(TakenDraft { page, draft });
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "could not read a draft; the form page renders without it"),
        }
    }
    next.run(request).await
}
