//! The header on every page.

use leptos::prelude::*;

use crate::{domain::paths, ui::theme::ThemeControls};

/// The site name, linking home, the way to write a post, and the theme.
#[component]
pub fn SiteHeader() -> impl IntoView {
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
            <ThemeControls />
        </header>
    }
}
