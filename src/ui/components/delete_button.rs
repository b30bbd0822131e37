//! The Delete button on a post's page.

use leptos::prelude::*;

use crate::{
    api::posts::DeletePost,
    domain::{Flash, paths},
    ui::{
        components::{ErrorAlert, alert_of},
        navigate,
    },
};

/// A one-button form that deletes post `id`. Without JavaScript the browser
/// posts it and follows the server's 303 to the list (or back here, with the
/// error). With it, `ActionForm` sends it with `fetch`, the button says
/// "Deleting…" meanwhile, and on success the list is shown with the flash.
#[island(lazy)]
pub fn DeletePostButton(
    /// The post to delete.
    id: i64,
) -> impl IntoView {
    let action = ServerAction::<DeletePost>::new();
    let pending = action.pending();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            navigate::go(paths::HOME, Some(Flash::Deleted));
        }
    });
    view! {
        <ActionForm action attr:class="inline-form" attr:aria-busy=move || pending.get().to_string()>
            <input type="hidden" name="id" value=id />
            <button type="submit" class="danger" disabled=pending>
                {move || if pending.get() { "Deleting…" } else { "Delete" }}
            </button>
        </ActionForm>
        {move || alert_of(action.value().get()).map(|error| view! { <ErrorAlert error /> })}
    }
}
