//! `/posts/new`: the form that publishes a post.

use leptos::prelude::*;
use leptos_meta::Title;

use leptos::server_fn::ServerFn;

use crate::{
    api::posts::CreatePost,
    domain::{Flash, PostDraft, paths},
    ui::{
        bridge,
        components::{
            ErrorAlert, ImageFields, PostFields, PostFormState, SubmitPostButton, UploadProgress, alert_of,
            new_submission_key,
        },
        navigate,
        pages::loaders::load_draft,
        upload::Upload,
    },
};

/// The page: a heading and the form, with what a rejected plain-form post
/// left behind.
#[component]
pub fn NewPostPage() -> impl IntoView {
    let draft = load_draft(paths::NEW_POST).unwrap_or_default();
    // The key that makes this form's submissions idempotent, made once per
    // page by the server.
    let submission = new_submission_key();
    view! {
        <Title text="New post" />
        <h1>"New post"</h1>
        <NewPostForm draft submission max_image_bytes=bridge::max_image_bytes() />
    }
}

/// A form whose action is the `create_post` server function, with an
/// optional image. With JavaScript it checks the fields (and the file's
/// type and size), sends the form with its upload's progress
/// ([`Upload`]) and shows the new post without a page load; without, the
/// browser posts it (`multipart/form-data`) and follows the server's 303.
#[island(lazy)]
fn NewPostForm(
    /// The values, messages and alert to start from.
    draft: PostDraft,
    /// The form's submission key.
    submission: String,
    /// The largest image the server accepts.
    max_image_bytes: u64,
) -> impl IntoView {
    let PostDraft { title, content, image_alt, errors: draft_errors, alert: draft_alert } = draft;
    let upload = Upload::new();
    let pending = upload.pending();
    let form = PostFormState::new(false, max_image_bytes);
    let errors = form.errors(move || upload.value::<i64>(), draft_errors);
    let alert = move || alert_of(upload.value::<i64>()).or_else(|| draft_alert.clone());
    Effect::new(move |_| {
        if let Some(Ok(id)) = upload.value::<i64>() {
            navigate::go(&paths::post(id), Some(Flash::Published));
        }
    });

    view! {
        <form
            method="post"
            action=CreatePost::url()
            enctype="multipart/form-data"
            class="post-form"
            aria-label="New post"
            aria-busy=move || pending.get().to_string()
            on:submit=move |ev| upload.submit(ev)
        >
            {move || alert().map(|error| view! { <ErrorAlert error /> })}
            <input type="hidden" name="submission" value=submission />
            <PostFields form title content errors />
            <ImageFields form alt=image_alt errors />
            <UploadProgress upload />
            <div class="actions">
                <SubmitPostButton form label="Publish" pending_label="Publishing…" pending busy=pending />
            </div>
        </form>
    }
}
