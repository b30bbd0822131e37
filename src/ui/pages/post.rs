//! `/posts/{id}`: one post.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    domain::{LikeState, PostDetail, paths},
    error::AppError,
    ui::{
        components::{DeletePostButton, ErrorAlert, LikeButton, ViewCount},
        pages::loaders::{RoutedPost, load_draft, routed_id_untracked},
        shortcuts::ShortcutHint,
    },
};

/// The post's title as the page heading, its content as text with its line
/// breaks, its counts, and, for its author, Edit and Delete. An unknown or
/// malformed id is the 404 page. The page is server HTML; the like button,
/// the view count and the delete button are islands.
#[component]
pub fn PostPage() -> impl IntoView {
    // A delete that failed without JavaScript comes back here with its error.
    let alert = routed_id_untracked().and_then(|id| load_draft(&paths::post(id))).and_then(|draft| draft.alert);

    view! { <RoutedPost shown=move |post| view! { <PostView post alert=alert.clone() /> }.into_any() /> }
}

#[component]
fn PostView(post: PostDetail, alert: Option<AppError>) -> impl IntoView {
    let id = post.id;
    let initial = LikeState { liked: post.liked, like_count: post.like_count, at: 0 };
    view! {
        <Title text=post.title.clone() />
        <article class="post" data-post=id>
            <h1>{post.title}</h1>
            {alert.map(|error| view! { <ErrorAlert error /> })}
            {post
                .image
                .map(|image| {
                    view! {
                        <figure class="post-image">
                            <img src=paths::image(&image.name) alt=image.alt width=image.width height=image.height />
                        </figure>
                    }
                })}
            <div class="post-content">{post.content}</div>
            <div class="counts">
                <LikeButton id initial />
                <ViewCount id views=post.view_count />
            </div>
            {post
                .is_author
                .then(|| {
                    view! {
                        <div class="author-actions">
                            <a class="button-link" href=paths::edit_post(id)>
                                "Edit"
                            </a>
                            <DeletePostButton id />
                        </div>
                    }
                })}
            <ShortcutHint key="l" does="like or unlike" />
        </article>
    }
}
