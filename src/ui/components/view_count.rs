//! The view count on a post's page, which counts the view it shows.

use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::posts::record_view,
    domain::Count,
    error::AppError,
    ui::{components::ErrorAlert, island::island_with_props},
};

island_with_props! {
    /// "N views". In the browser the island counts this page view as soon as
    /// it starts (the counterpart of a `useEffect` on mount) and then shows the
    /// count the server answered with, this view included. Pages read without
    /// JavaScript never run it, so they count no views. An island
    /// (`ui::island`).
    pub fn ViewCount(
        /// The post.
        id: i64,
        /// The count the page was rendered with.
        views: Count,
    ) -> impl IntoView {
        view_count(id, views)
    }
}

fn view_count(id: i64, views: Count) -> impl IntoView {
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
