//! Keyboard shortcuts: single keys that act while the focus is not in a
//! text field.

use leptos::prelude::*;

use crate::domain::paths;

/// Calls `action` whenever `key` is pressed (without Ctrl, Alt or Meta, not
/// as a repeat of a held key, and not while typing in a field), as long as
/// `mounted` says the island that asked is still on the page: navigation
/// swaps islands out of the page, and their listeners must stop with them.
/// Only in the browser; rendering on the server registers nothing.
pub fn use_shortcut(key: &'static str, mounted: impl Fn() -> bool + 'static, action: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            let plain = !(ev.ctrl_key() || ev.alt_key() || ev.meta_key() || ev.repeat());
            if plain && ev.key() == key && !is_typing(&ev) && mounted() {
                ev.prevent_default();
                action();
            }
        });
        // An island is never unmounted as a whole, so neither is this.
        std::mem::forget(handle);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, mounted, action);
}

/// Whether the key went to a text field, where it is text, not a command.
#[cfg(feature = "hydrate")]
fn is_typing(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;

    ev.target().and_then(|target| target.dyn_into::<web_sys::HtmlElement>().ok()).is_some_and(|element| {
        matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || element.is_content_editable()
    })
}

/// The visible list of the shortcuts a part of the page offers: `n` in the
/// footer of every page, `l` on a post's page. Hidden until the client has
/// started (see the stylesheet): without JavaScript no shortcut works, so
/// none is promised.
#[component]
pub fn ShortcutHint(
    /// The key.
    key: &'static str,
    /// What it does.
    does: &'static str,
) -> impl IntoView {
    view! {
        <p class="shortcut-hint">"Keyboard: " <kbd>{key}</kbd> " " {does}</p>
    }
}

/// `n`, on every page: opens the new-post form. Shows its own hint.
#[island]
pub fn NewPostShortcut() -> impl IntoView {
    let hint = NodeRef::<leptos::html::P>::new();
    use_shortcut(
        "n",
        move || hint.get_untracked().is_some_and(|hint| hint.is_connected()),
        || crate::ui::navigate::go(paths::NEW_POST, None),
    );
    view! {
        <p class="shortcut-hint" node_ref=hint>
            "Keyboard: "
            <kbd>"n"</kbd>
            " new post"
        </p>
    }
}
