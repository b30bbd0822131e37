//! `/posts/{id}/edit`: the form that changes or deletes a post.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;

use crate::{
    api::posts::{DeletePost, UpdatePost},
    domain::{Flash, PostDetail, PostDraft, PostImage, paths},
    error::AppError,
    ui::{
        bridge,
        components::{
            ErrorAlert, ErrorPage, ImageFields, PostFields, PostFormState, SubmitPostButton, UploadProgress, alert_of,
        },
        navigate,
        pages::loaders::{RoutedPost, load_draft, routed_id_untracked},
        upload::Upload,
    },
};

/// Loads the post and, for its author, shows the edit form; anyone else
/// gets the 403 page (and the server functions refuse them anyway).
#[component]
pub fn EditPostPage() -> impl IntoView {
    let draft = routed_id_untracked().and_then(|id| load_draft(&paths::edit_post(id)));
    let shown = move |post: PostDetail| {
        if !post.is_author {
            return view! { <ErrorPage error=AppError::Forbidden /> }.into_any();
        }
        let draft = draft.clone().unwrap_or_else(|| PostDraft {
            title: post.title,
            content: post.content,
            image_alt: post.image.as_ref().map(|image| image.alt.clone()).unwrap_or_default(),
            ..PostDraft::default()
        });
        let has_image = post.image.is_some();
        view! {
            <Title text="Edit post" />
            <h1>"Edit post"</h1>
            {post.image.map(|image| view! { <CurrentImage image /> })}
            <EditPostForm id=post.id draft has_image max_image_bytes=bridge::max_image_bytes() />
        }
        .into_any()
    };
    view! { <RoutedPost shown /> }
}

/// The post's image as it is, above the form that may replace or remove
/// it: rendered on the server only.
#[component]
fn CurrentImage(image: PostImage) -> impl IntoView {
    let (width, height) = image.thumb_size();
    view! {
        <figure class="current-image">
            <img src=paths::image(&image.thumb) alt=image.alt width=width height=height />
            <figcaption>"The post's image now"</figcaption>
        </figure>
    }
}

/// The edit form: Save goes to `update_post` (with a new image, if one is
/// chosen, and its upload's progress: [`Upload`]), and Delete, a button in
/// the same form, to `delete_post` (its own action: `formaction` without
/// JavaScript, a dispatch from its click handler with). On success the
/// island shows the post (or, after a delete, the list) with the flash.
#[island(lazy)]
fn EditPostForm(
    /// The post.
    id: i64,
    /// The values, messages and alert to start from.
    draft: PostDraft,
    /// Whether the post has an image now.
    has_image: bool,
    /// The largest image the server accepts.
    max_image_bytes: u64,
) -> impl IntoView {
    let update = Upload::new();
    let delete = ServerAction::<DeletePost>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate::go(paths::HOME, Some(Flash::Deleted));
        } else if let Some(Ok(())) = update.value::<()>() {
            navigate::go(&paths::post(id), Some(Flash::Updated));
        }
    });

    let (saving, deleting) = (update.pending(), delete.pending());
    let busy = Signal::derive(move || saving.get() || deleting.get());
    let PostDraft { title, content, image_alt, errors: draft_errors, alert: draft_alert } = draft;
    let form = PostFormState::new(has_image, max_image_bytes);
    let errors = form.errors(move || update.value::<()>(), draft_errors);
    // The latest failure of either action, else the one the server kept.
    let alert = move || {
        let answered = update.value::<()>().is_some() || delete.value().with(Option::is_some);
        alert_of(delete.value().get())
            .or_else(|| alert_of(update.value::<()>()))
            .or_else(|| if answered { None } else { draft_alert.clone() })
    };

    view! {
        <form
            method="post"
            action=UpdatePost::url()
            enctype="multipart/form-data"
            class="post-form"
            aria-label="Edit post"
            aria-busy=move || busy.get().to_string()
            on:submit=move |ev| update.submit(ev)
        >
            {move || alert().map(|error| view! { <ErrorAlert error /> })}
            <input type="hidden" name="id" value=id />
            <PostFields form title content errors />
            <ImageFields form alt=image_alt errors />
            <UploadProgress upload=update />
            <div class="actions">
                <SubmitPostButton form label="Save" pending_label="Saving…" pending=saving busy />
                <button
                    type="submit"
                    class="danger"
                    formaction=DeletePost::url()
                    disabled=busy
                    on:click=move |ev| {
                        ev.prevent_default();
                        delete.dispatch(DeletePost { id, title: None, content: None, image_alt: None, remove_image: None });
                    }
                >
                    {move || if deleting.get() { "Deleting…" } else { "Delete" }}
                </button>
            </div>
        </form>
    }
}
