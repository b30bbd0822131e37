//! Server functions for posts: the counterpart of a `'use server'` file.
//!
//! Each parses its input into domain types, asks `server::caller::Caller`
//! who is calling, calls a service, and lets the caller shape the answer:
//! data for the hydrated client, a 303 for a plain HTML form. The writes
//! that lead to another page are called through `PageClient`, which asks
//! for that page with the write: one round trip (`wire::page`).

use leptos::prelude::*;

use crate::{
    domain::{Count, LikeState, PostDetail, PostPage},
    error::AppError,
    ui::navigate::PageClient,
    wire::JsonAnswer,
};

/// One page of posts, newest first: those older than `before` when given.
#[server(endpoint = "list_posts", output = JsonAnswer)]
pub async fn list_posts(
    /// Only posts with a smaller id than this; the first page when absent.
    before: Option<i64>,
) -> Result<PostPage, AppError> {
    use crate::server::{caller::Caller, services::posts};

    let state = super::state()?;
    posts::list_page(state.store(), before, Caller::current()?.holes().as_ref()).await
}

/// `id` if it can name a post (ids start at 1); a 400 otherwise.
#[cfg(feature = "ssr")]
fn post_id(id: i64) -> Result<i64, AppError> {
    if id > 0 { Ok(id) } else { Err(AppError::BadRequest("a post id is a positive whole number".into())) }
}

/// One post, as the visitor asking sees it (whether they may edit it).
#[server(endpoint = "get_post", output = JsonAnswer)]
pub async fn get_post(
    /// The post's id.
    id: i64,
) -> Result<PostDetail, AppError> {
    use crate::server::{caller::Caller, services::posts};

    let state = super::state()?;
    let caller = Caller::current()?;
    posts::get(state.store(), &caller.visitor()?, post_id(id)?, caller.holes().as_ref()).await
}

/// Publishes a post by the calling visitor and returns its id.
#[server(endpoint = "create_post", output = JsonAnswer, client = PageClient)]
pub async fn create_post(
    /// The title as typed.
    title: String,
    /// The content as typed.
    content: String,
    /// The form's random submission key: the same key twice publishes once.
    submission: String,
) -> Result<i64, AppError> {
    use crate::{
        domain::{Flash, PostDraft, PostInput, SubmissionKey, paths},
        server::{caller::Caller, plain_form, services::posts},
    };

    let state = super::state()?;
    let caller = Caller::current()?;
    let result = async {
        let input = PostInput::parse(&title, &content)?;
        let key = SubmissionKey::parse(&submission)?;
        posts::create(state.store(), &caller.visitor()?, &key, &input).await
    }
    .await;
    plain_form::answer(
        &caller,
        &state,
        result,
        |id| (paths::post(*id), Some(Flash::Published)),
        paths::NEW_POST,
        |error| PostDraft::rejected(title, content, error),
    )
    .await
}

/// Replaces a post's title and content. Only its author may.
#[server(endpoint = "update_post", output = JsonAnswer, client = PageClient)]
pub async fn update_post(
    /// The post's id.
    id: i64,
    /// The new title as typed.
    title: String,
    /// The new content as typed.
    content: String,
) -> Result<(), AppError> {
    use crate::{
        domain::{Flash, PostDraft, PostInput, paths},
        server::{caller::Caller, plain_form, services::posts},
    };

    let state = super::state()?;
    let caller = Caller::current()?;
    let result = async {
        let input = PostInput::parse(&title, &content)?;
        posts::update(state.store(), &caller.visitor()?, post_id(id)?, &input).await
    }
    .await;
    plain_form::answer(
        &caller,
        &state,
        result,
        |()| (paths::post(id), Some(Flash::Updated)),
        &paths::edit_post(id),
        |error| PostDraft::rejected(title, content, error),
    )
    .await
}

/// Deletes a post. Only its author may.
///
/// The edit form's Delete button posts the whole form here (its own action,
/// like Next.js's `formAction`), so the typed title and content come along;
/// if the delete fails, a browser without JavaScript is sent back to the
/// edit form with them. From the post page's button they are absent.
#[server(endpoint = "delete_post", output = JsonAnswer, client = PageClient)]
pub async fn delete_post(
    /// The post's id.
    id: i64,
    /// The edit form's title field, when deleting from the edit form.
    title: Option<String>,
    /// The edit form's content field, when deleting from the edit form.
    content: Option<String>,
) -> Result<(), AppError> {
    use crate::{
        domain::{Flash, PostDraft, paths},
        server::{caller::Caller, plain_form, services::posts},
    };

    let state = super::state()?;
    let caller = Caller::current()?;
    let result = async { posts::delete(state.store(), &caller.visitor()?, post_id(id)?).await }.await;
    let from_edit_form = title.is_some() || content.is_some();
    let back_to = if from_edit_form { paths::edit_post(id) } else { paths::post(id) };
    plain_form::answer(
        &caller,
        &state,
        result,
        |()| (paths::HOME.to_owned(), Some(Flash::Deleted)),
        &back_to,
        |error| PostDraft::rejected(title.unwrap_or_default(), content.unwrap_or_default(), error),
    )
    .await
}

/// Makes the calling visitor like a post or not. Takes the state wanted,
/// not a toggle, so repeating a request (or overlapping ones) cannot flip it
/// the wrong way; returns the state and the new count.
#[server(endpoint = "set_like", output = JsonAnswer)]
pub async fn set_like(
    /// The post's id.
    id: i64,
    /// True to like the post, false to take the like back.
    liked: bool,
) -> Result<LikeState, AppError> {
    use crate::{
        domain::{PostDraft, paths},
        server::{caller::Caller, plain_form, services::posts},
    };

    let state = super::state()?;
    let caller = Caller::current()?;
    let result = async { posts::set_like(state.store(), &caller.visitor()?, post_id(id)?, liked).await }.await;
    plain_form::answer(
        &caller,
        &state,
        result,
        |_| (paths::post(id), None),
        &paths::post(id),
        |error| PostDraft::rejected(String::new(), String::new(), error),
    )
    .await
}

/// Counts one view of a post and returns the new count. The post page calls
/// it from an effect, so only pages that run in a browser count.
#[server(endpoint = "record_view", output = JsonAnswer)]
pub async fn record_view(
    /// The post's id.
    id: i64,
) -> Result<Count, AppError> {
    use crate::server::services::posts;

    let state = super::state()?;
    posts::record_view(state.store(), post_id(id)?).await
}
