//! The header on every page.

use leptos::prelude::*;

/// The site name, linking home.
#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <a class="site-name" href="/">
                "bulletin"
            </a>
        </header>
    }
}
