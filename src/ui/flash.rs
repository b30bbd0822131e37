//! The one-line message shown after a successful write ("Post published").
//!
//! With JavaScript, the code that made the write calls
//! [`FlashMessages::show`] before navigating. Without it, the server set a
//! short-lived cookie on its redirect, and the server render of the next page
//! reads and clears it; the value travels to the client inside the page, so
//! hydration shows the same message. Either way the message belongs to one
//! address and disappears on the next navigation.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::domain::Flash;

/// A flash and the path it is shown on (`None`: the page it was rendered
/// with).
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    flash: Flash,
    path: Option<String>,
}

/// The current flash, provided once by `App`.
#[derive(Clone, Copy)]
pub struct FlashMessages {
    shown: RwSignal<Option<Shown>>,
}

impl FlashMessages {
    /// Creates the flash state (with the flash the server found for this
    /// page, if any) and provides it to every component below.
    pub fn provide() -> Self {
        let initial = SharedValue::new(crate::ui::bridge::flash).into_inner();
        let messages = FlashMessages { shown: RwSignal::new(initial.map(|flash| Shown { flash, path: None })) };
        provide_context(messages);
        messages
    }

    /// The flash state `App` provided.
    pub fn expect() -> Self {
        expect_context::<FlashMessages>()
    }

    /// Shows `flash` on `path`, the page about to be navigated to.
    pub fn show(&self, flash: Flash, path: String) {
        self.shown.set(Some(Shown { flash, path: Some(path) }));
    }
}

/// The live region that announces the flash (`role="status"`). It is always
/// in the page, so screen readers notice when a message appears in it.
#[component]
pub fn FlashRegion() -> impl IntoView {
    let messages = FlashMessages::expect();
    let location = use_location();
    // On every navigation after the first render, a flash meant for
    // another page goes away.
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|previous| previous != path) {
            let stays = messages.shown.with_untracked(|shown| {
                shown.as_ref().is_some_and(|shown| shown.path.as_deref() == Some(path.as_str()))
            });
            if !stays {
                messages.shown.set(None);
            }
        }
        path
    });
    let message = move || {
        let path = location.pathname.get();
        messages.shown.with(|shown| {
            shown
                .as_ref()
                .filter(|shown| shown.path.as_deref().is_none_or(|shown_on| shown_on == path))
                .map(|shown| shown.flash.message())
        })
    };

    view! {
        <div class="flash" role="status" aria-live="polite">
            {move || message().map(|text| view! { <p class="flash-message">{text}</p> })}
        </div>
    }
}
