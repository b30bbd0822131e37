//! The stream of changes that open pages follow: what the change feed says,
//! turned into what a browser shows (a post's counts, its title, that it is
//! gone), sent to every stream open on this instance.
//!
//! The feed's positions are the events' ids. What holds:
//!
//! - **Exact.** A frame is read in one read-only snapshot of the database
//!   (SQLite's read transaction; Postgres's `REPEATABLE READ`): the feed's
//!   rows after the last frame, and the state of each post they name. Feed
//!   positions are gapless and in commit order, so a frame with id `N`
//!   shows each post it names exactly as it stood at position `N`.
//! - **Nothing missed, nothing twice.** A stream that starts after position
//!   `P` (its page was served at `P`, or the browser reconnects with
//!   `Last-Event-ID: P`) first gets one frame read from the database for
//!   everything after `P`, then every frame broadcast with a higher id.
//!   Ids in one stream only grow. If the rows after `P` were pruned, or
//!   there are more than a frame may carry, it gets one `reload` event
//!   instead, with the id of now.
//! - **Coalesced.** Frames are read at most once per `live.coalesce_ms`,
//!   and a frame names each post once, with its latest state: a post liked
//!   a thousand times a second costs a phone one line per window.
//! - **Bounded.** At most `live.max_streams` streams, and
//!   `live.max_streams_per_address` from one address ([`Live::admit`]). A
//!   stream whose reader falls more than [`BACKLOG`] frames behind is
//!   closed, not buffered for: its browser reconnects and resumes from the
//!   database.
//! - **Closed on shutdown.** [`Live::close`] ends every stream; browsers
//!   reconnect (to another instance, behind a load balancer) with their
//!   last id.

use std::{
    collections::{BTreeMap, HashMap},
    net::IpAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::{broadcast, watch};

use super::{
    config::LiveConfig,
    db::{Db, either},
    feed::ChangeFeed,
};
use crate::domain::{Tag, excerpt};

/// How many frames a stream may fall behind before it is closed.
pub const BACKLOG: usize = 256;

/// The most feed rows one frame covers; a stream further behind is told to
/// reload.
const MAX_ROWS: i64 = 20_000;

/// The most posts one frame names; more, and the stream is told to reload.
const MAX_POSTS: usize = 500;

/// How long the task waits before reading again after a failed read.
const RETRY_AFTER_FAILURE: Duration = Duration::from_millis(200);

/// One frame of the stream, ready to send.
#[derive(Debug, Clone)]
pub enum Frame {
    /// Changes up to feed position `at`, as the bytes of an event.
    Changes {
        /// The feed position the frame shows.
        at: i64,
        /// The event, in `text/event-stream` form.
        text: Bytes,
    },
    /// The server is stopping: the stream ends.
    Closing,
}

impl Frame {
    /// The feed position the frame shows (none for [`Frame::Closing`]).
    pub fn at(&self) -> Option<i64> {
        match self {
            Frame::Changes { at, .. } => Some(*at),
            Frame::Closing => None,
        }
    }
}

/// What a post became, as a stream tells it. Fields left out did not
/// change in that frame.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct PostChange {
    /// The post.
    pub id: i64,
    /// The feed position of the last change to it in this frame: a page
    /// served at or after it shows this post as it is here already.
    pub at: i64,
    /// The feed position of the last change to its text in this frame,
    /// when it was published or edited in it: a page served before it
    /// shows older text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_at: Option<i64>,
    /// Its likes, when its counts or text changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub likes: Option<i64>,
    /// Its views, likewise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub views: Option<i64>,
    /// Its title, when it was published or edited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its excerpt, with the title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// True when it was deleted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub gone: bool,
}

/// What the database says happened after a position.
#[derive(Debug, PartialEq, Eq)]
pub enum Since {
    /// The posts that changed, each as it stood at `at`.
    Changes {
        /// The last feed position read.
        at: i64,
        /// One entry per post, by id.
        posts: Vec<PostChange>,
    },
    /// Too much, or pruned: the reader must reload what it shows. `at` is
    /// the position to go on from.
    Reload {
        /// The feed's last position.
        at: i64,
    },
}

