//! The feed of changes: how an instance learns of what other instances on
//! the same database wrote, so its read cache and kept pages stay true.
//!
//! Every write adds one row to the `changes` table in its own transaction:
//! which instance wrote it and the tags it changed. Every instance follows
//! the table ([`ChangeFeed::start`]): it reads the rows after the last one
//! it applied, every `cache.follow_every_ms` (10 ms by default) or at once
//! when asked, and revalidates the tags of the rows other instances wrote
//! (its own writes revalidated its cache before they were answered). What
//! holds:
//!
//! - **Read your writes, on any instance.** A write's answer carries the
//!   `bulletin_seen` cookie (signed, so no one can make an instance wait
//!   for a position that will never come): the position of the feed this
//!   instance has written up to, which is at or past this write. An
//!   instance that gets a request with a position it has not applied yet
//!   follows the feed up to it before answering (the read-your-writes
//!   middleware, [`super::middleware::read_your_writes`]), so
//!   no page or server function shows that visitor anything older than
//!   their own writes.
//! - **Everyone else within a bound.** Other visitors see another
//!   instance's write once their instance's next follow has applied it:
//!   within `cache.follow_every_ms` plus a query.
//! - **Nothing missed.** Rows are numbered in commit order without gaps
//!   (SQLite writes one transaction at a time; on Postgres each write takes
//!   its number from a row that stays locked until it commits: see
//!   `migrations/postgres`). A follow that finds a gap
//!   (rows pruned before it read them) forgets the whole cache rather than
//!   trust it; one that fails forgets it too, and again once it succeeds.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::sync::{Notify, watch};

use super::{
    cache::ReadCache,
    db::{Db, Tx, WriteGate, either},
};
use crate::domain::Tag;

/// How many rows the feed keeps; older ones are pruned. An instance that
/// falls further behind finds a gap and forgets its cache.
const KEEP_ROWS: i64 = 100_000;

/// The most rows one read of the feed takes; a follower that gets this
/// many reads again at once.
const ROWS_PER_READ: usize = 1_000;

/// How many follows between prunes.
const PRUNE_EVERY_FOLLOWS: u32 = 1_000;

/// One instance's end of the feed.
#[derive(Debug)]
pub struct ChangeFeed {
    /// This instance, as its rows name it: random at each start.
    instance: String,
    /// The last row this instance wrote (0: none yet).
    written: AtomicI64,
    /// The last row applied to this instance's cache.
    applied: watch::Sender<i64>,
    /// Wakes the follower before its next tick.
    nudge: Notify,
    /// How many times the follower has read the feed (or failed to), so a
    /// test can wait for its next rounds rather than for time.
    rounds: watch::Sender<u64>,
    /// How many requests were answered before this instance caught up with
    /// the position they carried ([`ChangeFeed::caught_up`] gave up).
    late: AtomicU64,
}

impl ChangeFeed {
    /// Starts following the feed of `db` from its current end, every
    /// `every` and whenever a request asks, revalidating `cache` with what
    /// other instances write. The task ends when the pool is closed.
    pub async fn start(
        db: Db,
        cache: Arc<ReadCache>,
        writes: Arc<WriteGate>,
        every: Duration,
    ) -> Result<Arc<Self>, sqlx::Error> {
        let end: i64 = either!(Db, &db, |pool| {
            sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM changes").fetch_one(pool).await?
        });
        let feed = Arc::new(ChangeFeed {
            instance: uuid::Uuid::new_v4().simple().to_string(),
            written: AtomicI64::new(0),
            applied: watch::Sender::new(end),
            nudge: Notify::new(),
            rounds: watch::Sender::new(0),
            late: AtomicU64::new(0),
        });
        tokio::spawn(follow(db, cache, writes, feed.clone(), every));
        Ok(feed)
    }

    /// Adds the row for a write that changed `tags`, inside its
    /// transaction, and returns its position. It is the transaction's last
    /// statement: on Postgres it locks the feed's head until the commit.
    /// Once the transaction has committed, the writer calls
    /// [`ChangeFeed::wrote`] with it.
    pub async fn record(&self, tx: &mut Tx, tags: impl IntoIterator<Item = Tag>) -> Result<i64, sqlx::Error> {
        let tags = tags.into_iter().map(encode).collect::<Vec<String>>().join(" ");
        let statement = match tx {
            Tx::Sqlite(_) => "INSERT INTO changes (instance, tags) VALUES ($1, $2) RETURNING seq",
            Tx::Postgres(_) => {
                "WITH head AS (UPDATE changes_head SET seq = seq + 1 RETURNING seq) \
                 INSERT INTO changes (seq, instance, tags) SELECT seq, $1, $2 FROM head RETURNING seq"
            }
        };
        either!(Tx, tx, |tx| {
            sqlx::query_scalar(statement).bind(&self.instance).bind(tags).fetch_one(&mut **tx).await
        })
    }

    /// Notes that the write at `seq` has committed.
    pub fn wrote(&self, seq: i64) {
        self.written.fetch_max(seq, Ordering::AcqRel);
    }

