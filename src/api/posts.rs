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

/// The field of the post forms that carries the image file. It is not an
/// argument of the functions below: the form guard reads it beside their
/// fields and hands it over in the request (`server::upload`).
pub const IMAGE_FIELD: &str = "image";

/// The image the form carried, made ready to store: decoded and encoded
/// again (`services::images`); a file over the limit is a message in the
/// form.
#[cfg(feature = "ssr")]
async fn prepare_image(
    state: &crate::server::AppState,
    upload: crate::server::upload::Upload,
) -> Result<crate::server::services::images::Prepared, AppError> {
    use crate::{
        domain::{PostFieldErrors, validation::image_size_message},
        server::upload::Upload,
    };

    match upload {
        Upload::File(bytes) => state.images.prepare(bytes).await,
        Upload::TooLarge => Err(AppError::Invalid(PostFieldErrors {
            image: Some(image_size_message(state.config.security.max_upload_bytes as u64)),
            ..Default::default()
        })),
    }
}

/// `errors` of the form's text fields, with the image's own message when
/// the file was over the limit: said at once, not after the text is fixed.
#[cfg(feature = "ssr")]
fn with_size_of(
    mut errors: crate::domain::PostFieldErrors,
    upload: Option<&crate::server::upload::Upload>,
    state: &crate::server::AppState,
) -> crate::domain::PostFieldErrors {
    if matches!(upload, Some(crate::server::upload::Upload::TooLarge)) {
        let limit = state.config.security.max_upload_bytes as u64;
        errors.image = Some(crate::domain::validation::image_size_message(limit));
    }
    errors
}

/// Publishes a post by the calling visitor, with the image the form
/// carried if any, and returns its id.
#[server(endpoint = "create_post", output = JsonAnswer, client = PageClient)]
pub async fn create_post(
    /// The title as typed.
    title: String,
    /// The content as typed.
    content: String,
    /// The form's random submission key: the same key twice publishes once.
    submission: String,
    /// The image's description as typed (required with an image).
    image_alt: Option<String>,
) -> Result<i64, AppError> {
    use crate::{
        domain::{Flash, PostDraft, SubmissionKey, paths, validation::parse_post_form},
        server::{caller::Caller, plain_form, services::posts},
    };

    let state = super::state()?;
    let caller = Caller::current()?;
    let upload = caller.upload();
    let sent_image = upload.is_some();
    let image_alt = image_alt.unwrap_or_default();
    let result = async {
        let (input, alt) = parse_post_form(&title, &content, &image_alt, sent_image)
            .map_err(|errors| with_size_of(errors, upload.as_ref(), &state))?;
        let key = SubmissionKey::parse(&submission)?;
        let image = match (upload, alt) {
            (Some(upload), Some(alt)) => Some((prepare_image(&state, upload).await?, alt)),
            _ => None,
        };
        posts::create(state.store(), &caller.visitor()?, &key, &input, image).await
    }
    .await;
    plain_form::answer(
        &caller,
        &state,
        result,
        |id| (paths::post(*id), Some(Flash::Published)),
        paths::NEW_POST,
        |error| PostDraft::rejected(title, content, error).with_image(image_alt, sent_image),
    )
    .await
}

/// Replaces a post's title and content, and its image as the form says:
/// a new file replaces it, `remove_image` drops it, and otherwise it stays
/// with the description as typed. Only its author may.
#[server(endpoint = "update_post", output = JsonAnswer, client = PageClient)]
pub async fn update_post(
    /// The post's id.
    id: i64,
    /// The new title as typed.
    title: String,
    /// The new content as typed.
    content: String,
    /// The image's description as typed (required while there is an image).
    image_alt: Option<String>,
    /// Present (a ticked checkbox) to drop the image.
    remove_image: Option<String>,
) -> Result<(), AppError> {
    use crate::{
        domain::{Flash, PostDraft, paths, validation::parse_post_form},
        server::{
            caller::Caller,
            plain_form,
            services::posts::{self, ImageChange},
        },
    };

    let state = super::state()?;
    let caller = Caller::current()?;
    let upload = caller.upload();
    let sent_image = upload.is_some();
    let image_alt = image_alt.unwrap_or_default();
    let result = async {
        let id = post_id(id)?;
        let remove = remove_image.is_some();
        let editor = caller.visitor()?;
        let keeps = !remove && posts::editable_image(state.store(), &editor, id).await?.is_some();
        let (input, alt) = parse_post_form(&title, &content, &image_alt, sent_image || keeps)
            .map_err(|errors| with_size_of(errors, upload.as_ref(), &state))?;
        let change = match (upload, alt) {
            (Some(upload), Some(alt)) => ImageChange::Replace(prepare_image(&state, upload).await?, alt),
            _ if remove => ImageChange::Remove,
            (_, alt) => ImageChange::Keep(alt),
        };
        posts::update(state.store(), &editor, id, &input, change).await
    }
    .await;
    plain_form::answer(
        &caller,
        &state,
        result,
        |()| (paths::post(id), Some(Flash::Updated)),
        &paths::edit_post(id),
        |error| PostDraft::rejected(title, content, error).with_image(image_alt, sent_image),
    )
    .await
}

/// Deletes a post, and its image. Only its author may.
///
/// The edit form's Delete button posts the whole form here (its own action,
/// like Next.js's `formAction`), so the typed fields come along (a chosen
/// file too, which is read and dropped); if the delete fails, a browser
/// without JavaScript is sent back to the edit form with them. From the
/// post page's button they are absent.
#[server(endpoint = "delete_post", output = JsonAnswer, client = PageClient)]
pub async fn delete_post(
    /// The post's id.
    id: i64,
    /// The edit form's title field, when deleting from the edit form.
    title: Option<String>,
    /// The edit form's content field, when deleting from the edit form.
    content: Option<String>,
    /// The edit form's image description, when deleting from the edit form.
    image_alt: Option<String>,
    /// The edit form's "Remove image" box, when deleting from the edit
    /// form: ignored.
    remove_image: Option<String>,
) -> Result<(), AppError> {
    use crate::{
        domain::{Flash, PostDraft, paths},
        server::{caller::Caller, plain_form, services::posts},
    };

    let _ = remove_image;
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
        |error| {
            PostDraft::rejected(title.unwrap_or_default(), content.unwrap_or_default(), error)
                .with_image(image_alt.unwrap_or_default(), false)
        },
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