/// This instance's streams: who may open one, and what they are sent.
#[derive(Debug)]
pub struct Live {
    frames: broadcast::Sender<Frame>,
    /// The position the last frame was broadcast at (the hub's cursor).
    sent: watch::Sender<i64>,
    open: AtomicUsize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
    config: LiveConfig,
    db: Db,
    closing: watch::Sender<bool>,
}

/// A stream's place among the open ones; dropping it frees the place.
#[derive(Debug)]
pub struct Admitted {
    live: Arc<Live>,
    address: Option<IpAddr>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.live.open.fetch_sub(1, Ordering::AcqRel);
        if let Some(address) = self.address {
            let mut per_address = self.live.per_address.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(count) = per_address.get_mut(&address) {
                *count -= 1;
                if *count == 0 {
                    per_address.remove(&address);
                }
            }
        }
    }
}

impl Live {
    /// Starts the task that turns the feed into frames for this instance's
    /// streams. It ends when the pool is closed or [`Live::close`] is called.
    pub fn start(db: Db, feed: Arc<ChangeFeed>, config: LiveConfig) -> Arc<Self> {
        let live = Arc::new(Live {
            frames: broadcast::Sender::new(BACKLOG),
            sent: watch::Sender::new(feed.applied()),
            open: AtomicUsize::new(0),
            per_address: Mutex::new(HashMap::new()),
            config,
            db,
            closing: watch::Sender::new(false),
        });
        tokio::spawn(broadcast_frames(live.clone(), feed));
        live
    }

    /// Takes a place for one more stream from `address`, or `None` when
    /// this instance, or that address, has as many as it may.
    pub fn admit(self: &Arc<Self>, address: Option<IpAddr>) -> Option<Admitted> {
        if *self.closing.borrow() {
            return None;
        }
        if self.open.fetch_add(1, Ordering::AcqRel) >= self.config.max_streams {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        if let Some(address) = address {
            let mut per_address = self.per_address.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let count = per_address.entry(address).or_insert(0);
            if *count >= self.config.max_streams_per_address {
                drop(per_address);
                self.open.fetch_sub(1, Ordering::AcqRel);
                return None;
            }
            *count += 1;
        }
        Some(Admitted { live: self.clone(), address })
    }

    /// How many streams are open.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    /// The frames broadcast from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Frame> {
        self.frames.subscribe()
    }

    /// The position of the last frame broadcast: a stream that starts with
    /// no position of its own goes on from there.
    pub fn sent(&self) -> i64 {
        *self.sent.borrow()
    }

    /// How long a stream may stay silent.
    pub fn keep_alive(&self) -> Duration {
        self.config.keep_alive
    }

    /// What happened after `after`, read from the database.
    pub async fn since(&self, after: i64) -> Result<Since, sqlx::Error> {
        since(&self.db, after).await
    }

    /// Ends every stream and admits no more.
    pub fn close(&self) {
        self.closing.send_replace(true);
        let _ = self.frames.send(Frame::Closing);
    }
}

/// The event that carries `since`, in `text/event-stream` form.
pub fn event(since: &Since) -> Frame {
    match since {
        Since::Changes { at, posts } => {
            let data = serde_json::to_string(posts).unwrap_or_else(|_| "[]".to_owned());
            Frame::Changes { at: *at, text: Bytes::from(format!("id: {at}\ndata: {data}\n\n")) }
        }
        Since::Reload { at } => {
            Frame::Changes { at: *at, text: Bytes::from(format!("id: {at}\nevent: reload\ndata: reload\n\n")) }
        }
    }
}

