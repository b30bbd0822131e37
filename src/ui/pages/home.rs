//! `/`: the newest posts.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::posts::list_posts,
    ui::components::{ErrorAlert, PostList, answer_with_status_of},
};

/// Lists posts newest first, one page at a time (`/?before={id}` for older
/// pages). Rendered on the server only: the page carries no copy of the
/// posts as data, and only the list's continuation is an island.
#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    // A malformed cursor is treated as no cursor: the first page.
    let before = move || query.read().get("before").and_then(|value| value.parse::<i64>().ok());
    let page = Resource::new(before, list_posts);

    view! {
        <Title text="Latest posts" />
        <h1>"Latest posts"</h1>
        <Suspense fallback=|| {
            view! { <p aria-busy="true">"Loading posts…"</p> }
        }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <PostList page /> }.into_any(),
                    Err(error) => {
                        answer_with_status_of(&error);
                        view! { <ErrorAlert error /> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
