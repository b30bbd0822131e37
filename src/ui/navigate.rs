//! Going to another page from an island, after a write.

use crate::domain::Flash;

/// Shows the page at `path`, with `flash` in its message region, the way a
/// click on a link would: through the page's navigation (`client.js`), which
/// fetches the server's HTML and swaps it in. Should that script be missing,
/// the browser loads the page instead. Browser only.
pub fn go(path: &str, flash: Option<Flash>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, JsValue};

        let Some(window) = web_sys::window() else {
            return;
        };
        let navigate = js_sys::Reflect::get(&window, &JsValue::from_str("bulletinNavigate"))
            .ok()
            .and_then(|value| value.dyn_into::<js_sys::Function>().ok());
        let message = flash.map_or(JsValue::NULL, |flash| JsValue::from_str(flash.message()));
        let sent =
            navigate.is_some_and(|navigate| navigate.call2(&JsValue::NULL, &JsValue::from_str(path), &message).is_ok());
        if !sent {
            let _ = window.location().set_href(path);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (path, flash);
}
