//! The Delete button on a post's page.

use leptos::prelude::*;

use crate::api::posts::DeletePost;

/// A one-button form that deletes post `id` through the `action` it is
/// given (the page owns the action and reacts to its result). Works as a
/// plain form without JavaScript.
#[component]
pub fn DeletePostButton(
    /// The page's delete action.
    action: ServerAction<DeletePost>,
    /// The post to delete.
    id: i64,
) -> impl IntoView {
    let pending = action.pending();
    view! {
        <ActionForm action attr:class="inline-form" attr:aria-busy=move || pending.get().to_string()>
            <input type="hidden" name="id" value=id />
            <button type="submit" class="danger" disabled=pending>
                {move || if pending.get() { "Deleting…" } else { "Delete" }}
            </button>
        </ActionForm>
    }
}
