//! The `theme` cookie: the look a visitor chose, rendered by the server on
//! every page so the first paint is already right.

use std::time::Duration;

use axum::http::request::Parts;
use leptos::prelude::use_context;

use super::cookies;
use crate::domain::Theme;

/// The cookie holding the chosen theme.
pub const THEME_COOKIE: &str = "theme";

/// A choice of theme lasts a year.
pub const THEME_MAX_AGE: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// The theme of the request being rendered, from its cookie; `None` when the
/// visitor chose none (or the cookie holds anything else).
pub fn theme_for_page() -> Option<Theme> {
    let parts = use_context::<Parts>()?;
    cookies::get(&parts.headers, THEME_COOKIE).and_then(Theme::parse)
}
