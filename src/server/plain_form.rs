//! How a write answers a browser without JavaScript, and what the page after
//! it finds.
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
//!   them in the [`DraftStore`](super::drafts::DraftStore), in the database,
//!   and the cookie carries only a random token.

use std::time::Duration;

use super::{
    AppState,
    caller::Caller,
    cookies::{DRAFT_COOKIE, FLASH_COOKIE},
    drafts::{self, DRAFT_TTL},
};
use crate::{
    domain::{Flash, PostDraft},
    error::AppError,
};

/// A flash is for the very next page; a minute covers a slow redirect.
const FLASH_MAX_AGE: Duration = Duration::from_secs(60);

/// Answers a write. For the hydrated client the result goes back as it is.
/// For a plain form: on success a 303 to `success.0`, with the flash
/// `success.1` if any; on failure a 303 back to `form_page`, which shows the
/// draft that `draft` makes from the error (unless the draft could not be
/// stored: then the form comes back empty, and the failure is logged).
///
/// An island that asks for the page with the write (`wire::page`) gets the
/// 303 on success too, without the flash, which it shows itself; the layer
/// `middleware::write_pages` turns the 303 into the page. Its failures go
/// back as they are: the island shows the messages in place.
pub async fn answer<T>(
    caller: &Caller,
    state: &AppState,
    result: Result<T, AppError>,
    success: impl FnOnce(&T) -> (String, Option<Flash>),
    form_page: &str,
    draft: impl FnOnce(&AppError) -> PostDraft,
) -> Result<T, AppError> {
    let plain_form = caller.wants_page();
    if !plain_form && !caller.asks_for_page() {
        return result;
    }
    match &result {
        Ok(value) => {
            let (location, flash) = success(value);
            caller.see_other(&location);
            if let Some(flash) = flash.filter(|_| plain_form) {
                caller.set_cookie(FLASH_COOKIE, flash.code(), FLASH_MAX_AGE);
            }
        }
        Err(_) if !plain_form => {}
        Err(error) => match caller.visitor() {
            Ok(visitor) => {
                caller.see_other(form_page);
                match state.drafts.put(&visitor, form_page, &draft(error)).await {
                    Ok(token) => {
                        caller.set_signed_cookie(DRAFT_COOKIE, &drafts::cookie_value(&token, form_page), DRAFT_TTL)
                    }
                    Err(stored) => tracing::warn!(error = %stored, "could not keep a rejected form's draft"),
                }
            }
            Err(_) => caller.see_other(form_page),
        },
    }
    result
}

/// For a page being rendered: the flash a redirect left for it, if any,
/// clearing its cookie so it shows once.
pub fn flash_for_page() -> Option<Flash> {
    let caller = Caller::of_render()?;
    let code = caller.cookie(FLASH_COOKIE)?;
    caller.remove_cookie(FLASH_COOKIE);
    Flash::from_code(&code)
}

/// For a form page being rendered at `page`: the draft a rejected plain-form
/// post left for it, if any, clearing its cookie. The store gave it to this
/// request (the drafts middleware, `middleware::drafts`), and only ever
/// to the visitor who typed it.
pub fn draft_for_page(page: &str) -> Option<PostDraft> {
    let caller = Caller::of_render()?;
    let taken = caller.taken_draft().filter(|taken| taken.page == page)?;
    caller.remove_cookie(DRAFT_COOKIE);
    Some(taken.draft)
}
