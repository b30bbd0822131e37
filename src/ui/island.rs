//! Islands with props, without serde_json in the browser.
//!
//! `#[island]` writes an island's props into `data-props` as JSON and reads
//! them back in the browser with serde_json, which was the largest part of
//! the client that our own code pulled in (README, "What the client is made
//! of").
//! [`island`] and [`hydrate`] do what that macro's expansion does
//! (leptos_macro's `component.rs`): the same `<leptos-island>` element, a
//! new reactive owner in hydration mode around the island's view, and
//! hydration from the element's children. Only the props are read with
//! [`crate::wire`] instead.
//!
//! An island with props is a `#[component]` that calls [`island`], and a
//! `#[wasm_bindgen]` export, named as the island, that calls [`hydrate`]
//! with the same function. Islands without props stay `#[island]` (they
//! read nothing); the post forms stay `#[island(lazy)]`, whose code, and
//! serde_json with it, only the pages with a form load.

use leptos::{
    prelude::*,
    reactive::owner::Owner,
    tachys::{html::islands::Island, reactive_graph::OwnedView},
};
use serde::Serialize;

/// The island `name`: `body`'s view inside
/// `<leptos-island data-component="{name}" data-props="{props as JSON}">`,
/// rendered on the server. In the browser the export `name` calls
/// [`hydrate`] with the function that calls this one.
pub fn island<P: Serialize, V: IntoView + 'static>(
    name: &'static str,
    props: P,
    body: impl FnOnce() -> V + 'static,
) -> impl IntoView {
    let view = untrack(|| Owner::new().with(|| Owner::with_hydration(move || OwnedView::new(body()))));
    // The browser never writes the props: it hydrates what the server wrote.
    #[cfg(feature = "ssr")]
    let props = crate::wire::to_string(&props).unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let props = {
        let _ = props;
        String::new()
    };
    Island::new(name, view).with_props(props)
}

/// Browser: brings the server's `element` (a `<leptos-island>`) to life with
/// `view`, given the props the server wrote into it. Props that cannot be
/// read leave the element as the server's HTML, and say so in the console.
#[cfg(feature = "hydrate")]
pub fn hydrate<P, V>(element: web_sys::HtmlElement, view: impl FnOnce(P) -> V)
where
    P: serde::de::DeserializeOwned,
    V: IntoView,
{
    use leptos::tachys::view::Position;

    let props = element.dataset().get("props").and_then(|json| crate::wire::from_str::<P>(&json).ok());
    let Some(props) = props else {
        web_sys::console::error_2(&"the island's props could not be read".into(), &element);
        return;
    };
    let state = view(props).hydrate_from_position::<true>(&element, Position::Current);
    // Kept for the page's life, as `#[island]` keeps it.
    std::mem::forget(state);
}
