//! The SQLite database: opening the pool and applying migrations.

use std::{str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use super::{config::DatabaseConfig, services::WriteGate};

/// Opens the pool on the configured URL, creating the file and its
/// directory on first start (unless the URL's own `mode` says otherwise),
/// and applies the migrations in `migrations/` (embedded in the binary at
/// compile time).
///
/// Every connection runs in WAL mode (readers never wait for the writer)
/// with foreign keys enforced. No connection checkpoints the WAL when it
/// commits (SQLite's default does, once the WAL passes 1000 pages, inside
/// the commit that crossed it, and that writer's caller waits for it):
/// [`start_checkpoints`] does it beside the writers.
pub async fn connect(config: &DatabaseConfig) -> Result<SqlitePool, sqlx::Error> {
    if let Some(dir) = config.path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let mut options = SqliteConnectOptions::from_str(&config.url)?;
    if !config.url.contains("mode=") {
        options = options.create_if_missing(true);
    }
    let options = options
        .journal_mode(SqliteJournalMode::Wal)
        // In WAL mode NORMAL loses no committed transaction on a process
        // crash, only on power loss, and saves an fsync per commit.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(config.busy_timeout)
        .pragma("wal_autocheckpoint", "0")
        // When the WAL starts over after a checkpoint, it is cut back to
        // this size, so a burst of writes does not leave a large file.
        .pragma("journal_size_limit", JOURNAL_SIZE_LIMIT.to_string());
    let pool = SqlitePoolOptions::new().max_connections(config.max_connections).connect_with(options).await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

/// How large the WAL is left when it starts over: 32 MiB.
const JOURNAL_SIZE_LIMIT: u64 = 32 << 20;

/// How often the WAL is checkpointed.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// The WAL's length, in pages, past which it is made to start over: 256 MiB
/// of 4 KiB pages. Each time costs writers a pause (in `bench/RESULTS.md`),
/// so it is a safety bound, seldom reached: under the soak the WAL starts
/// over by itself now and then, at tens of MiB. Tests use 8 MiB, to cross
/// it quickly.
pub const WAL_BOUND_PAGES: i64 = if cfg!(test) { 2_048 } else { 65_536 };

/// Starts the task that checkpoints the WAL into the database file every
/// [`CHECKPOINT_EVERY`], on a pool connection of its own.
///
/// A `PASSIVE` checkpoint waits for no reader and no writer: it copies what
/// it can, and writers go on appending meanwhile. But the WAL starts over
/// only when no reader is still using it, which with readers always at work
/// seldom happens, so it keeps growing. So once it is longer than
/// [`WAL_BOUND_PAGES`], the task takes the write gate's turn, as a writer
/// would, and runs a `TRUNCATE` checkpoint: it waits for the readers of
/// older snapshots to finish (milliseconds), copies the rest and empties the
/// file. Writers wait for it in the gate, in order, and never inside a
/// commit. It ends when the pool is closed.
pub fn start_checkpoints(pool: SqlitePool, writes: Arc<WriteGate>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECKPOINT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if pool.is_closed() {
                break;
            }
            // (busy, pages in the WAL, pages copied)
            let passive = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&pool).await;
            let outcome = match passive {
                Ok((_, pages, _)) if pages > WAL_BOUND_PAGES => {
                    let _turn = writes.turn().await;
                    // With no writer, a second passive run copies only what
                    // was written since the first; the truncate then has
                    // almost nothing left to copy, and the pause is short.
                    match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                        Ok(_) => sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await.map(drop),
                        Err(err) => Err(err),
                    }
                }
                other => other.map(drop),
            };
            if let Err(err) = outcome {
                tracing::warn!(cause = %err, "checkpointing the WAL failed; the next try is in {CHECKPOINT_EVERY:?}");
            }
        }
    });
}

/// Checks that the database answers a trivial query.
pub async fn ping(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}
