//! `/posts/{id}/edit`: the form that changes or deletes a post.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::{
    api::posts::{DeletePost, UpdatePost},
    domain::{Flash, PostDetail, PostDraft, paths},
    error::AppError,
    ui::{
        components::{ErrorAlert, ErrorPage, PostFields, PostFormState, SubmitPostButton, alert_of},
        flash::FlashMessages,
        pages::loaders::{load_draft, routed_id_untracked, use_routed_post},
        revalidate::{Revalidator, Tag},
    },
};

/// Loads the post and, for its author, shows the edit form; anyone else
/// gets the 403 page (and the server functions refuse them anyway).
#[component]
pub fn EditPostPage() -> impl IntoView {
    let post = use_routed_post();
    let draft = routed_id_untracked().and_then(|id| load_draft(&paths::edit_post(id)));

    // The page owns both actions and hands them to the form. The page, not
    // the form, reacts to their results: revalidating the post re-renders
    // the form, and a form-owned effect would then see the same success again.
    let update = ServerAction::<UpdatePost>::new();
    let delete = ServerAction::<DeletePost>::new();
    let revalidator = Revalidator::expect();
    let flash = FlashMessages::expect();
    let navigate = use_navigate();
    Effect::new(move |_| {
        let saved = matches!(update.value().get(), Some(Ok(())));
        let deleted = matches!(delete.value().get(), Some(Ok(())));
        let (Some(id), true) = (routed_id_untracked(), saved || deleted) else {
            return;
        };
        let (tags, message, to) = if deleted {
            // The post is gone: only the lists change, and nothing should
            // fetch the post again.
            (vec![Tag::Posts], Flash::Deleted, paths::HOME.to_owned())
        } else {
            (vec![Tag::Posts, Tag::Post(id)], Flash::Updated, paths::post(id))
        };
        revalidator.revalidate(tags);
        flash.show(message, to.clone());
        navigate(&to, Default::default());
    });

    view! {
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading the post…"</p> }>
            {move || {
                let draft = draft.clone();
                Suspend::new(async move {
                    match post.await {
                        Ok(post) if post.is_author => view! { <EditPostForm post draft update delete /> }.into_any(),
                        Ok(_) => view! { <ErrorPage error=AppError::Forbidden /> }.into_any(),
                        Err(error) => view! { <ErrorPage error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The edit form: Save goes to `update_post`, and Delete, a button in the
/// same form, to `delete_post` (its own action: `formaction` without
/// JavaScript, a dispatch from its click handler with).
#[component]
fn EditPostForm(
    post: PostDetail,
    draft: Option<PostDraft>,
    update: ServerAction<UpdatePost>,
    delete: ServerAction<DeletePost>,
) -> impl IntoView {
    let id = post.id;
    let (saving, deleting) = (update.pending(), delete.pending());
    let busy = Signal::derive(move || saving.get() || deleting.get());
    let PostDraft { title, content, errors: draft_errors, alert: draft_alert } =
        draft.unwrap_or_else(|| PostDraft { title: post.title, content: post.content, ..PostDraft::default() });
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
        <Title text="Edit post" />
        <h1>"Edit post"</h1>
        <ActionForm action=update attr:class="post-form" attr:aria-busy=move || busy.get().to_string()>
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
