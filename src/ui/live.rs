//! Live counts for the islands that show them: the page's script follows
//! the server's stream of changes (`server::live`) and hands each post's new
//! counts to the islands on the page as a `bulletin:counts` event on
//! `window`, with the feed position they are as of.

/// A post's counts as a live change gave them, at feed position `at`.
#[derive(Debug, Clone, Copy)]
pub struct LiveCounts {
    /// Its likes.
    pub likes: i64,
    /// Its views.
    pub views: i64,
    /// The feed position these counts are exactly as of.
    pub at: i64,
}

/// Calls `apply` with each live change to post `id`'s counts, as long as
/// `mounted` says the island that asked is still on the page (navigation
/// swaps islands out of the page, and their listeners must stop with them).
/// Only in the browser; rendering on the server registers nothing.
pub fn on_live_counts(id: i64, mounted: impl Fn() -> bool + 'static, apply: impl Fn(LiveCounts) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;

        let number = |detail: &JsValue, field: &str| {
            js_sys::Reflect::get(detail, &JsValue::from_str(field)).ok().and_then(|value| value.as_f64())
        };
        let handle = leptos::prelude::window_event_listener_untyped("bulletin:counts", move |ev| {
            let Ok(detail) = js_sys::Reflect::get(&ev, &JsValue::from_str("detail")) else {
                return;
            };
            let read =
                (number(&detail, "id"), number(&detail, "likes"), number(&detail, "views"), number(&detail, "at"));
            if let (Some(post), Some(likes), Some(views), Some(at)) = read
                && post as i64 == id
                && mounted()
            {
                apply(LiveCounts { likes: likes as i64, views: views as i64, at: at as i64 });
            }
        });
        // An island is never unmounted as a whole, so neither is this.
        std::mem::forget(handle);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, mounted, apply);
}
