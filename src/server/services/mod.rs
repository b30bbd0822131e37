//! The service layer: business rules and queries, called by server functions
//! and by tests, with no Leptos or HTTP in sight.

pub mod likes;
pub mod posts;

use sqlx::SqlitePool;

use self::likes::LikeWriter;
use super::cache::ReadCache;

/// What the services read and write: the database, the read cache in front
/// of it that every write revalidates, and the queue that writes likes.
#[derive(Clone, Copy)]
pub struct Store<'a> {
    /// The database.
    pub db: &'a SqlitePool,
    /// The read cache.
    pub cache: &'a ReadCache,
    /// Likes are written in batches, by one task (see [`likes`]).
    pub likes: &'a LikeWriter,
}
