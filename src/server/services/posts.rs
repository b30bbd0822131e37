//! Reading and writing posts.

use sqlx::{FromRow, SqlitePool};

use crate::{
    domain::{PostPage, PostSummary, excerpt, post::PAGE_SIZE},
    error::AppError,
    server::db_error,
};

/// A row of the list query. Server-only: it never crosses the wire.
#[derive(FromRow)]
struct SummaryRow {
    id: i64,
    title: String,
    content: String,
    like_count: i64,
    view_count: i64,
}

/// One page of posts, newest first, older than `before` when given.
pub async fn list_page(db: &SqlitePool, before: Option<i64>) -> Result<PostPage, AppError> {
    // One row more than a page tells whether an older page exists.
    let mut rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT id, title, content, like_count, view_count FROM posts \
         WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
    )
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(PAGE_SIZE) + 1)
    .fetch_all(db)
    .await
    .map_err(db_error)?;

    let has_more = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    let next_before = if has_more { rows.last().map(|row| row.id) } else { None };
    let posts = rows
        .into_iter()
        .map(|row| PostSummary {
            id: row.id,
            title: row.title,
            excerpt: excerpt(&row.content),
            like_count: row.like_count,
            view_count: row.view_count,
        })
        .collect();
    Ok(PostPage { posts, next_before })
}
