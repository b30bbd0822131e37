//! Read your writes, on any instance: a write's answer carries the position
//! of the change feed ([`crate::server::feed`]) that this instance has
//! written up to, in the signed `bulletin_seen` cookie, and a request that
//! carries a position its instance has not applied yet waits (within a
//! bound) until it has.
//!
//! Every page also says the feed position it is at least as new as, in
//! `Server-Timing: feed;desc=N` (a header the page's script can read for
//! the document it was loaded with): its stream of live changes
//! ([`crate::server::live`]) starts there, so nothing that happened while
//! the page travelled is missed.

use std::time::Duration;

use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};

use crate::server::{
    AppState,
    request::{is_html, is_unsafe},
};

/// The header that carries the page's feed position.
pub const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// The cookie with the feed position a visitor's last write reached.
pub const SEEN_COOKIE: &str = "bulletin_seen";

/// How long the cookie lasts: far longer than any instance lags.
const SEEN_MAX_AGE: Duration = Duration::from_secs(60);

/// How long a request waits for its instance to reach the position in its
/// cookie before it is answered anyway (and the delay logged).
const CATCH_UP_WITHIN: Duration = Duration::from_secs(1);

/// Before a request: if its cookie names a feed position this instance has
/// not applied yet, follow the feed up to it first. After a write: give the
/// visitor the position this instance has written up to.
pub async fn catch_up(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let seen = state
        .cookie_key
        .verified(request.headers(), SEEN_COOKIE)
        .and_then(|value| value.parse::<i64>().ok())
        .unwrap_or(0);
    if seen > state.feed.applied() && !state.feed.caught_up(seen, CATCH_UP_WITHIN).await {
        tracing::warn!(seen, applied = state.feed.applied(), "answering before the change feed caught up");
    }
    let write = is_unsafe(request.method());
    // Taken before the page is read: what it shows is at least this new.
    let applied = state.feed.applied();
    let mut response = next.run(request).await;
    if !write && is_html(response.headers()) {
        let position = HeaderValue::from_str(&format!("feed;desc={applied}")).expect("digits");
        response.headers_mut().append(SERVER_TIMING, position);
    }
    let written = state.feed.written();
    let succeeded = response.status().is_success() || response.status().is_redirection();
    if write && succeeded && written > seen {
        let cookie = state.cookie_key.set_signed(SEEN_COOKIE, &written.to_string(), SEEN_MAX_AGE, state.config.https);
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
