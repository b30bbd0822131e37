//! The database: SQLite (embedded, the default) or Postgres (shared by
//! several instances), chosen by `DATABASE_URL`.
//!
//! [`Db`] is the pool and [`Tx`] a write transaction, each on one of the
//! two. The services write their SQL once, with `$1`-style parameters that
//! both understand, and run it on whichever backend this is through
//! [`either!`]; where the dialects differ, they match on the variant. Each
//! backend's own module opens its pool, applies its migrations
//! (`migrations/sqlite`, `migrations/postgres`) and keeps its own
//! housekeeping.
//!
//! What holds on both:
//! - every write is one transaction that also adds its row to the change
//!   feed ([`super::feed`]), and rows are numbered in commit order without
//!   gaps (SQLite has one writer at a time; on Postgres every writer takes
//!   the feed's head row last, so the next writer gets its number only after
//!   the one before has committed or rolled back);
//! - writers lock posts in ascending id order, and the feed's head last, so
//!   two instances' batches cannot deadlock on Postgres.

mod gate;
mod postgres;
mod sqlite;

use std::sync::Arc;

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

pub use self::{gate::WriteGate, sqlite::WAL_BOUND_PAGES};
use super::config::{Backend, DatabaseConfig};

/// The connection pool, on one of the two backends. Cloning it is cheap.
#[derive(Clone, Debug)]
pub enum Db {
    /// An embedded SQLite file.
    Sqlite(SqlitePool),
    /// A Postgres server.
    Postgres(PgPool),
}

/// A write transaction, begun by [`Db::begin_write`]; rolled back if
/// dropped before [`Tx::commit`].
#[derive(Debug)]
pub enum Tx {
    /// On SQLite, begun `IMMEDIATE`.
    Sqlite(Transaction<'static, Sqlite>),
    /// On Postgres, at read committed.
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$name` bound to the pool or the transaction inside
/// `$value` (a [`Db`] or a [`Tx`], named by `$kind`), whichever backend it
/// is on. The body is compiled once per backend, so the same sqlx calls run
/// on either.
macro_rules! either {
    ($kind:ident, $value:expr, |$name:ident| $body:expr) => {
        match $value {
            $crate::server::db::$kind::Sqlite($name) => $body,
            $crate::server::db::$kind::Postgres($name) => $body,
        }
    };
}
pub(crate) use either;

/// Opens the pool on the configured URL and applies the migrations (each
/// backend's own, embedded in the binary at compile time). Instances that
/// start together on a new database take turns applying them.
pub async fn connect(config: &DatabaseConfig) -> Result<Db, sqlx::Error> {
    Ok(match &config.backend {
        Backend::Sqlite { path } => Db::Sqlite(sqlite::connect(config, path).await?),
        Backend::Postgres => Db::Postgres(postgres::connect(config).await?),
    })
}

impl Db {
    /// Begins a write transaction. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`), so a busy database is waited for before
    /// anything is done, never half-way through.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Whether the pool was closed (the server is stopping).
    pub fn is_closed(&self) -> bool {
        either!(Db, self, |pool| pool.is_closed())
    }

    /// Closes the pool: every later query fails.
    pub async fn close(&self) {
        either!(Db, self, |pool| pool.close().await);
    }

    /// Checks that the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        either!(Db, self, |pool| sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
    }

    /// Gives the space of deleted rows back to the file system now, if
    /// enough is free (SQLite; Postgres's autovacuum does this itself).
    /// Returns how many pages were free before.
    pub async fn reclaim(&self, writes: &WriteGate) -> Result<i64, sqlx::Error> {
        match self {
            Db::Sqlite(pool) => sqlite::reclaim(pool, writes).await,
            Db::Postgres(_) => Ok(0),
        }
    }

    /// Runs one round of the SQLite housekeeping's checkpoint now: the WAL
    /// is copied into the database and, if it is longer than `bound_pages`,
    /// made to start over ([`sqlite::start_checkpoints`] runs one every
    /// 500 ms with [`WAL_BOUND_PAGES`]). Nothing to do on Postgres.
    pub async fn checkpoint(&self, writes: &WriteGate, bound_pages: i64) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite(pool) => sqlite::checkpoint(pool, writes, bound_pages).await,
            Db::Postgres(_) => Ok(()),
        }
    }

    /// Starts what the backend needs beside the writers: on SQLite, the
    /// task that checkpoints the WAL and gives free space back (see
    /// [`sqlite::start_checkpoints`]); Postgres looks after itself.
    pub fn start_housekeeping(&self, writes: Arc<WriteGate>) {
        if let Db::Sqlite(pool) = self {
            sqlite::start_checkpoints(pool.clone(), writes);
        }
    }
}

impl Tx {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        either!(Tx, self, |tx| tx.commit().await)
    }
}