    /// The last row this instance wrote whose transaction has committed (0:
    /// none yet).
    pub fn written(&self) -> i64 {
        self.written.load(Ordering::Acquire)
    }

    /// Changes each time the follower has applied more rows.
    pub fn subscribe_applied(&self) -> watch::Receiver<i64> {
        self.applied.subscribe()
    }

    /// The last row applied to this instance's cache.
    pub fn applied(&self) -> i64 {
        *self.applied.borrow()
    }

    /// Waits until this instance has applied the feed up to `seen`, for at
    /// most `within`; false if it had not by then.
    pub async fn caught_up(&self, seen: i64, within: Duration) -> bool {
        let mut applied = self.applied.subscribe();
        if *applied.borrow_and_update() >= seen {
            return true;
        }
        self.nudge.notify_one();
        let caught_up = tokio::time::timeout(within, applied.wait_for(|applied| *applied >= seen))
            .await
            .is_ok_and(|waited| waited.is_ok());
        if !caught_up {
            self.late.fetch_add(1, Ordering::Relaxed);
        }
        caught_up
    }

    /// How many times [`ChangeFeed::caught_up`] gave up waiting.
    pub fn late_answers(&self) -> u64 {
        self.late.load(Ordering::Relaxed)
    }

    /// Waits until the follower has read the feed (or failed to) in
    /// `rounds` rounds that began after this call, waking it for each: after
    /// one, it has seen everything committed before the call.
    pub async fn followed(&self, rounds: u64) {
        let mut done = self.rounds.subscribe();
        // One more, for a round that may be under way now.
        let target = *done.borrow_and_update() + rounds + 1;
        while *done.borrow_and_update() < target {
            self.nudge.notify_one();
            if done.changed().await.is_err() {
                return;
            }
        }
    }
}

/// Follows the feed until the pool is closed; see the module docs.
async fn follow(db: Db, cache: Arc<ReadCache>, writes: Arc<WriteGate>, feed: Arc<ChangeFeed>, every: Duration) {
    let mut trusted = true;
    let mut follows = 0u32;
    let mut behind = false;
    loop {
        if !behind {
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = feed.nudge.notified() => {}
            }
        }
        if db.is_closed() {
            break;
        }
        let applied = feed.applied();
        let rows = either!(Db, &db, |pool| {
            sqlx::query_as::<_, (i64, String, String)>(
                "SELECT seq, instance, tags FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(applied)
            .bind(ROWS_PER_READ as i64)
            .fetch_all(pool)
            .await
        });
        behind = rows.as_ref().is_ok_and(|rows| rows.len() == ROWS_PER_READ);
        match rows {
            Ok(rows) => {
                let gap = rows.first().is_some_and(|(seq, _, _)| *seq != applied + 1);
                if gap || !trusted {
                    tracing::warn!(gap, "the change feed was not followed in full; the read cache starts over");
                    cache.forget_all(rows.last().map_or(applied, |(seq, _, _)| *seq));
                    trusted = true;
                }
                for (seq, instance, tags) in &rows {
                    if *instance != feed.instance {
                        cache.revalidate_foreign(tags.split(' ').filter_map(decode), *seq);
                    }
                }
                if let Some((last, _, _)) = rows.last() {
                    feed.applied.send_replace(*last);
                }
            }
            Err(err) => {
                // Other instances may be writing meanwhile: nothing kept
                // can be trusted, now or until the feed is read again.
                if trusted {
                    tracing::warn!(cause = %err, "could not follow the change feed; the read cache starts over");
                }
                cache.forget_all(applied);
                trusted = false;
            }
        }
        follows = follows.wrapping_add(1);
        feed.rounds.send_modify(|rounds| *rounds += 1);
        if follows.is_multiple_of(PRUNE_EVERY_FOLLOWS) {
            let _turn = writes.turn().await;
            let pruned = either!(Db, &db, |pool| {
                sqlx::query("DELETE FROM changes WHERE seq <= (SELECT max(seq) FROM changes) - $1")
                    .bind(KEEP_ROWS)
                    .execute(pool)
                    .await
                    .map(|_| ())
            });
            if let Err(err) = pruned {
                tracing::warn!(cause = %err, "could not prune the change feed");
            }
        }
    }
}

fn encode(tag: Tag) -> String {
    match tag {
        Tag::Posts => "posts".to_owned(),
        Tag::Post(id) => format!("post:{id}"),
        Tag::Counts(id) => format!("counts:{id}"),
    }
}

/// The tag a feed row names by `text`, if it is one.
pub fn decode(text: &str) -> Option<Tag> {
    match text.split_once(':') {
        None if text == "posts" => Some(Tag::Posts),
        Some(("post", id)) => id.parse().ok().map(Tag::Post),
        Some(("counts", id)) => id.parse().ok().map(Tag::Counts),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tag_comes_back_as_it_was_written() {
        for tag in [Tag::Posts, Tag::Post(7), Tag::Counts(123_456_789)] {
            assert_eq!(decode(&encode(tag)), Some(tag));
        }
        assert_eq!(decode("nonsense"), None);
        assert_eq!(decode("post:x"), None);
    }
}
