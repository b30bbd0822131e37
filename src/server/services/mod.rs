//! The service layer: business rules and queries, called by server functions
//! and by tests, with no Leptos or HTTP in sight.

pub mod group_commit;
pub mod images;
pub mod likes;
pub mod posts;
pub mod publishing;

use self::{
    likes::{LikeWriter, ViewWriter},
    publishing::PostWriter,
};
use super::{
    cache::ReadCache,
    db::{Db, WriteGate},
    feed::ChangeFeed,
};

/// What the services read and write: the database, the read cache in front
/// of it that every write revalidates, the queues that write likes, views
/// and new posts, and the gate writers pass one at a time.
#[derive(Clone, Copy)]
pub struct Store<'a> {
    /// The database.
    pub db: &'a Db,
    /// The read cache.
    pub cache: &'a ReadCache,
    /// Likes are written in batches, by one task (see [`likes`]).
    pub likes: &'a LikeWriter,
    /// Views too.
    pub views: &'a ViewWriter,
    /// New posts too (see [`publishing`]).
    pub publishing: &'a PostWriter,
    /// Every write to the database takes its turn here first.
    pub writes: &'a WriteGate,
    /// Where every write notes what it changed, for the other instances.
    pub feed: &'a ChangeFeed,
}
