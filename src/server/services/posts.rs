//! Reading and writing posts.

use std::collections::HashMap;

use sqlx::FromRow;

use super::{
    Store,
    images::{self, Prepared},
};
use crate::{
    domain::{
        Count, ImageAlt, LikeState, PostDetail, PostImage, PostInput, PostPage, PostSummary, SubmissionKey, Tag,
        excerpt, post::PAGE_SIZE,
    },
    error::AppError,
    server::{
        Visitor,
        cache::{CachedPost, Counts, holes::Holes},
        db::{Db, Tx, either},
        error::db_error,
    },
};

/// The names of a post's image file and thumbnail, as stored.
type FileNames = (Option<String>, Option<String>);

/// The columns of a post's image, as the queries below name them.
const IMAGE_COLUMNS: &str = "image, image_thumb, image_alt, image_width, image_height";

/// A post's image columns. Server-only: it never crosses the wire.
#[derive(FromRow)]
struct ImageColumns {
    image: Option<String>,
    image_thumb: Option<String>,
    image_alt: Option<String>,
    image_width: Option<i64>,
    image_height: Option<i64>,
}

impl ImageColumns {
    /// The image, when the post has one.
    fn image(self) -> Option<PostImage> {
        let ImageColumns { image, image_thumb, image_alt, image_width, image_height } = self;
        Some(PostImage {
            name: image?,
            thumb: image_thumb?,
            alt: image_alt.unwrap_or_default(),
            width: u32::try_from(image_width?).ok()?,
            height: u32::try_from(image_height?).ok()?,
        })
    }
}

/// A row of the list query. Server-only: it never crosses the wire.
#[derive(FromRow)]
struct SummaryRow {
    id: i64,
    title: String,
    content: String,
    like_count: i64,
    view_count: i64,
    #[sqlx(flatten)]
    image: ImageColumns,
}

/// A row of the post query. Server-only: it never crosses the wire.
#[derive(FromRow)]
struct PostRow {
    id: i64,
    title: String,
    content: String,
    author_id: String,
    #[sqlx(flatten)]
    image: ImageColumns,
}

impl From<PostRow> for CachedPost {
    fn from(row: PostRow) -> Self {
        let PostRow { id, title, content, author_id, image } = row;
        CachedPost { id, title, content, author_id, image: image.image() }
    }
}

/// One page of posts, newest first, older than `before` when given, with
/// the counts as they stand; or, for a render with `holes` (a page to
/// keep), with a placeholder for each count.
pub async fn list_page(store: Store<'_>, before: Option<i64>, holes: Option<&Holes>) -> Result<PostPage, AppError> {
    let Some(mut page) = store.cache.page(before) else {
        let ticket = store.cache.ticket(Tag::Posts);
        let page = read_page(store.db, before).await?;
        store.cache.store_page(before, &page, ticket);
        return Ok(match holes {
            Some(holes) => holes.punch_page(page),
            None => page,
        });
    };
    if let Some(holes) = holes {
        return Ok(holes.punch_page(page));
    }
    // The cached page's text, with the counts of now.
    let counts = counts(store, page.posts.iter().map(|post| post.id)).await?;
    for post in &mut page.posts {
        if let Some(counts) = counts.get(&post.id) {
            post.like_count = Count::from(counts.likes);
            post.view_count = Count::from(counts.views);
        }
    }
    Ok(page)
}

