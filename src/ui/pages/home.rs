//! `/`: the newest posts.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::posts::list_posts,
    ui::{
        components::{ErrorAlert, PostList, answer_with_status_of},
        revalidate::{Revalidator, Tag},
    },
};

/// Lists posts newest first, one page at a time (`/?before={id}` for older
/// pages). Rendered on the server from the database and hydrated with the
/// same data, so the client does not fetch it again.
#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    // A malformed cursor is treated as no cursor: the first page.
    let before = move || query.read().get("before").and_then(|value| value.parse::<i64>().ok());
    let revalidator = Revalidator::expect();
    let page = Resource::new(move || (before(), revalidator.track(Tag::Posts)), |(before, _)| list_posts(before));

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
