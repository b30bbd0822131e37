//! `/posts/new`: the form that publishes a post.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::posts::CreatePost,
    domain::{Flash, PostDraft, paths},
    ui::{
        components::{ErrorAlert, PostFields, PostFormState, SubmitPostButton, alert_of, new_submission_key},
        navigate,
        pages::loaders::load_draft,
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
        <NewPostForm draft submission />
    }
}

/// A form whose action is the `create_post` server function. With
/// JavaScript it checks the fields, submits with `fetch` and shows the new
/// post without a page load; without, the browser posts it and follows the
/// server's 303.
#[island(lazy)]
fn NewPostForm(
    /// The values, messages and alert to start from.
    draft: PostDraft,
    /// The form's submission key.
    submission: String,
) -> impl IntoView {
    let PostDraft { title, content, errors: draft_errors, alert: draft_alert } = draft;
    let action = ServerAction::<CreatePost>::new();
    let pending = action.pending();
    let form = PostFormState::new();
    let errors = form.errors(move || action.value().get(), draft_errors);
    let alert = move || alert_of(action.value().get()).or_else(|| draft_alert.clone());
    Effect::new(move |_| {
        if let Some(Ok(id)) = action.value().get() {
            navigate::go(&paths::post(id), Some(Flash::Published));
        }
    });

    view! {
        <ActionForm action attr:class="post-form" attr:aria-label="New post" attr:aria-busy=move || pending.get().to_string()>
            {move || alert().map(|error| view! { <ErrorAlert error /> })}
            <input type="hidden" name="submission" value=submission />
            <PostFields form title content errors />
            <div class="actions">
                <SubmitPostButton form label="Publish" pending_label="Publishing…" pending busy=pending />
            </div>
        </ActionForm>
    }
}
