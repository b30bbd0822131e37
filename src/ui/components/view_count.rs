//! The view count on a post's page, which counts the view it shows.

use leptos::{prelude::*, task::spawn_local};
use serde::{Deserialize, Serialize};

use crate::{
    api::posts::record_view,
    error::AppError,
    ui::{components::ErrorAlert, island::island},
};

/// "N views". In the browser the island counts this page view as soon as
/// it starts (the counterpart of a `useEffect` on mount) and then shows the
/// count the server answered with, this view included. Pages read without
/// JavaScript never run it, so they count no views. An island
/// (`ui::island`).
#[component]
pub fn ViewCount(
    /// The post.
    id: i64,
    /// The count the page was rendered with.
    views: i64,
) -> impl IntoView {
    view_count(Props { id, views })
}

/// What the browser starts a view count from.
#[derive(Clone, Copy, Serialize, Deserialize)]
struct Props {
    id: i64,
    views: i64,
}

fn view_count(props: Props) -> impl IntoView {
    island("ViewCount", props, move || body(props))
}

/// Browser: starts the view count the server rendered into `element`.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = ViewCount)]
pub fn hydrate_view_count(element: web_sys::HtmlElement) {
    crate::ui::island::hydrate(element, view_count);
}

fn body(Props { id, views }: Props) -> impl IntoView {
    let count = RwSignal::new(views);
    let failed = RwSignal::new(None::<AppError>);
    // Effects run only in the browser, once the island is hydrated.
    Effect::new(move |_| {
        spawn_local(async move {
            match record_view(id).await {
                Ok(views) => {
                    count.try_set(views);
                }
                Err(error) => {
                    failed.try_set(Some(error));
                }
            }
        });
    });
    view! {
        <span class="views">{move || format!("{} views", count.get())}</span>
        {move || failed.get().map(|error| view! { <ErrorAlert error /> })}
    }
}
