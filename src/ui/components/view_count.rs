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
    /// count the server answered with, this view included, and then the counts
    /// the live stream brings (`ui::live`). Pages read without
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
    let shown = NodeRef::<leptos::html::Span>::new();
    // Views only grow: of two reports, the larger is the newer.
    #[cfg(not(feature = "ssr"))]
    crate::ui::live::on_live_counts(
        id,
        move || shown.get_untracked().is_some_and(|shown| shown.is_connected()),
        move |live| count.update(|count| *count = count.newer(Count::from(live.views))),
    );
    // Effects run only in the browser, once the island is hydrated.
    Effect::new(move |_| {
        spawn_local(async move {
            match record_view(id).await {
                Ok(views) => {
                    // A live report may have come first.
                    #[cfg(not(feature = "ssr"))]
                    count.try_update(|count| *count = count.newer(views));
                    #[cfg(feature = "ssr")]
                    count.try_set(views);
                }
                Err(error) => {
                    failed.try_set(Some(error));
                }
            }
        });
    });
    view! {
        <span class="views" node_ref=shown>{move || format!("{} views", count.get())}</span>
        {move || failed.get().map(|error| view! { <ErrorAlert error /> })}
    }
}
