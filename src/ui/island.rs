//! Islands with props, declared by one macro and read without serde_json in
//! the browser.
//!
//! `#[island]` writes an island's props into `data-props` as JSON and reads
//! them back in the browser with serde_json, which was the largest part of
//! the client that our own code pulled in (docs/ARCHITECTURE.md, "What the
//! client is made of"). [`island_with_props!`] declares an island that
//! writes the very same markup, and reads its props with [`crate::wire`]
//! instead. [`island`] and [`hydrate`] do what `#[island]`'s expansion does
//! (leptos_macro's `component.rs`): the same `<leptos-island>` element, a
//! new reactive owner in hydration mode around the island's view, and
//! hydration from the element's children. The test below renders an island
//! both ways and compares the markup, so a Leptos upgrade that changes the
//! expansion fails a unit test (the Leptos crates this depends on are
//! pinned in Cargo.toml for that reason).
//!
//! Islands without props stay `#[island]` (they read nothing); the post
//! forms stay `#[island(lazy)]`, whose code, and serde_json with it, only the
//! pages with a form load.

use leptos::{
    prelude::*,
    reactive::owner::Owner,
    tachys::{html::islands::Island, reactive_graph::OwnedView},
};
use serde::Serialize;

/// Declares an island with props: one item, written like a `#[component]`
/// whose parameters are its props,
///
/// ```text
/// island_with_props! {
///     /// What it is.
///     pub fn LikeButton(
///         /// The post.
///         id: i64,
///     ) -> impl IntoView {
///         view! { … }
///     }
/// }
/// ```
///
/// It makes the component `LikeButton` (used as `<LikeButton id=7 />`), the
/// props the server writes into `data-props`, and, in the browser, the
/// export `LikeButton` that the page's script calls to hydrate it. The
/// island's name is the component's, written once, so the export and the
/// element cannot disagree; two islands of one name fail to link.
macro_rules! island_with_props {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident(
            $( $(#[$prop_attr:meta])* $prop:ident : $ty:ty ),* $(,)?
        ) -> impl IntoView $body:block
    ) => {
        $(#[$attr])*
        #[::leptos::component]
        $vis fn $name( $( $(#[$prop_attr])* $prop: $ty ),* ) -> impl ::leptos::IntoView {
            $name::view($name::Props { $($prop),* })
        }

        // The island's parts, under its name in the type namespace, where
        // they stand beside the component without clashing with it.
        #[doc(hidden)]
        #[allow(non_snake_case, missing_docs)]
        $vis mod $name {
            #[allow(unused_imports)]
            use super::*;

            /// What the server writes into `data-props`, and the browser
            /// starts the island from.
            #[derive(::serde::Serialize, ::serde::Deserialize)]
            pub struct Props {
                $( pub $prop: $ty ),*
            }

            /// The island, around its body.
            pub fn view(props: Props) -> impl ::leptos::IntoView {
                $crate::ui::island::island(::core::stringify!($name), props, __body)
            }

            fn __body(Props { $($prop),* }: Props) -> impl ::leptos::IntoView $body

            /// Browser: starts the island the server rendered into
            /// `element`.
            #[cfg(feature = "hydrate")]
            #[::wasm_bindgen::prelude::wasm_bindgen(js_name = $name)]
            pub fn hydrate(element: ::web_sys::HtmlElement) {
                $crate::ui::island::hydrate(element, view);
            }
        }
    };
}
pub(crate) use island_with_props;

/// The island `name`: `body(props)`'s view inside
/// `<leptos-island data-component="{name}" data-props="{props as JSON}">`,
/// rendered on the server. In the browser the export `name` calls
/// [`hydrate`] with the function that calls this one.
pub fn island<P: Serialize + 'static, V: IntoView + 'static>(
    name: &'static str,
    props: P,
    body: fn(P) -> V,
) -> impl IntoView {
    // The browser never writes the props: it hydrates what the server wrote.
    #[cfg(feature = "ssr")]
    let written = crate::wire::to_string(&props).unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let written = String::new();
    let view = untrack(|| Owner::new().with(|| Owner::with_hydration(move || OwnedView::new(body(props)))));
    Island::new(name, view).with_props(written)
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

/// One island's body, declared both ways; their markup must be the same
/// but for the name, which `#[island]` suffixes with a hash of its source.
#[cfg(all(test, feature = "ssr"))]
#[allow(dead_code, reason = "#[island] also makes the browser's export, which no test calls")]
mod tests {
    use leptos::prelude::*;
    use serde::{Deserialize, Serialize};

    /// A prop of every shape the real islands take.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Shape {
        count: i64,
        label: Option<String>,
    }

    fn body(id: i64, text: String, shape: Option<Shape>) -> impl IntoView {
        let count = RwSignal::new(id);
        view! {
            <form method="post" aria-busy=move || (count.get() > 1).to_string()>
                <input type="hidden" name="id" value=id />
                <button type="submit" on:click=move |_| count.update(|count| *count += 1)>{text}</button>
                <span>{move || format!("{} shown", count.get())}</span>
            </form>
            {shape.and_then(|shape| shape.label).map(|label| view! { <p>{label}</p> })}
        }
    }

    island_with_props! {
        /// Ours.
        fn Ours(
            /// An id.
            id: i64,
            /// Text with every character that needs escaping.
            text: String,
            /// A structure, or nothing.
            shape: Option<Shape>,
        ) -> impl IntoView {
            body(id, text, shape)
        }
    }

    /// Leptos's.
    #[island]
    fn Theirs(id: i64, text: String, shape: Option<Shape>) -> impl IntoView {
        body(id, text, shape)
    }

    #[test]
    fn an_island_with_props_is_written_as_island_writes_it() {
        let text = "\"quoted\" <tag> & 'apostrophe' ✓".to_owned();
        let shapes = [None, Some(Shape { count: -3, label: Some("<b>&amp;</b>".into()) })];
        for shape in shapes {
            let (text, other) = (text.clone(), shape.clone());
            let ours = Owner::new().with(|| view! { <Ours id=7 text=text.clone() shape=shape /> }.to_html());
            let theirs = Owner::new().with(|| view! { <Theirs id=7 text=text shape=other /> }.to_html());
            let name = theirs.split('"').nth(1).expect("a data-component");
            assert!(name.starts_with("Theirs_"), "{theirs}");
            assert!(ours.starts_with("<leptos-island data-component=\"Ours\" data-props=\""), "{ours}");
            assert_eq!(ours, theirs.replacen(name, "Ours", 1));
        }
    }
}
