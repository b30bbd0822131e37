//! `/`: the newest posts.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::posts::list_posts,
    ui::components::{ErrorAlert, PostList, answer_with_status_of},
};

/// Where the page's script says that posts were published since the page
/// was served (`ui/client.js`, from the live stream): a status line,
/// announced once, and a button that shows them, floating over the list so
/// nothing moves under the reader's eyes. Both stay empty and hidden
/// without JavaScript.
#[component]
fn NewPostsNotice() -> impl IntoView {
    view! {
        <div class="new-posts">
            <p class="visually-hidden" aria-live="polite"></p>
            <button type="button" class="new-posts-button" hidden></button>
        </div>
    }
}

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
        // Newer posts are only ever above the first page.
        {move || before().is_none().then(|| view! { <NewPostsNotice /> })}
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
