//! Group commit: many writes, one transaction.
//!
//! A transaction's fixed costs (taking SQLite's write lock, a commit's
//! flush on either backend) dwarf a small insert's. Taken one by one, each
//! write would pay them alone while the others queue. Instead one task per
//! kind of write takes every job waiting in its queue (up to
//! [`MAX_BATCH`]), applies them in one write transaction, commits once,
//! updates the read cache while it still holds the write gate's turn, and
//! only then answers each caller.
//!
//! What holds, for every kind of write:
//! - an answered write is committed, and every read that starts after the
//!   answer sees it (commit, then the cache, then the answer);
//! - a batch that fails answers every job in it with the error, so nothing
//!   is acknowledged that was not stored;
//! - the jobs of a batch apply in the order [`Write::order`] sorts them,
//!   which keeps jobs it holds equal (a visitor's likes of one post) in the
//!   order they arrived; each caller gets the outcome of its own job as it
//!   stood right after it. Sorted by post, two instances' batches lock
//!   posts in the same order and cannot deadlock on Postgres;
//! - the cache is updated in commit order, across kinds of writes, because
//!   every writer updates it before giving up the gate's turn.

use std::{cmp::Ordering, future::Future, sync::Arc};

use tokio::sync::{mpsc, oneshot};

use crate::{
    domain::Tag,
    error::AppError,
    server::{
        cache::ReadCache,
        db::{Db, Tx, WriteGate},
        error::db_error_ref,
        feed::ChangeFeed,
    },
};

/// The most jobs one transaction applies. Enough to amortise the commit
/// under load; small enough that the write lock is never held for long.
pub const MAX_BATCH: usize = 256;

/// How many jobs may wait for a writer before callers wait to queue.
const QUEUE_CAPACITY: usize = 4096;

/// One kind of write that is committed in groups.
pub trait Write: Send + 'static {
    /// What one caller asks for.
    type Job: Send + Sync + 'static;
    /// What one job came to, once its batch committed.
    type Done: Send + 'static;

    /// The order a batch's jobs apply in: by the rows they lock, so that
    /// batches lock them in the same order whichever instance writes them.
    /// The sort is stable: jobs it holds equal keep their arrival order.
    fn order(a: &Self::Job, b: &Self::Job) -> Ordering;

    /// Applies a batch's `jobs`, in order, inside its transaction, and
    /// returns what each came to, as it stood right after it.
    fn apply<'c>(
        tx: &'c mut Tx,
        jobs: &'c [Self::Job],
    ) -> impl Future<Output = Result<Vec<Self::Done>, sqlx::Error>> + Send + 'c;

    /// What a batch changed, for the feed that other instances follow;
    /// recorded in the batch's transaction.
    fn changed(batch: &[(Self::Job, Self::Done)]) -> Vec<Tag>;

    /// Tells the cache what a committed batch changed, with the feed
    /// position of its row if it changed anything. Called before the write
    /// gate's turn ends and before any caller is answered.
    fn committed(cache: &ReadCache, batch: &[(Self::Job, Self::Done)], seq: Option<i64>);
}

/// The queue in front of the task that writes `W`s.
#[derive(Debug)]
pub struct GroupCommit<W: Write> {
    queue: mpsc::Sender<Queued<W>>,
}

struct Queued<W: Write> {
    job: W::Job,
    answer: oneshot::Sender<Result<W::Done, Arc<sqlx::Error>>>,
}

/// Why a job was not written.
#[derive(Debug)]
pub enum NotWritten {
    /// The database refused the batch (busy past its timeout, full, …).
    Database(Arc<sqlx::Error>),
    /// The writer is gone: the server is shutting down.
    Stopped,
}

impl From<NotWritten> for AppError {
    /// Converted by the request that submitted the job (`?` on
    /// [`GroupCommit::submit`]), so an internal error is logged under that
    /// request's own id, not the writer task's.
    fn from(not_written: NotWritten) -> AppError {
        match not_written {
            NotWritten::Database(err) => db_error_ref(&err),
            NotWritten::Stopped => AppError::Unavailable,
        }
    }
}

impl<W: Write> GroupCommit<W> {
    /// Starts the writing task on the current Tokio runtime. It ends when
    /// the last `GroupCommit` is dropped, after finishing what was queued.
    pub fn start(db: Db, cache: Arc<ReadCache>, writes: Arc<WriteGate>, feed: Arc<ChangeFeed>) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(write_batches::<W>(db, cache, writes, feed, jobs));
        GroupCommit { queue }
    }

    /// Queues `job` and returns what it came to once committed.
    pub async fn submit(&self, job: W::Job) -> Result<W::Done, NotWritten> {
        let (answer, answered) = oneshot::channel();
        self.queue.send(Queued { job, answer }).await.map_err(|_| NotWritten::Stopped)?;
        match answered.await {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(err)) => Err(NotWritten::Database(err)),
            Err(_) => Err(NotWritten::Stopped),
        }
    }
}

async fn write_batches<W: Write>(
    db: Db,
    cache: Arc<ReadCache>,
    writes: Arc<WriteGate>,
    feed: Arc<ChangeFeed>,
    mut queue: mpsc::Receiver<Queued<W>>,
) {
    let mut waiting = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut waiting, MAX_BATCH).await > 0 {
        waiting.sort_by(|a, b| W::order(&a.job, &b.job));
        let (jobs, answers): (Vec<W::Job>, Vec<_>) =
            waiting.drain(..).map(|queued| (queued.job, queued.answer)).unzip();
        let turn = writes.turn().await;
        let outcome = apply::<W>(&db, &feed, jobs).await;
        if let Ok((batch, seq)) = &outcome {
            W::committed(&cache, batch, *seq);
        }
        drop(turn);
        match outcome {
            Ok((batch, _)) => {
                for ((_, done), answer) in batch.into_iter().zip(answers) {
                    // A caller that went away (its client hung up) needs no answer.
                    let _ = answer.send(Ok(done));
                }
            }
            Err(err) => {
                let err = Arc::new(err);
                for answer in answers {
                    let _ = answer.send(Err(err.clone()));
                }
            }
        }
    }
}

/// Applies `jobs` in one transaction, in order, with the feed's row for
/// what they changed, added last; returns what each came to, and the row's
/// position.
async fn apply<W: Write>(
    db: &Db,
    feed: &ChangeFeed,
    jobs: Vec<W::Job>,
) -> Result<(Vec<(W::Job, W::Done)>, Option<i64>), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = W::apply(&mut tx, &jobs).await?;
    let batch: Vec<_> = jobs.into_iter().zip(done).collect();
    let changed = W::changed(&batch);
    let seq = if changed.is_empty() { None } else { Some(feed.record(&mut tx, changed).await?) };
    tx.commit().await?;
    if let Some(seq) = seq {
        feed.wrote(seq);
    }
    Ok((batch, seq))
}