/// The counts of posts `ids` as they stand (a post that does not exist has
/// none): from the cache, which every write that changes them sets before
/// it is answered, and from the database for those it does not hold.
pub async fn counts(store: Store<'_>, ids: impl IntoIterator<Item = i64>) -> Result<HashMap<i64, Counts>, AppError> {
    let mut found = HashMap::new();
    let mut missing = Vec::new();
    for (id, counts) in store.cache.counts(ids) {
        match counts {
            Some(counts) => {
                found.insert(id, counts);
            }
            None => missing.push(id),
        }
    }
    if missing.is_empty() {
        return Ok(found);
    }
    missing.sort_unstable();
    missing.dedup();
    let tickets: Vec<_> = missing.iter().map(|id| store.cache.ticket(Tag::Counts(*id))).collect();
    let rows: Vec<(i64, i64, i64)> = match store.db {
        Db::Sqlite(pool) => {
            let ids = missing.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            sqlx::query_as("SELECT id, like_count, view_count FROM posts WHERE id IN (SELECT value FROM json_each($1))")
                .bind(format!("[{ids}]"))
                .fetch_all(pool)
                .await
        }
        Db::Postgres(pool) => {
            sqlx::query_as("SELECT id, like_count, view_count FROM posts WHERE id = ANY($1)")
                .bind(&missing)
                .fetch_all(pool)
                .await
        }
    }
    .map_err(db_error)?;
    for (id, likes, views) in rows {
        let counts = Counts { likes, views };
        if let Ok(at) = missing.binary_search(&id) {
            store.cache.store_counts(id, counts, tickets[at]);
        }
        found.insert(id, counts);
    }
    Ok(found)
}

async fn read_page(db: &Db, before: Option<i64>) -> Result<PostPage, AppError> {
    // One row more than a page tells whether an older page exists.
    let statement = format!(
        "SELECT id, title, content, like_count, view_count, {IMAGE_COLUMNS} FROM posts \
         WHERE id < $1 ORDER BY id DESC LIMIT $2"
    );
    let mut rows: Vec<SummaryRow> = either!(Db, db, |pool| {
        sqlx::query_as(&statement).bind(before.unwrap_or(i64::MAX)).bind(i64::from(PAGE_SIZE) + 1).fetch_all(pool).await
    })
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
            like_count: Count::from(row.like_count),
            view_count: Count::from(row.view_count),
            image: row.image.image(),
        })
        .collect();
    Ok(PostPage { posts, next_before })
}

/// Post `id`'s text and author, from the cache or the database; `None`
/// if there is no such post.
async fn text(store: Store<'_>, id: i64) -> Result<Option<CachedPost>, AppError> {
    if let Some(post) = store.cache.post(id) {
        return Ok(Some(post));
    }
    let ticket = store.cache.ticket(Tag::Post(id));
    let statement = format!("SELECT id, title, content, author_id, {IMAGE_COLUMNS} FROM posts WHERE id = $1");
    let row: Option<PostRow> =
        either!(Db, store.db, |pool| { sqlx::query_as(&statement).bind(id).fetch_optional(pool).await })
            .map_err(db_error)?;
    let post = row.map(CachedPost::from);
    if let Some(post) = &post {
        store.cache.store_post(post, ticket);
    }
    Ok(post)
}

/// Whether `visitor` likes post `id`: theirs alone, so never cached. A new
/// visitor (no cookie yet) likes nothing, and costs no query.
async fn likes(store: Store<'_>, visitor: &Visitor, is_new: bool, id: i64) -> Result<bool, AppError> {
    if is_new {
        return Ok(false);
    }
    either!(Db, store.db, |pool| {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM post_likes WHERE post_id = $1 AND visitor_id = $2)")
            .bind(id)
            .bind(visitor.id())
            .fetch_one(pool)
            .await
    })
    .map_err(db_error)
}

/// What of post `id` is `visitor`'s own: whether they like it and whether
/// they wrote it; `None` if there is no such post.
pub async fn viewer(
    store: Store<'_>,
    visitor: &Visitor,
    is_new: bool,
    id: i64,
) -> Result<Option<(bool, bool)>, AppError> {
    let Some(post) = text(store, id).await? else {
        return Ok(None);
    };
    Ok(Some((likes(store, visitor, is_new, id).await?, post.author_id == visitor.id())))
}

