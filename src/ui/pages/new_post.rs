//! `/posts/new`: the form that publishes a post.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::{
    api::posts::CreatePost,
    domain::{Flash, PostDraft, paths},
    ui::{
        components::{ErrorAlert, PostFields, PostFormState, SubmitPostButton, alert_of, new_submission_key},
        flash::FlashMessages,
        pages::loaders::load_draft,
        revalidate::{Revalidator, Tag},
    },
};

/// A form whose action is the `create_post` server function. With
/// JavaScript it submits with `fetch` and navigates on the client; without,
/// the browser posts it and follows the server's 303.
#[component]
pub fn NewPostPage() -> impl IntoView {
    let PostDraft { title, content, errors: draft_errors, alert: draft_alert } =
        load_draft(paths::NEW_POST).unwrap_or_default();
    // The key that makes this form's submissions idempotent: made once on
    // the server and carried into hydration, so both sides render the same.
    let submission = SharedValue::new(new_submission_key).into_inner();

    let action = ServerAction::<CreatePost>::new();
    let pending = action.pending();
    let form = PostFormState::new();
    let errors = form.errors(move || action.value().get(), draft_errors);
    let alert = move || alert_of(action.value().get()).or_else(|| draft_alert.clone());

    let revalidator = Revalidator::expect();
    let flash = FlashMessages::expect();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = action.value().get() {
            revalidator.revalidate([Tag::Posts, Tag::Post(id)]);
            flash.show(Flash::Published, paths::post(id));
            navigate(&paths::post(id), Default::default());
        }
    });

    view! {
        <Title text="New post" />
        <h1>"New post"</h1>
        <ActionForm action attr:class="post-form" attr:aria-busy=move || pending.get().to_string()>
            {move || alert().map(|error| view! { <ErrorAlert error /> })}
            <input type="hidden" name="submission" value=submission />
            <PostFields form title content errors />
            <div class="actions">
                <SubmitPostButton form label="Publish" pending_label="Publishing…" pending busy=pending />
            </div>
        </ActionForm>
    }
}
