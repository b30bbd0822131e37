//! The page for addresses that lead nowhere.

use leptos::prelude::*;
use leptos_meta::Title;

/// Rendered for any unknown path, answered with status 404 when rendered on
/// the server.
#[component]
pub fn NotFound() -> impl IntoView {
    crate::ui::bridge::set_status(404);

    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address. It may have been deleted, or the link may be mistyped."</p>
        <p>
            <a href="/">"Back to the latest posts"</a>
        </p>
    }
}
