//! `/posts/{id}`: one post.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::{
    api::posts::DeletePost,
    components::{DeletePostButton, ErrorAlert, ErrorPage},
    domain::{Flash, PostDetail},
    error::AppError,
    flash::FlashMessages,
    pages::loaders::{load_draft, routed_id_untracked, use_routed_post},
    paths,
    revalidate::{Revalidator, Tag},
};

/// The post's title as the page heading, its content as text with its line
/// breaks, its counts, and, for its author, Edit and Delete. An unknown or
/// malformed id is the 404 page.
#[component]
pub fn PostPage() -> impl IntoView {
    let post = use_routed_post();
    // A delete that failed without JavaScript comes back here with its error.
    let draft_alert = routed_id_untracked().and_then(|id| load_draft(&paths::post(id))).and_then(|draft| draft.alert);

    // The page owns the delete action and hands it to the button.
    let delete = ServerAction::<DeletePost>::new();
    let revalidator = Revalidator::expect();
    let flash = FlashMessages::expect();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            // Only the lists: the post itself is gone, and nothing should
            // fetch it again.
            revalidator.revalidate([Tag::Posts]);
            flash.show(Flash::Deleted, paths::HOME.to_owned());
            navigate(paths::HOME, Default::default());
        }
    });
    let alert = Signal::derive(move || match delete.value().get() {
        Some(Err(error)) => Some(error),
        Some(Ok(())) => None,
        None => draft_alert.clone(),
    });

    view! {
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading the post…"</p> }>
            {move || Suspend::new(async move {
                match post.await {
                    Ok(post) => view! { <PostView post delete alert /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PostView(post: PostDetail, delete: ServerAction<DeletePost>, alert: Signal<Option<AppError>>) -> impl IntoView {
    let id = post.id;
    view! {
        <Title text=post.title.clone() />
        <article class="post">
            <h1>{post.title}</h1>
            {move || alert.get().map(|error| view! { <ErrorAlert error /> })}
            <div class="post-content">{post.content}</div>
            <p class="counts">
                <span class="likes">{format!("{} likes", post.like_count)}</span>
                <span class="views">{format!("{} views", post.view_count)}</span>
            </p>
            {post
                .is_author
                .then(|| {
                    view! {
                        <div class="author-actions">
                            <a class="button-link" href=paths::edit_post(id)>
                                "Edit"
                            </a>
                            <DeletePostButton action=delete id />
                        </div>
                    }
                })}
        </article>
    }
}
