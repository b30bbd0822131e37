//! The header on every page.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::{domain::paths, ui::theme::ThemeControls};

/// The site name, linking home, the way to write a post, and the theme.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let location = use_location();
    let return_to = location.search.with_untracked(|search| {
        let path = location.pathname.get_untracked();
        if search.is_empty() { path } else { format!("{path}?{search}") }
    });
    view! {
        <header class="site-header">
            <a class="site-name" href=paths::HOME>
                "bulletin"
            </a>
            <nav aria-label="Site">
                <a class="button-link" href=paths::NEW_POST>
                    "New post"
                </a>
            </nav>
            <ThemeControls theme=crate::ui::bridge::theme() return_to />
        </header>
    }
}
