//! What a server function needs to know about the request that called it,
//! and how it answers a plain HTML form post (no JavaScript).
//!
//! The hydrated client calls a server function with `fetch` and reads the
//! result itself. A browser without JavaScript posts the form natively and
//! shows whatever comes back, so for it we follow post/redirect/get: every
//! outcome is a `303 See Other` to a page of ours, never to what `Referer`
//! claims.
//! - Success: to the page the write leads to, with a [`Flash`] in a
//!   short-lived cookie that the next page shows once and clears.
//! - Rejection: back to the form, whose page shows the typed values and
//!   messages again. Those can be larger than a cookie, so the server keeps
//!   them in a [`DraftStore`] and the cookie carries only a random token.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use super::{
    AppState,
    cookies::{self, SetCookie},
    internal_error,
    visitor::Visitor,
};
use crate::{
    domain::{Flash, PostDraft},
    error::AppError,
};

/// The cookie that carries a [`Flash`] to the page after a redirect.
pub const FLASH_COOKIE: &str = "bulletin_flash";
/// The cookie that carries the token of a rejected form's draft.
pub const DRAFT_COOKIE: &str = "bulletin_draft";
/// A flash is for the very next page; a minute covers a slow redirect.
const FLASH_MAX_AGE: Duration = Duration::from_secs(60);
/// How long a rejected form's draft waits for its page.
const DRAFT_TTL: Duration = Duration::from_secs(10 * 60);
/// The most drafts kept at once; the oldest goes first beyond it, so memory
/// stays bounded whatever the traffic.
const DRAFT_CAPACITY: usize = 10_000;

/// The request a server function or page is answering, from Leptos
/// context.
pub struct Caller {
    parts: Parts,
    response: ResponseOptions,
}

impl Caller {
    /// The current request. Present in every server function and page render
    /// that `build_router` serves.
    pub fn current() -> Result<Self, AppError> {
        match (use_context::<Parts>(), use_context::<ResponseOptions>()) {
            (Some(parts), Some(response)) => Ok(Caller { parts, response }),
            _ => Err(internal_error("request parts missing from the Leptos context")),
        }
    }

    /// Who is asking. The visitor middleware identifies every request, so
    /// its absence is a wiring fault, not the visitor's.
    pub fn visitor(&self) -> Result<Visitor, AppError> {
        self.parts
            .extensions
            .get::<Visitor>()
            .cloned()
            .ok_or_else(|| internal_error("visitor missing from the request: is the visitor middleware installed?"))
    }

    /// True when a browser posted a form natively (it wants a page back),
    /// false when the hydrated client called with `fetch` (it wants data).
    pub fn is_plain_form(&self) -> bool {
        self.parts
            .headers
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    }

    /// Answers a write. For the hydrated client the result goes back as it
    /// is. For a plain form: on success a 303 to `success.0`, with the flash
    /// `success.1` if any; on failure a 303 back to `form_page`, which shows
    /// the draft that `draft` makes from the error.
    pub fn answer<T>(
        &self,
        state: &AppState,
        result: Result<T, AppError>,
        success: impl FnOnce(&T) -> (String, Option<Flash>),
        form_page: &str,
        draft: impl FnOnce(&AppError) -> PostDraft,
    ) -> Result<T, AppError> {
        if !self.is_plain_form() {
            return result;
        }
        match &result {
            Ok(value) => {
                let (location, flash) = success(value);
                self.see_other(&location);
                if let Some(flash) = flash {
                    self.set_cookie(state, FLASH_COOKIE, flash.code(), FLASH_MAX_AGE);
                }
            }
            Err(error) => match self.visitor() {
                Ok(visitor) => {
                    let token = state.drafts.put(&visitor, form_page, draft(error));
                    self.see_other(form_page);
                    self.set_cookie(state, DRAFT_COOKIE, &token, DRAFT_TTL);
                }
                Err(_) => self.see_other(form_page),
            },
        }
        result
    }

    /// The flash a redirect left for this page, if any, clearing its cookie
    /// so it shows once.
    pub fn take_flash(&self, state: &AppState) -> Option<Flash> {
        let code = self.cookie(FLASH_COOKIE)?;
        self.remove_cookie(state, FLASH_COOKIE);
        Flash::from_code(code)
    }

    /// The draft a rejected plain-form post left for the form on `page`, if
    /// any, clearing its cookie. A draft is only ever given back to the
    /// visitor who typed it.
    pub fn take_draft(&self, state: &AppState, page: &str) -> Option<PostDraft> {
        let token = self.cookie(DRAFT_COOKIE)?;
        let visitor = self.visitor().ok()?;
        let draft = state.drafts.take(token, &visitor, page)?;
        self.remove_cookie(state, DRAFT_COOKIE);
        Some(draft)
    }

    fn see_other(&self, location: &str) {
        // Our own paths only: built by the app from ids, never from input.
        if let Ok(value) = HeaderValue::from_str(location) {
            self.response.set_status(StatusCode::SEE_OTHER);
            self.response.insert_header(header::LOCATION, value);
        }
    }

