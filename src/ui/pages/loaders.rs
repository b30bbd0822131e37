//! What more than one page loads: the post the route names, and the draft
//! the server kept for a form.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api::posts::get_post,
    domain::{PostDetail, PostDraft, paths},
    error::AppError,
    ui::components::ErrorPage,
};

/// The post the route's `:id` names, once read: what `shown` makes of it,
/// or the error page for the error (404 for an unknown or malformed id).
/// The routes render in `Async` mode, so the server waits for the post and
/// the fallback is never sent.
#[component]
pub fn RoutedPost<F>(
    /// The page for the post.
    shown: F,
) -> impl IntoView
where
    F: Fn(PostDetail) -> AnyView + Clone + Send + Sync + 'static,
{
    let post = use_routed_post();
    view! {
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading the post…"</p> }>
            {move || {
                let shown = shown.clone();
                Suspend::new(async move {
                    match post.await {
                        Ok(post) => shown(post),
                        Err(error) => view! { <ErrorPage error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The post whose id is the route's `:id`, read through `get_post` while
/// the page renders. A malformed id is `NotFound` without asking.
fn use_routed_post() -> Resource<Result<PostDetail, AppError>> {
    let params = use_params_map();
    Resource::new(
        move || params.read().get("id").as_deref().and_then(paths::parse_post_id),
        |id| async move {
            match id {
                Some(id) => get_post(id).await,
                None => Err(AppError::NotFound),
            }
        },
    )
}

/// The route's `:id`, read once.
pub fn routed_id_untracked() -> Option<i64> {
    use_params_map().with_untracked(|params| params.get("id").as_deref().and_then(paths::parse_post_id))
}

/// The draft a rejected plain-form post left for the form on `page`, read
/// (and cleared) by the render; it goes to the form's island as a prop.
pub fn load_draft(page: &str) -> Option<PostDraft> {
    crate::ui::bridge::draft(page)
}
