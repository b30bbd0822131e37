//! The service layer: business rules and queries, called by server functions
//! and by tests, with no Leptos or HTTP in sight.

pub mod posts;

use sqlx::SqlitePool;

use super::cache::ReadCache;

/// What the services read and write: the database, and the read cache in
/// front of it that every write revalidates.
#[derive(Clone, Copy)]
pub struct Store<'a> {
    /// The database.
    pub db: &'a SqlitePool,
    /// The read cache.
    pub cache: &'a ReadCache,
}
