//! Reading and writing posts.

use sqlx::{FromRow, SqlitePool};

use super::Store;
use crate::{
    domain::{LikeState, PostDetail, PostInput, PostPage, PostSummary, SubmissionKey, Tag, excerpt, post::PAGE_SIZE},
    error::AppError,
    server::{Visitor, cache::CachedPost, error::db_error},
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

/// A row of the post query. Server-only: it never crosses the wire.
#[derive(FromRow)]
struct PostRow {
    id: i64,
    title: String,
    content: String,
    like_count: i64,
    view_count: i64,
    author_id: String,
}

impl From<PostRow> for CachedPost {
    fn from(row: PostRow) -> Self {
        let PostRow { id, title, content, like_count, view_count, author_id } = row;
        CachedPost { id, title, content, like_count, view_count, author_id }
    }
}

/// One page of posts, newest first, older than `before` when given.
pub async fn list_page(store: Store<'_>, before: Option<i64>) -> Result<PostPage, AppError> {
    if let Some(page) = store.cache.page(before) {
        return Ok(page);
    }
    let ticket = store.cache.ticket(Tag::Posts);
    let page = read_page(store.db, before).await?;
    store.cache.store_page(before, &page, ticket);
    Ok(page)
}

async fn read_page(db: &SqlitePool, before: Option<i64>) -> Result<PostPage, AppError> {
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

/// The post `id` as `visitor` sees it, or `NotFound`.
pub async fn get(store: Store<'_>, visitor: &Visitor, id: i64) -> Result<PostDetail, AppError> {
    let post = match store.cache.post(id) {
        Some(post) => post,
        None => {
            let ticket = store.cache.ticket(Tag::Post(id));
            let row: PostRow =
                sqlx::query_as("SELECT id, title, content, like_count, view_count, author_id FROM posts WHERE id = ?1")
                    .bind(id)
                    .fetch_optional(store.db)
                    .await
                    .map_err(db_error)?
                    .ok_or(AppError::NotFound)?;
            let post = CachedPost::from(row);
            store.cache.store_post(&post, ticket);
            post
        }
    };
    // Whether this visitor likes it is theirs alone: never cached.
    let liked: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM post_likes WHERE post_id = ?1 AND visitor_id = ?2)")
            .bind(id)
            .bind(visitor.id())
            .fetch_one(store.db)
            .await
            .map_err(db_error)?;
    Ok(PostDetail {
        is_author: post.author_id == visitor.id(),
        liked,
        id: post.id,
        title: post.title,
        content: post.content,
        like_count: post.like_count,
        view_count: post.view_count,
    })
}

/// Publishes `input` as a post by `author` and returns its id.
///
/// Idempotent per submission: a second call with the same `key` from the
/// same author writes nothing and returns the first post's id, so a double
/// click or a retried request publishes one post.
pub async fn create(
    store: Store<'_>,
    author: &Visitor,
    key: &SubmissionKey,
    input: &PostInput,
) -> Result<i64, AppError> {
    let _turn = store.writes.turn().await;
    let id = insert(store.db, author, key, input).await?;
    store.cache.revalidate([Tag::Posts]);
    Ok(id)
}

async fn insert(db: &SqlitePool, author: &Visitor, key: &SubmissionKey, input: &PostInput) -> Result<i64, AppError> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO posts (title, content, author_id, submission_key) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (author_id, submission_key) DO NOTHING RETURNING id",
    )
    .bind(input.title.as_str())
    .bind(input.content.as_str())
    .bind(author.id())
    .bind(key.as_str())
    .fetch_optional(db)
    .await
    .map_err(db_error)?;
    if let Some(id) = inserted {
        return Ok(id);
    }
    sqlx::query_scalar("SELECT id FROM posts WHERE author_id = ?1 AND submission_key = ?2")
        .bind(author.id())
        .bind(key.as_str())
        .fetch_optional(db)
        .await
        .map_err(db_error)?
        // The first post was deleted between the two statements; the key is
        // free again, but this attempt lost the race. Ask for a retry.
        .ok_or(AppError::Unavailable)
}

/// Replaces the title and content of post `id`, if `editor` wrote it.
pub async fn update(store: Store<'_>, editor: &Visitor, id: i64, input: &PostInput) -> Result<(), AppError> {
    // The author check and the write are one statement, so a post cannot
    // change hands between them.
    let _turn = store.writes.turn().await;
    let result = sqlx::query(
        "UPDATE posts SET title = ?1, content = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
         WHERE id = ?3 AND author_id = ?4",
    )
    .bind(input.title.as_str())
    .bind(input.content.as_str())
    .bind(id)
    .bind(editor.id())
    .execute(store.db)
    .await;
    guarded_write(store, id, result).await
}

/// Deletes post `id`, if `editor` wrote it.
pub async fn delete(store: Store<'_>, editor: &Visitor, id: i64) -> Result<(), AppError> {
    let _turn = store.writes.turn().await;
    let result = sqlx::query("DELETE FROM posts WHERE id = ?1 AND author_id = ?2")
        .bind(id)
        .bind(editor.id())
        .execute(store.db)
        .await;
    guarded_write(store, id, result).await
}

/// The outcome of a write to post `id` guarded by authorship: done (and
/// revalidated) when it touched the row; otherwise the post is gone (404)
/// or belongs to someone else (403).
async fn guarded_write(
    store: Store<'_>,
    id: i64,
    result: Result<sqlx::sqlite::SqliteQueryResult, sqlx::Error>,
) -> Result<(), AppError> {
    if result.map_err(db_error)?.rows_affected() == 1 {
        store.cache.revalidate([Tag::Posts, Tag::Post(id)]);
        return Ok(());
    }
    let exists =
        sqlx::query_scalar::<_, i64>("SELECT 1 FROM posts WHERE id = ?1").bind(id).fetch_optional(store.db).await;
    Err(match exists {
        Ok(Some(_)) => AppError::Forbidden,
        Ok(None) => AppError::NotFound,
        Err(err) => db_error(err),
    })
}

/// Makes `visitor` like post `id` (`liked`) or not, and returns the result.
///
/// Idempotent: asking for the state the visitor is already in changes
/// nothing. The count follows the `post_likes` rows through triggers in the
/// same statement, so N visitors liking at once count exactly N.
pub async fn set_like(store: Store<'_>, visitor: &Visitor, id: i64, liked: bool) -> Result<LikeState, AppError> {
    // Through the group-commit writer: see `services::likes`.
    store.likes.set(visitor, id, liked).await
}

/// Counts one view of post `id` and returns the new count.
pub async fn record_view(store: Store<'_>, id: i64) -> Result<i64, AppError> {
    let _turn = store.writes.turn().await;
    let count = sqlx::query_scalar("UPDATE posts SET view_count = view_count + 1 WHERE id = ?1 RETURNING view_count")
        .bind(id)
        .fetch_optional(store.db)
        .await
        .map_err(db_error)?
        .ok_or(AppError::NotFound)?;
    store.cache.revalidate([Tag::Counts(id)]);
    Ok(count)
}