/// The post `id` as `visitor` sees it, or `NotFound`; for a render with
/// `holes` (a page to keep), with a placeholder for each count.
pub async fn get(store: Store<'_>, visitor: &Visitor, id: i64, holes: Option<&Holes>) -> Result<PostDetail, AppError> {
    let post = text(store, id).await?.ok_or(AppError::NotFound)?;
    let liked = likes(store, visitor, false, id).await?;
    // Deleted since its text was read: as good as never found.
    let counts = counts(store, [id]).await?.get(&id).copied().ok_or(AppError::NotFound)?;
    let post = PostDetail {
        is_author: post.author_id == visitor.id(),
        liked,
        id: post.id,
        title: post.title,
        content: post.content,
        like_count: Count::from(counts.likes),
        view_count: Count::from(counts.views),
        image: post.image,
    };
    Ok(match holes {
        Some(holes) => holes.punch_post(post),
        None => post,
    })
}

/// Publishes `input` as a post by `author`, with `image` and its
/// description if given, and returns its id, once committed (by group
/// commit: see [`super::publishing`]). Idempotent per submission key.
pub async fn create(
    store: Store<'_>,
    author: &Visitor,
    key: &SubmissionKey,
    input: &PostInput,
    image: Option<(Prepared, ImageAlt)>,
) -> Result<i64, AppError> {
    store.publishing.publish(author, key, input, image).await
}

/// The image of post `id`, if `editor` may change the post (404 when
/// there is no such post, 403 when it is someone else's): asked before a
/// save's new image is decoded, so nobody makes the server decode images
/// for a post they cannot change. The write checks authorship again.
pub async fn editable_image(store: Store<'_>, editor: &Visitor, id: i64) -> Result<Option<PostImage>, AppError> {
    let post = text(store, id).await?.ok_or(AppError::NotFound)?;
    if post.author_id != editor.id() {
        return Err(AppError::Forbidden);
    }
    Ok(post.image)
}

/// What a save does to a post's image.
#[derive(Debug)]
pub enum ImageChange {
    /// Keeps the image, if any, with this description (`None`: as it is).
    Keep(Option<ImageAlt>),
    /// Puts this image, with its description, in place of any.
    Replace(Prepared, ImageAlt),
    /// Drops the image.
    Remove,
}

/// Replaces the title and content of post `id`, and changes its image as
/// `image` says, if `editor` wrote it. A file the post no longer shows is
/// deleted in the same transaction.
pub async fn update(
    store: Store<'_>,
    editor: &Visitor,
    id: i64,
    input: &PostInput,
    image: ImageChange,
) -> Result<(), AppError> {
    // The author check and the write are one statement, so a post cannot
    // change hands between them.
    let _turn = store.writes.turn().await;
    let mut tx = store.db.begin_write().await.map_err(db_error)?;
    // The files it shows now, locked against another instance's save; not
    // needed when the image stays.
    let shown = if matches!(image, ImageChange::Keep(_)) {
        None
    } else {
        let lock = match store.db {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => " FOR UPDATE",
        };
        let read = format!("SELECT image, image_thumb FROM posts WHERE id = $1 AND author_id = $2{lock}");
        let shown: Result<Option<FileNames>, sqlx::Error> = either!(Tx, &mut tx, |tx| {
            sqlx::query_as(&read).bind(id).bind(editor.id()).fetch_optional(&mut **tx).await
        });
        shown.map_err(db_error)?
    };
    // The same statement, but for how each backend writes the time now.
    let now = match store.db {
        Db::Sqlite(_) => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        Db::Postgres(_) => "now()",
    };
    let statement = format!(
        "UPDATE posts SET title = $1, content = $2, updated_at = {now}, \
         image = CASE WHEN $5 THEN $6 ELSE image END, \
         image_thumb = CASE WHEN $5 THEN $7 ELSE image_thumb END, \
         image_width = CASE WHEN $5 THEN $8 ELSE image_width END, \
         image_height = CASE WHEN $5 THEN $9 ELSE image_height END, \
         image_alt = CASE WHEN $5 THEN $10 WHEN image IS NULL THEN NULL ELSE COALESCE($10, image_alt) END \
         WHERE id = $3 AND author_id = $4"
    );
    let (set, new, alt) = match &image {
        ImageChange::Keep(alt) => (false, None, alt.as_ref()),
        ImageChange::Replace(prepared, alt) => (true, Some(prepared), Some(alt)),
        ImageChange::Remove => (true, None, None),
    };
    let changed = either!(Tx, &mut tx, |tx| {
        sqlx::query(&statement)
            .bind(input.title.as_str())
            .bind(input.content.as_str())
            .bind(id)
            .bind(editor.id())
            .bind(set)
            .bind(new.map(|image| image.full.name.as_str()))
            .bind(new.map(|image| image.thumb.name.as_str()))
            .bind(new.map(|image| i64::from(image.full.width)))
            .bind(new.map(|image| i64::from(image.full.height)))
            .bind(alt.map(ImageAlt::as_str))
            .execute(&mut **tx)
            .await
            .map(|done| done.rows_affected())
    });
    if let (Ok(1), Some((old_image, old_thumb))) = (&changed, shown)
        && set
    {
        if let Some(new) = new {
            images::insert(&mut tx, new).await.map_err(db_error)?;
        }
        let old: Vec<String> = old_image.into_iter().chain(old_thumb).collect();
        images::delete(&mut tx, &old).await.map_err(db_error)?;
    }
    guarded_write(store, id, tx, changed).await
}

