//! Likes, written by group commit.
//!
//! Every like is a write, and SQLite lets one writer in at a time. Taken
//! one by one, each like would hold the write lock over a transaction of
//! its own while the others wait in SQLite's busy handler, which sleeps
//! between tries. Instead one task, the [`LikeWriter`], takes every like
//! waiting in its queue, applies them in order in one `IMMEDIATE`
//! transaction, commits once, revalidates the read cache, and only then
//! answers each caller.
//!
//! What holds:
//! - an answered like is committed, and every read that starts after the
//!   answer sees it (commit, then revalidate, then answer);
//! - a batch that fails answers every like in it with the error, so nothing
//!   is acknowledged that was not stored;
//! - the likes of one batch apply in the order they arrived, and each
//!   caller gets the count as it stood right after its own like.

use std::{collections::BTreeSet, sync::Arc};

use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use super::WriteGate;
use crate::{
    domain::{LikeState, Tag},
    error::AppError,
    server::{Visitor, cache::ReadCache, error::db_error_ref},
};

/// The most likes one transaction applies. Enough to amortise the commit
/// under load; small enough that the write lock is never held for long.
const MAX_BATCH: usize = 256;

/// How many likes may wait for the writer before callers wait to queue.
const QUEUE_CAPACITY: usize = 4096;

/// The queue in front of the task that writes likes.
#[derive(Debug)]
pub struct LikeWriter {
    queue: mpsc::Sender<Job>,
}

/// One like or unlike waiting to be written, and where its answer goes.
struct Job {
    post_id: i64,
    visitor_id: String,
    liked: bool,
    /// The post's like count after this job, or `None` if there is no such
    /// post.
    answer: oneshot::Sender<Result<Option<i64>, Arc<sqlx::Error>>>,
}

impl LikeWriter {
    /// Starts the writing task on the current Tokio runtime. It ends when
    /// the last `LikeWriter` is dropped, after finishing what was queued.
    pub fn start(db: SqlitePool, cache: Arc<ReadCache>, writes: Arc<WriteGate>) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(write_batches(db, cache, writes, jobs));
        LikeWriter { queue }
    }

    /// Makes `visitor` like post `post_id` or not, as `liked` says, and
    /// returns the outcome once it is committed. 404 for a post that does
    /// not exist; 503 if the database is busy past its timeout.
    pub async fn set(&self, visitor: &Visitor, post_id: i64, liked: bool) -> Result<LikeState, AppError> {
        let (answer, answered) = oneshot::channel();
        let job = Job { post_id, visitor_id: visitor.id().to_owned(), liked, answer };
        self.queue.send(job).await.map_err(|_| AppError::Unavailable)?;
        match answered.await {
            Ok(Ok(Some(like_count))) => Ok(LikeState { liked, like_count }),
            Ok(Ok(None)) => Err(AppError::NotFound),
            // Mapped here, in the request, so an internal error is logged
            // under the request's own id.
            Ok(Err(err)) => Err(db_error_ref(&err)),
            // The writer is gone: the server is shutting down.
            Err(_) => Err(AppError::Unavailable),
        }
    }
}

async fn write_batches(db: SqlitePool, cache: Arc<ReadCache>, writes: Arc<WriteGate>, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let turn = writes.turn().await;
        let outcome = apply(&db, &batch).await;
        drop(turn);
        match outcome {
            Ok(counts) => {
                let posts: BTreeSet<i64> = batch.iter().map(|job| job.post_id).collect();
                cache.revalidate(posts.into_iter().map(Tag::Counts));
                for (job, count) in batch.drain(..).zip(counts) {
                    // A caller that went away (its client hung up) needs no answer.
                    let _ = job.answer.send(Ok(count));
                }
            }
            Err(err) => {
                let err = Arc::new(err);
                for job in batch.drain(..) {
                    let _ = job.answer.send(Err(err.clone()));
                }
            }
        }
    }
}

/// Applies a batch in one transaction, returning each job's count.
///
/// `BEGIN IMMEDIATE` takes the write lock first, so a busy database is
/// waited for (up to the busy timeout) before anything is done, never
/// half-way through.
async fn apply(db: &SqlitePool, batch: &[Job]) -> Result<Vec<Option<i64>>, sqlx::Error> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let mut counts = Vec::with_capacity(batch.len());
    for job in batch {
        let change = if job.liked {
            // Only for a post that exists; a second like changes nothing.
            "INSERT INTO post_likes (post_id, visitor_id) SELECT id, ?2 FROM posts WHERE id = ?1 \
             ON CONFLICT (post_id, visitor_id) DO NOTHING"
        } else {
            "DELETE FROM post_likes WHERE post_id = ?1 AND visitor_id = ?2"
        };
        sqlx::query(change).bind(job.post_id).bind(&job.visitor_id).execute(&mut *tx).await?;
        // Triggers keep `like_count` equal to the rows, within the statement.
        let count = sqlx::query_scalar("SELECT like_count FROM posts WHERE id = ?1")
            .bind(job.post_id)
            .fetch_optional(&mut *tx)
            .await?;
        counts.push(count);
    }
    tx.commit().await?;
    Ok(counts)
}
