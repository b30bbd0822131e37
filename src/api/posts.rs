//! Server functions for posts.

use leptos::prelude::*;

use crate::{domain::PostPage, error::AppError};

/// One page of posts, newest first: those older than `before` when given.
#[server(endpoint = "list_posts")]
pub async fn list_posts(
    /// Only posts with a smaller id than this; the first page when absent.
    before: Option<i64>,
) -> Result<PostPage, AppError> {
    use crate::server::services::posts;

    let state = super::state()?;
    posts::list_page(&state.db, before).await
}
