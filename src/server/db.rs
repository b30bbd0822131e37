//! The SQLite database: opening the pool and applying migrations.

use std::{str::FromStr, time::Duration};

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use super::config::DatabaseConfig;

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

/// Starts the task that checkpoints the WAL into the database file every
/// [`CHECKPOINT_EVERY`], on a pool connection of its own. A `PASSIVE`
/// checkpoint waits for no reader and no writer: it copies what it can, and
/// writers go on appending meanwhile. It ends when the pool is closed.
pub fn start_checkpoints(pool: SqlitePool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECKPOINT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                tracing::warn!(cause = %err, "checkpointing the WAL failed; the next try is in {CHECKPOINT_EVERY:?}");
            }
        }
    });
}

/// Checks that the database answers a trivial query.
pub async fn ping(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}
