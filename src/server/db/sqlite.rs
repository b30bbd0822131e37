//! SQLite: opening the pool, applying migrations, and checkpointing the WAL.

use std::{path::Path, str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use super::WriteGate;
use crate::server::config::DatabaseConfig;

/// Opens the pool on the configured URL, creating the file `path` and its
/// directory on first start (unless the URL's own `mode` says otherwise),
/// and applies the migrations in `migrations/sqlite`.
///
/// Every connection runs in WAL mode (readers never wait for the writer)
/// with foreign keys enforced. No connection checkpoints the WAL when it
/// commits (SQLite's default does, once the WAL passes 1000 pages, inside
/// the commit that crossed it, and that writer's caller waits for it):
/// [`start_checkpoints`] does it beside the writers.
pub(super) async fn connect(config: &DatabaseConfig, path: &Path) -> Result<SqlitePool, sqlx::Error> {
    if let Some(dir) = path.parent() {
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
        .pragma("wal_autocheckpoint", "0");
    // Instances started together on a new database would each find the same
    // migrations missing and apply them at once, and all but one would fail
    // ("table posts already exists"). They take turns instead, from the first
    // connection on: the first one turns a new file to WAL mode, which needs
    // the file to itself, and SQLite answers a second process doing the same
    // at that moment with "database is locked" at once, without waiting.
    let turn = migration_turn(path).await?;
    let pool = SqlitePoolOptions::new().max_connections(config.max_connections).connect_with(options).await?;
    sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
    give_space_back_from_now_on(&pool).await?;
    drop(turn);
    Ok(pool)
}

/// Makes the file able to give back the space of deleted rows (expired and
/// pushed-out drafts above all), which SQLite otherwise keeps for reuse and
/// never returns: `auto_vacuum = INCREMENTAL`, which [`reclaim`] then uses.
/// A file made before this setting takes it only through one `VACUUM`,
/// which rewrites it, once.
async fn give_space_back_from_now_on(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    const INCREMENTAL: i64 = 2;
    let mode: i64 = sqlx::query_scalar("PRAGMA auto_vacuum").fetch_one(pool).await?;
    if mode != INCREMENTAL {
        tracing::info!("setting the database up to give back the space of deleted rows (one VACUUM)");
        let mut connection = pool.acquire().await?;
        sqlx::query("PRAGMA auto_vacuum = INCREMENTAL").execute(&mut *connection).await?;
        sqlx::query("VACUUM").execute(&mut *connection).await?;
    }
    Ok(())
}

/// Free pages past which [`reclaim`] gives space back: 4 MiB of 4 KiB pages
/// (a few pages in tests).
const RECLAIM_ABOVE_PAGES: i64 = if cfg!(test) { 8 } else { 1_024 };

/// The most pages one [`reclaim`] gives back, so a writer waits little for
/// it: 8 MiB.
const RECLAIM_PAGES: i64 = 2_048;

/// Gives the file system back the space of deleted rows once there is more
/// than [`RECLAIM_ABOVE_PAGES`] of it, in the write gate's turn (it writes).
/// Returns how many pages were free before.
pub(super) async fn reclaim(pool: &SqlitePool, writes: &WriteGate) -> Result<i64, sqlx::Error> {
    let free: i64 = sqlx::query_scalar("PRAGMA freelist_count").fetch_one(pool).await?;
    if free > RECLAIM_ABOVE_PAGES {
        let _turn = writes.turn().await;
        sqlx::query(&format!("PRAGMA incremental_vacuum({RECLAIM_PAGES})")).execute(pool).await?;
    }
    Ok(free)
}

/// Waits for an exclusive lock on a file beside the database (`….db-migrate`),
/// which every process applying migrations to it takes; it is released when
/// the returned file is dropped (or the process ends).
async fn migration_turn(database: &Path) -> Result<std::fs::File, sqlx::Error> {
    let mut name = database.as_os_str().to_owned();
    name.push("-migrate");
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&name)?;
        file.lock()?;
        Ok(file)
    })
    .await
    .map_err(|joined| sqlx::Error::Io(std::io::Error::other(joined)))?
    .map_err(sqlx::Error::Io)
}

/// How often the WAL is checkpointed.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// The WAL's length, in pages, past which it is made to start over: 64 MiB
/// of 4 KiB pages. The file is reused from its start rather than cut, so on
/// disk it stays at about this bound plus what is written in one
/// [`CHECKPOINT_EVERY`]. (Tests run a round themselves with a smaller
/// bound: [`super::Db::checkpoint`].)
pub const WAL_BOUND_PAGES: i64 = 16_384;

/// How few pages may be left to copy when the task takes the write gate's
/// turn to make the WAL start over: 4 MiB, copied in a few milliseconds.
const LEFT_TO_COPY_PAGES: i64 = 1_024;

/// How many passive rounds may chase the writers before the task takes its
/// turn anyway.
const CATCH_UP_ROUNDS: usize = 8;

/// Starts the task that checkpoints the WAL into the database file every
/// [`CHECKPOINT_EVERY`], on the pool's connections, and gives free space
/// back ([`reclaim`]). It ends when the pool is closed.
///
/// A `PASSIVE` checkpoint waits for no reader and no writer: it copies what
/// it can while writers go on appending. But the WAL starts over only when
/// no reader still uses it, which with readers always at work seldom
/// happens, so it keeps growing. Once it is longer than
/// [`WAL_BOUND_PAGES`], the task first runs passive rounds until little is
/// left to copy, then takes the write gate's turn, as a writer would, and
/// runs a `RESTART` checkpoint: it copies the rest, waits for readers of
/// older snapshots (milliseconds) and leaves the WAL to be written again
/// from its start. Nothing is truncated (the connections set no
/// `journal_size_limit`), because cutting a large file back took writers a
/// pause of about 100 ms (`bench/RESULTS.md`). Writers wait in the gate, in
/// order, never inside a commit.
pub(super) fn start_checkpoints(pool: SqlitePool, writes: Arc<WriteGate>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECKPOINT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(err) = checkpoint(&pool, &writes, WAL_BOUND_PAGES).await {
                tracing::warn!(cause = %err, "checkpointing the WAL failed; the next try is in {CHECKPOINT_EVERY:?}");
            }
            if let Err(err) = reclaim(&pool, &writes).await {
                tracing::warn!(cause = %err, "giving back free space failed; the next try is in {CHECKPOINT_EVERY:?}");
            }
        }
    });
}

/// One round of [`start_checkpoints`], making the WAL start over if it is
/// longer than `bound_pages`.
pub(super) async fn checkpoint(pool: &SqlitePool, writes: &WriteGate, bound_pages: i64) -> Result<(), sqlx::Error> {
    // (pages in the WAL, pages of it copied so far)
    let passive = || async {
        let (_, pages, copied) =
            sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await?;
        Ok::<_, sqlx::Error>((pages, copied))
    };
    let (pages, mut copied) = passive().await?;
    if pages <= bound_pages {
        return Ok(());
    }
    // Each round copies what was written during the one before, until that
    // is little, so that the writers' pause below is short.
    for _ in 0..CATCH_UP_ROUNDS {
        let before = copied;
        copied = passive().await?.1;
        if copied < before {
            // The WAL started over by itself.
            return Ok(());
        }
        if copied - before <= LEFT_TO_COPY_PAGES {
            break;
        }
    }
    let _turn = writes.turn().await;
    sqlx::query("PRAGMA wal_checkpoint(RESTART)").execute(pool).await?;
    Ok(())
}