    /// Sets cookie `name` on the response, with the app's cookie policy.
    pub fn set_cookie(&self, state: &AppState, name: &str, value: &str, max_age: Duration) {
        let cookie = SetCookie { name, value, max_age, secure: state.config.https };
        self.response.append_header(header::SET_COOKIE, cookie.header());
    }

    /// Makes the browser forget cookie `name`.
    pub fn remove_cookie(&self, state: &AppState, name: &str) {
        self.response.append_header(header::SET_COOKIE, SetCookie::removal(name, state.config.https));
    }

    /// The value of cookie `name` in the request.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        cookies::get(&self.parts.headers, name)
    }
}

/// For a page being rendered: the flash a redirect left for it, if any.
pub fn flash_for_page() -> Option<Flash> {
    let state = use_context::<AppState>()?;
    Caller::current().ok()?.take_flash(&state)
}

/// For a form page being rendered at `page`: the draft a rejected plain-form
/// post left for it, if any.
pub fn draft_for_page(page: &str) -> Option<PostDraft> {
    let state = use_context::<AppState>()?;
    Caller::current().ok()?.take_draft(&state, page)
}

/// Drafts of rejected plain-form posts, kept in memory until their page
/// takes them, they expire, or newer drafts push them out.
#[derive(Debug)]
pub struct DraftStore {
    entries: Mutex<HashMap<String, StoredDraft>>,
    capacity: usize,
    /// Orders drafts by age even when two share an `Instant`.
    next_seq: std::sync::atomic::AtomicU64,
}

impl Default for DraftStore {
    fn default() -> Self {
        DraftStore::with_capacity(DRAFT_CAPACITY)
    }
}

#[derive(Debug)]
struct StoredDraft {
    visitor: Visitor,
    page: String,
    draft: PostDraft,
    stored_at: Instant,
    seq: u64,
}

impl DraftStore {
    /// A store that holds at most `capacity` drafts.
    pub fn with_capacity(capacity: usize) -> Self {
        DraftStore { entries: Mutex::default(), capacity: capacity.max(1), next_seq: Default::default() }
    }

    /// Keeps `draft` for `visitor`'s next visit to `page`; returns the
    /// random token that finds it again.
    pub fn put(&self, visitor: &Visitor, page: &str, draft: PostDraft) -> String {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let seq = self.next_seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        entries.retain(|_, entry| now.duration_since(entry.stored_at) < DRAFT_TTL);
        if entries.len() >= self.capacity
            && let Some(oldest) = entries.iter().min_by_key(|(_, entry)| entry.seq).map(|(token, _)| token.clone())
        {
            entries.remove(&oldest);
        }
        entries.insert(
            token.clone(),
            StoredDraft { visitor: visitor.clone(), page: page.to_owned(), draft, stored_at: now, seq },
        );
        token
    }

    /// Removes and returns the draft behind `token` if it belongs to
    /// `visitor` and `page` and has not expired.
    pub fn take(&self, token: &str, visitor: &Visitor, page: &str) -> Option<PostDraft> {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = entries.get(token)?;
        if entry.visitor != *visitor || entry.page != page {
            return None;
        }
        let entry = entries.remove(token)?;
        (entry.stored_at.elapsed() < DRAFT_TTL).then_some(entry.draft)
    }

    /// How many drafts are held.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }

    /// True when no draft is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(title: &str) -> PostDraft {
        PostDraft { title: title.into(), ..PostDraft::default() }
    }

    #[test]
    fn a_draft_is_given_back_once_to_its_visitor_on_its_page() {
        let store = DraftStore::default();
        let alice = Visitor::from_id("a".repeat(32));
        let token = store.put(&alice, "/posts/new", draft("typed"));
        assert_eq!(store.take(&token, &alice, "/posts/new").map(|d| d.title), Some("typed".into()));
        assert_eq!(store.take(&token, &alice, "/posts/new"), None);
    }

    #[test]
    fn a_draft_is_not_given_to_another_visitor_or_another_page() {
        let store = DraftStore::default();
        let alice = Visitor::from_id("a".repeat(32));
        let mallory = Visitor::from_id("m".repeat(32));
        let token = store.put(&alice, "/posts/new", draft("secret"));
        assert_eq!(store.take(&token, &mallory, "/posts/new"), None);
        assert_eq!(store.take(&token, &alice, "/posts/1/edit"), None);
        // Neither failed attempt used it up.
        assert!(store.take(&token, &alice, "/posts/new").is_some());
    }

    #[test]
    fn the_store_never_holds_more_than_its_capacity() {
        let store = DraftStore::with_capacity(50);
        let visitor = Visitor::from_id("v".repeat(32));
        let first = store.put(&visitor, "/posts/new", draft("first"));
        for _ in 0..100 {
            store.put(&visitor, "/posts/new", draft("more"));
        }
        assert_eq!(store.len(), 50);
        assert_eq!(store.take(&first, &visitor, "/posts/new"), None, "the oldest draft made room");
    }
}
