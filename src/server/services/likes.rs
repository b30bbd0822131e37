//! Likes and views, written by group commit ([`super::group_commit`]).
//!
//! Every like and every view is a write; under load, those of many visitors
//! are applied and committed together. Each caller gets the post's counts as
//! they stood right after its own write, and the read cache holds the new
//! counts before anyone is answered.

use std::cmp::Ordering;

use super::group_commit::{GroupCommit, Write};
use crate::{
    domain::{Count, LikeState, Tag},
    error::AppError,
    server::{
        Visitor,
        cache::{Counts, ReadCache},
        db::Tx,
    },
};

/// The queue in front of the task that writes likes.
pub type LikeWriter = GroupCommit<Likes>;

/// The queue in front of the task that counts views.
pub type ViewWriter = GroupCommit<Views>;

/// Likes and unlikes, as one kind of grouped write.
#[derive(Debug)]
pub struct Likes;

/// One like or unlike waiting to be written.
pub struct Like {
    post_id: i64,
    visitor_id: String,
    liked: bool,
}

impl Write for Likes {
    type Job = Like;
    /// The post's counts after this job, or `None` if there is no such post.
    type Done = Option<Counts>;

    fn order(a: &Like, b: &Like) -> Ordering {
        a.post_id.cmp(&b.post_id)
    }

    /// On SQLite, in the process, statement by statement. On Postgres, where
    /// each statement is a round trip, the whole batch in one call of
    /// `bulletin_apply_likes` (`migrations/postgres`), which runs the same
    /// statements job by job.
    async fn apply(tx: &mut Tx, jobs: &[Like]) -> Result<Vec<Option<Counts>>, sqlx::Error> {
        let tx = match tx {
            Tx::Sqlite(tx) => {
                let mut done = Vec::with_capacity(jobs.len());
                for job in jobs {
                    let change = if job.liked {
                        // Only for a post that exists; a second like changes nothing.
                        "INSERT INTO post_likes (post_id, visitor_id) SELECT id, $2 FROM posts WHERE id = $1 \
                         ON CONFLICT (post_id, visitor_id) DO NOTHING"
                    } else {
                        "DELETE FROM post_likes WHERE post_id = $1 AND visitor_id = $2"
                    };
                    sqlx::query(change).bind(job.post_id).bind(&job.visitor_id).execute(&mut **tx).await?;
                    // Triggers keep `like_count` equal to the rows, within the statement.
                    let counts: Option<(i64, i64)> =
                        sqlx::query_as("SELECT like_count, view_count FROM posts WHERE id = $1")
                            .bind(job.post_id)
                            .fetch_optional(&mut **tx)
                            .await?;
                    done.push(counts.map(|(likes, views)| Counts { likes, views }));
                }
                return Ok(done);
            }
            Tx::Postgres(tx) => tx,
        };
        let posts: Vec<i64> = jobs.iter().map(|like| like.post_id).collect();
        let visitors: Vec<&str> = jobs.iter().map(|like| like.visitor_id.as_str()).collect();
        let liked: Vec<bool> = jobs.iter().map(|like| like.liked).collect();
        let rows = sqlx::query_as("SELECT job, likes, views FROM bulletin_apply_likes($1, $2, $3)")
            .bind(posts)
            .bind(visitors)
            .bind(liked)
            .fetch_all(&mut **tx)
            .await?;
        Ok(by_job(jobs.len(), rows))
    }

    fn changed(batch: &[(Like, Option<Counts>)]) -> Vec<Tag> {
        counted(batch.iter().map(|(like, counts)| (like.post_id, *counts)))
    }

    fn committed(cache: &ReadCache, batch: &[(Like, Option<Counts>)], seq: Option<i64>) {
        set_counts(cache, batch.iter().map(|(like, counts)| (like.post_id, *counts)), seq);
    }
}

/// Views, as one kind of grouped write: each job is one view of a post.
#[derive(Debug)]
pub struct Views;