/// Deletes post `id`, and its image's files, if `editor` wrote it.
pub async fn delete(store: Store<'_>, editor: &Visitor, id: i64) -> Result<(), AppError> {
    let _turn = store.writes.turn().await;
    let mut tx = store.db.begin_write().await.map_err(db_error)?;
    let deleted: Result<Option<FileNames>, sqlx::Error> = either!(Tx, &mut tx, |tx| {
        sqlx::query_as("DELETE FROM posts WHERE id = $1 AND author_id = $2 RETURNING image, image_thumb")
            .bind(id)
            .bind(editor.id())
            .fetch_optional(&mut **tx)
            .await
    });
    let changed = match deleted {
        Ok(Some((image, thumb))) => {
            let files: Vec<String> = image.into_iter().chain(thumb).collect();
            images::delete(&mut tx, &files).await.map_err(db_error)?;
            Ok(1)
        }
        Ok(None) => Ok(0),
        Err(err) => Err(err),
    };
    guarded_write(store, id, tx, changed).await
}

/// Finishes a write to post `id` guarded by authorship, which `changed`
/// rows in `tx`: done (with the feed's row for it, and revalidated) when it
/// touched the row; otherwise nothing is written, and the post is gone
/// (404) or belongs to someone else (403). The caller holds the write
/// gate's turn.
async fn guarded_write(
    store: Store<'_>,
    id: i64,
    mut tx: Tx,
    changed: Result<u64, sqlx::Error>,
) -> Result<(), AppError> {
    if changed.map_err(db_error)? == 1 {
        let tags = [Tag::Posts, Tag::Post(id)];
        let seq = store.feed.record(&mut tx, tags).await.map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        store.feed.wrote(seq);
        store.cache.revalidate(tags);
        return Ok(());
    }
    let exists = either!(Tx, &mut tx, |tx| {
        sqlx::query_scalar::<_, i64>("SELECT id FROM posts WHERE id = $1").bind(id).fetch_optional(&mut **tx).await
    });
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
    let mut state = store.likes.set(visitor, id, liked).await?;
    // At or past this like's own row: what this instance has written.
    state.at = store.feed.written();
    Ok(state)
}

/// Counts one view of post `id` and returns the new count (by group
/// commit: see [`super::likes`]).
pub async fn record_view(store: Store<'_>, id: i64) -> Result<Count, AppError> {
    Ok(Count::from(store.views.record(id).await?.views))
}
