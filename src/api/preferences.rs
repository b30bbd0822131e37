//! Server functions for a visitor's preferences.

use leptos::prelude::*;

use crate::{domain::Theme, error::AppError, wire::JsonAnswer};

/// Sets the `theme` cookie to `"dark"` or `"light"`, or deletes it for
/// `"system"`, and returns the theme now in force (`None`: the system's).
/// A plain form is sent back to `return_to`, a path on this site.
#[server(endpoint = "set_theme", output = JsonAnswer)]
pub async fn set_theme(
    /// `"dark"`, `"light"` or `"system"`.
    theme: String,
    /// Where a plain form goes back to; the home page if absent or not a
    /// path on this site.
    return_to: Option<String>,
) -> Result<Option<Theme>, AppError> {
    use crate::{
        domain::{PostDraft, paths},
        server::{
            caller::Caller,
            cookies::{THEME_COOKIE, THEME_MAX_AGE},
            plain_form,
        },
    };

    let state = super::state()?;
    let caller = Caller::current()?;
    let chosen = match theme.as_str() {
        "system" => Ok(None),
        other => Theme::parse(other)
            .map(Some)
            .ok_or_else(|| AppError::BadRequest("the theme must be dark, light or system".into())),
    };
    match chosen {
        Ok(Some(theme)) => caller.set_cookie(THEME_COOKIE, theme.as_str(), THEME_MAX_AGE),
        Ok(None) => caller.remove_cookie(THEME_COOKIE),
        Err(_) => {}
    }
    let back = return_to.as_deref().and_then(paths::local_path).unwrap_or(paths::HOME).to_owned();
    plain_form::answer(
        &caller,
        &state,
        chosen,
        |_| (back.clone(), None),
        &back,
        |error| PostDraft::rejected(String::new(), String::new(), error),
    )
    .await
}