/// Waits for the feed to move, gathers what else comes within the window,
/// reads it in one snapshot and broadcasts it, for as long as the instance
/// runs. With no stream open it reads nothing and only moves its cursor.
async fn broadcast_frames(live: Arc<Live>, feed: Arc<ChangeFeed>) {
    let mut applied = feed.subscribe_applied();
    let mut closing = live.closing.subscribe();
    let mut failed = false;
    loop {
        if failed {
            tokio::time::sleep(RETRY_AFTER_FAILURE).await;
        } else {
            tokio::select! {
                changed = applied.changed() => if changed.is_err() { return },
                _ = closing.wait_for(|closing| *closing) => return,
            }
        }
        if *closing.borrow() {
            return;
        }
        if live.frames.receiver_count() == 0 {
            live.sent.send_replace(*applied.borrow_and_update());
            continue;
        }
        tokio::time::sleep(live.config.coalesce).await;
        let _ = applied.borrow_and_update();
        if live.db.is_closed() {
            return;
        }
        let after = live.sent();
        let read = since(&live.db, after).await;
        failed = read.is_err();
        match read {
            Ok(since) => {
                let frame = event(&since);
                let at = frame.at().unwrap_or(after);
                if at > after {
                    live.sent.send_replace(at);
                    let _ = live.frames.send(frame);
                }
            }
            Err(err) => {
                // Tried again from the same place, whether the feed moves or not.
                tracing::warn!(cause = %err, "could not read the changes for the live streams");
            }
        }
    }
}

/// Reads, in one snapshot, the feed's rows after `after` and the state of
/// each post they name.
pub async fn since(db: &Db, after: i64) -> Result<Since, sqlx::Error> {
    let postgres = matches!(db, Db::Postgres(_));
    either!(Db, db, |pool| {
        let mut tx = pool.begin().await?;
        if postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        }
        let (oldest, head): (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT min(seq), max(seq) FROM changes").fetch_one(&mut *tx).await?;
        let head = head.unwrap_or(0);
        let pruned = oldest.is_some_and(|oldest| after < oldest - 1);
        if after > head || pruned || head - after > MAX_ROWS {
            return Ok(Since::Reload { at: head });
        }
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT seq, tags FROM changes WHERE seq > $1 AND seq <= $2 ORDER BY seq")
                .bind(after)
                .bind(head)
                .fetch_all(&mut *tx)
                .await?;
        // Per post: the last row that named it, and the last that changed
        // its text (or existence), if any.
        let mut named: BTreeMap<i64, (i64, Option<i64>)> = BTreeMap::new();
        for (seq, tags) in &rows {
            for tag in tags.split(' ').filter_map(super::feed::decode) {
                match tag {
                    Tag::Post(id) => {
                        named.insert(id, (*seq, Some(*seq)));
                    }
                    Tag::Counts(id) => {
                        named.entry(id).or_insert((*seq, None)).0 = *seq;
                    }
                    Tag::Posts => {}
                }
            }
        }
        if named.len() > MAX_POSTS {
            return Ok(Since::Reload { at: head });
        }
        let mut posts = Vec::with_capacity(named.len());
        if !named.is_empty() {
            let marks = (1..=named.len()).map(|at| format!("${at}")).collect::<Vec<_>>().join(", ");
            let statement = format!(
                "SELECT id, like_count, view_count, title, content FROM posts WHERE id IN ({marks}) ORDER BY id"
            );
            let mut query = sqlx::query_as::<_, (i64, i64, i64, String, String)>(&statement);
            for id in named.keys() {
                query = query.bind(*id);
            }
            let found = query.fetch_all(&mut *tx).await?;
            let mut found = found.into_iter().peekable();
            for (&id, &(at, text_at)) in &named {
                let text = text_at.is_some();
                match found.next_if(|row| row.0 == id) {
                    Some((_, likes, views, title, content)) => posts.push(PostChange {
                        id,
                        at,
                        text_at,
                        likes: Some(likes),
                        views: Some(views),
                        excerpt: text.then(|| excerpt(&content)),
                        title: text.then_some(title),
                        gone: false,
                    }),
                    None => posts.push(PostChange {
                        id,
                        at,
                        text_at,
                        likes: None,
                        views: None,
                        title: None,
                        excerpt: None,
                        gone: true,
                    }),
                }
            }
        }
        tx.commit().await?;
        Ok(Since::Changes { at: head, posts })
    })
}