impl Write for Views {
    /// The post viewed.
    type Job = i64;
    /// The post's counts after this view, or `None` if there is no such post.
    type Done = Option<Counts>;

    fn order(a: &i64, b: &i64) -> Ordering {
        a.cmp(b)
    }

    /// As for likes: statement by statement on SQLite, one call of
    /// `bulletin_apply_views` on Postgres.
    async fn apply(tx: &mut Tx, jobs: &[i64]) -> Result<Vec<Option<Counts>>, sqlx::Error> {
        let tx = match tx {
            Tx::Sqlite(tx) => {
                let mut done = Vec::with_capacity(jobs.len());
                for id in jobs {
                    let counts: Option<(i64, i64)> = sqlx::query_as(
                        "UPDATE posts SET view_count = view_count + 1 WHERE id = $1 RETURNING like_count, view_count",
                    )
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                    done.push(counts.map(|(likes, views)| Counts { likes, views }));
                }
                return Ok(done);
            }
            Tx::Postgres(tx) => tx,
        };
        let rows = sqlx::query_as("SELECT job, likes, views FROM bulletin_apply_views($1)")
            .bind(jobs)
            .fetch_all(&mut **tx)
            .await?;
        Ok(by_job(jobs.len(), rows))
    }

    fn changed(batch: &[(i64, Option<Counts>)]) -> Vec<Tag> {
        counted(batch.iter().map(|(id, counts)| (*id, *counts)))
    }

    fn committed(cache: &ReadCache, batch: &[(i64, Option<Counts>)], seq: Option<i64>) {
        set_counts(cache, batch.iter().map(|(id, counts)| (*id, *counts)), seq);
    }
}

/// Each of `jobs` jobs' counts from a batch function's rows (`job` counts
/// from 1; no row for a job on a post that does not exist).
fn by_job(jobs: usize, rows: Vec<(i32, i64, i64)>) -> Vec<Option<Counts>> {
    let mut counts = vec![None; jobs];
    for (job, likes, views) in rows {
        if let Some(slot) = usize::try_from(job - 1).ok().and_then(|at| counts.get_mut(at)) {
            *slot = Some(Counts { likes, views });
        }
    }
    counts
}

/// The counts a batch changed: one tag per post, for the posts that exist.
fn counted(changes: impl Iterator<Item = (i64, Option<Counts>)>) -> Vec<Tag> {
    let mut ids: Vec<i64> = changes.filter(|(_, counts)| counts.is_some()).map(|(id, _)| id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().map(Tag::Counts).collect()
}

/// Sets each post's counts as a committed batch (at feed position `seq`)
/// left them, in job order, so a post written twice in a batch ends with its
/// last job's counts. A job on a post that does not exist has none (and a
/// batch with only such jobs wrote no row to the feed).
fn set_counts(cache: &ReadCache, changes: impl Iterator<Item = (i64, Option<Counts>)>, seq: Option<i64>) {
    let Some(seq) = seq else {
        return;
    };
    for (id, counts) in changes {
        if let Some(counts) = counts {
            cache.counts_changed(id, counts, seq);
        }
    }
}

impl ViewWriter {
    /// Counts one view of post `id` and returns its counts once committed.
    /// 404 for a post that does not exist.
    pub async fn record(&self, id: i64) -> Result<Counts, AppError> {
        self.submit(id).await?.ok_or(AppError::NotFound)
    }
}

impl LikeWriter {
    /// Makes `visitor` like post `post_id` or not, as `liked` says, and
    /// returns the outcome once it is committed. 404 for a post that does
    /// not exist; 503 if the database is busy past its timeout.
    pub async fn set(&self, visitor: &Visitor, post_id: i64, liked: bool) -> Result<LikeState, AppError> {
        let like = Like { post_id, visitor_id: visitor.id().to_owned(), liked };
        let counts = self.submit(like).await?.ok_or(AppError::NotFound)?;
        Ok(LikeState { liked, like_count: Count::from(counts.likes), at: 0 })
    }
}
