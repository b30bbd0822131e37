//! What more than one page loads: the post the route names, and the draft
//! the server kept for a form.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api::posts::get_post,
    domain::{PostDetail, PostDraft, paths},
    error::AppError,
    ui::revalidate::{Revalidator, Tag},
};

/// The post whose id is the route's `:id`, fetched through `get_post` and
/// fetched again when its tag is revalidated. A malformed id is `NotFound`
/// without asking the server.
pub fn use_routed_post() -> Resource<Result<PostDetail, AppError>> {
    let params = use_params_map();
    let revalidator = Revalidator::expect();
    Resource::new(
        move || routed_id(params).map(|id| (id, revalidator.track(Tag::Post(id)))),
        |key| async move {
            match key {
                Some((id, _)) => get_post(id).await,
                None => Err(AppError::NotFound),
            }
        },
    )
}

/// The route's `:id`, read without tracking: for event handlers and for
/// what a page decides once, when it is created.
pub fn routed_id_untracked() -> Option<i64> {
    use_params_map().with_untracked(|params| params.get("id").as_deref().and_then(paths::parse_post_id))
}

fn routed_id(params: Memo<leptos_router::params::ParamsMap>) -> Option<i64> {
    params.read().get("id").as_deref().and_then(paths::parse_post_id)
}

/// The draft a rejected plain-form post left for the form on `page`: read
/// (and cleared) by the server render and carried into hydration, so both
/// sides render the same form. `None` for a page built in the browser.
pub fn load_draft(page: &str) -> Option<PostDraft> {
    SharedValue::new(|| crate::ui::bridge::draft(page)).into_inner()
}
