//! The SQLite database: opening the pool and applying migrations.

use std::str::FromStr;

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
/// with foreign keys enforced.
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
        .busy_timeout(config.busy_timeout);
    let pool = SqlitePoolOptions::new().max_connections(config.max_connections).connect_with(options).await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

/// Checks that the database answers a trivial query.
pub async fn ping(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}
