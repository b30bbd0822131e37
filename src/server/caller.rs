//! The request a server function or a page render is answering, as Leptos
//! context holds it: who is asking, what they want back, their cookies, and
//! the response being built.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use super::{
    AppState,
    cache::holes::Holes,
    cookies::{self, THEME_COOKIE},
    drafts::TakenDraft,
    error::internal_error,
    request::accepts_html,
    secret::SecretKey,
    visitor::Visitor,
};
use crate::{domain::Theme, error::AppError};

/// The current request and its response.
pub struct Caller {
    parts: Parts,
    response: ResponseOptions,
    https: bool,
    cookie_key: SecretKey,
}

impl Caller {
    /// The current request. Present in every server function and page render
    /// that `build_router` serves.
    pub fn current() -> Result<Self, AppError> {
        Caller::of_render().ok_or_else(|| internal_error("request parts or state missing from the Leptos context"))
    }

    /// The request being rendered, if any: `None`, silently, when Leptos
    /// renders the app without one (to list its routes at start-up).
    pub fn of_render() -> Option<Self> {
        match (use_context::<Parts>(), use_context::<ResponseOptions>(), use_context::<AppState>()) {
            (Some(parts), Some(response), Some(state)) => {
                Some(Caller { parts, response, https: state.config.https, cookie_key: state.cookie_key.clone() })
            }
            _ => None,
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

    /// The placeholders for counts, when this is the render of a page to
    /// keep with holes for its counts (`server::cache::holes`).
    pub fn holes(&self) -> Option<Holes> {
        self.parts.extensions.get::<Holes>().cloned()
    }

    /// The draft taken from the store for this page, if its request
    /// carried one for it.
    pub fn taken_draft(&self) -> Option<TakenDraft> {
        self.parts.extensions.get::<TakenDraft>().cloned()
    }

    /// The file the request's form carried, if any (`server::upload`).
    pub fn upload(&self) -> Option<super::upload::Upload> {
        self.parts.extensions.get::<super::upload::Upload>().cloned()
    }

    /// True when a browser posted a form natively (it wants a page back),
    /// false when the hydrated client called with `fetch` (it wants data).
    pub fn wants_page(&self) -> bool {
        accepts_html(&self.parts.headers)
    }

    /// True when the page's script asked for the page a write leads to
    /// with the write's answer (`wire::page`).
    pub fn asks_for_page(&self) -> bool {
        self.parts.headers.contains_key(crate::wire::page::ASK)
    }

    /// The value of cookie `name` in the request.
    pub fn cookie(&self, name: &str) -> Option<String> {
        cookies::get(&self.parts.headers, name)
    }

    /// Sets cookie `name` on the response, with the app's cookie policy.
    pub fn set_cookie(&self, name: &str, value: &str, max_age: Duration) {
        self.response.append_header(header::SET_COOKIE, cookies::set(name, value, max_age, self.https));
    }

    /// Sets cookie `name` on the response, signed with the app's key.
    pub fn set_signed_cookie(&self, name: &str, value: &str, max_age: Duration) {
        self.response.append_header(header::SET_COOKIE, self.cookie_key.set_signed(name, value, max_age, self.https));
    }

    /// Makes the browser forget cookie `name`.
    pub fn remove_cookie(&self, name: &str) {
        self.response.append_header(header::SET_COOKIE, cookies::removal(name, self.https));
    }

    /// Answers with a 303 to `location`, a path the app built.
    pub fn see_other(&self, location: &str) {
        if let Ok(value) = HeaderValue::from_str(location) {
            self.response.set_status(StatusCode::SEE_OTHER);
            self.response.insert_header(header::LOCATION, value);
        }
    }

    /// Answers with `status`.
    pub fn set_status(&self, status: StatusCode) {
        self.response.set_status(status);
    }
}

/// For a page being rendered: the theme the visitor chose, from its cookie;
/// `None` when they chose none (or the cookie holds anything else).
pub fn theme_for_page() -> Option<Theme> {
    Theme::parse(&Caller::of_render()?.cookie(THEME_COOKIE)?)
}

/// For a page being rendered: the largest image a form may carry, from the
/// configuration (`security.max_upload_bytes`); 0 without a state.
pub fn max_upload_bytes_for_page() -> usize {
    use_context::<AppState>().map_or(0, |state| state.config.security.max_upload_bytes)
}

/// For a page being rendered: answer with `status`.
pub fn set_page_status(status: u16) {
    if let (Some(caller), Ok(status)) = (Caller::of_render(), StatusCode::from_u16(status)) {
        caller.set_status(status);
    }
}
