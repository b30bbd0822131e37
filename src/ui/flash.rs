//! The one-line message shown after a successful write ("Post published").
//!
//! Without JavaScript the server set a short-lived cookie on its redirect,
//! and the render of the next page reads and clears it. With JavaScript the
//! island that made the write hands the message to the navigation it starts
//! (`ui::navigate::go`), which puts it into this same region once the next
//! page is shown. Either way the message belongs to one page and is gone
//! after the next navigation.

use leptos::prelude::*;

/// The live region that announces the flash (`role="status"`). It is always
/// in the page, and client-side navigation keeps the same element, so screen
/// readers notice when a message appears in it.
#[component]
pub fn FlashRegion() -> impl IntoView {
    let message = crate::ui::bridge::flash().map(|flash| flash.message());
    view! {
        <div class="flash" role="status" aria-live="polite">
            {message.map(|text| view! { <p class="flash-message">{text}</p> })}
        </div>
    }
}
