//! Keyboard shortcuts: single keys that act while the focus is not in a
//! text field.

use leptos::prelude::*;

/// Calls `action` whenever `key` is pressed (without Ctrl, Alt or Meta, not
/// as a repeat of a held key, and not while typing in a field), for as long
/// as the calling component is mounted. Only in the browser; rendering on
/// the server registers nothing.
pub fn use_shortcut(key: &'static str, action: impl Fn() + Clone + 'static) {
    // Effects run only in the browser, after hydration or mounting.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let action = action.clone();
            let handle = window_event_listener(leptos::ev::keydown, move |ev| {
                let plain = !(ev.ctrl_key() || ev.alt_key() || ev.meta_key() || ev.repeat());
                if plain && ev.key() == key && !is_typing(&ev) {
                    ev.prevent_default();
                    action();
                }
            });
            on_cleanup(move || handle.remove());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (key, &action);
    });
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
/// footer of every page, `l` on a post's page. Hidden until the page is
/// hydrated (see the stylesheet): without JavaScript no shortcut works, so
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
