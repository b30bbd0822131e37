//! `/posts/{id}`: one post.

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::{
    api::posts::{DeletePost, record_view},
    domain::{Flash, LikeState, PostDetail, paths},
    error::AppError,
    ui::{
        components::{DeletePostButton, ErrorAlert, ErrorPage, LikeButton},
        flash::FlashMessages,
        pages::loaders::{load_draft, routed_id_untracked, use_routed_post},
        revalidate::{Revalidator, Tag},
        shortcuts::ShortcutHint,
    },
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
    let failed_view = RwSignal::new(None::<AppError>);
    let alert = Signal::derive(move || match delete.value().get() {
        Some(Err(error)) => Some(error),
        Some(Ok(())) => None,
        None => failed_view.get().or_else(|| draft_alert.clone()),
    });

    // A view is counted from the browser once the post has loaded, once per
    // post shown (the counterpart of a `useEffect` on mount). Pages rendered
    // without JavaScript never run this, so they count no views.
    let views = RwSignal::new(None::<i64>);
    Effect::new(move |counted: Option<Option<i64>>| {
        let loaded = post.with(|post| post.as_ref().and_then(|post| post.as_ref().ok()).map(|post| post.id));
        let counted = counted.flatten();
        if let Some(id) = loaded.filter(|id| counted != Some(*id)) {
            spawn_local(async move {
                match record_view(id).await {
                    Ok(count) => {
                        views.try_set(Some(count));
                    }
                    Err(error) => {
                        failed_view.try_set(Some(error));
                    }
                }
            });
            return Some(id);
        }
        counted
    });

    view! {
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading the post…"</p> }>
            {move || Suspend::new(async move {
                match post.await {
                    Ok(post) => view! { <PostView post delete alert views /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PostView(
    post: PostDetail,
    delete: ServerAction<DeletePost>,
    alert: Signal<Option<AppError>>,
    /// The view count after this page view was counted.
    views: RwSignal<Option<i64>>,
) -> impl IntoView {
    let id = post.id;
    let initial = LikeState { liked: post.liked, like_count: post.like_count };
    let view_count = post.view_count;
    view! {
        <Title text=post.title.clone() />
        <article class="post">
            <h1>{post.title}</h1>
            {move || alert.get().map(|error| view! { <ErrorAlert error /> })}
            <div class="post-content">{post.content}</div>
            <div class="counts">
                <LikeButton id initial />
                <span class="views">{move || format!("{} views", views.get().unwrap_or(view_count))}</span>
            </div>
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
            <ShortcutHint key="l" does="like or unlike" />
        </article>
    }
}
