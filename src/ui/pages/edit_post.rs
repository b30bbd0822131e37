//! `/posts/{id}/edit`: the form that changes or deletes a post.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;

use crate::{
    api::posts::{DeletePost, UpdatePost},
    domain::{Flash, PostDetail, PostDraft, paths},
    error::AppError,
    ui::{
        components::{ErrorAlert, ErrorPage, PostFields, PostFormState, SubmitPostButton, alert_of},
        navigate,
        pages::loaders::{RoutedPost, load_draft, routed_id_untracked},
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
            ..PostDraft::default()
        });
        view! {
            <Title text="Edit post" />
            <h1>"Edit post"</h1>
            <EditPostForm id=post.id draft />
        }
        .into_any()
    };
    view! { <RoutedPost shown /> }
}

/// The edit form: Save goes to `update_post`, and Delete, a button in the
/// same form, to `delete_post` (its own action: `formaction` without
/// JavaScript, a dispatch from its click handler with). On success the
/// island shows the post (or, after a delete, the list) with the flash.
#[island(lazy)]
fn EditPostForm(
    /// The post.
    id: i64,
    /// The values, messages and alert to start from.
    draft: PostDraft,
) -> impl IntoView {
    let update = ServerAction::<UpdatePost>::new();
    let delete = ServerAction::<DeletePost>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate::go(paths::HOME, Some(Flash::Deleted));
        } else if let Some(Ok(())) = update.value().get() {
            navigate::go(&paths::post(id), Some(Flash::Updated));
        }
    });

    let (saving, deleting) = (update.pending(), delete.pending());
    let busy = Signal::derive(move || saving.get() || deleting.get());
    let PostDraft { title, content, errors: draft_errors, alert: draft_alert } = draft;
    let form = PostFormState::new();
    let errors = form.errors(move || update.value().get(), draft_errors);
    // The latest failure of either action, else the one the server kept.
    let alert = move || {
        let answered = update.value().with(Option::is_some) || delete.value().with(Option::is_some);
        alert_of(delete.value().get())
            .or_else(|| alert_of(update.value().get()))
            .or_else(|| if answered { None } else { draft_alert.clone() })
    };

    view! {
        <ActionForm action=update attr:class="post-form" attr:aria-label="Edit post" attr:aria-busy=move || busy.get().to_string()>
            {move || alert().map(|error| view! { <ErrorAlert error /> })}
            <input type="hidden" name="id" value=id />
            <PostFields form title content errors />
            <div class="actions">
                <SubmitPostButton form label="Save" pending_label="Saving…" pending=saving busy />
                <button
                    type="submit"
                    class="danger"
                    formaction=DeletePost::url()
                    disabled=busy
                    on:click=move |ev| {
                        ev.prevent_default();
                        delete.dispatch(DeletePost { id, title: None, content: None });
                    }
                >
                    {move || if deleting.get() { "Deleting…" } else { "Delete" }}
                </button>
            </div>
        </ActionForm>
    }
}
