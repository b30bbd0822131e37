//! Postgres: opening the pool and applying migrations.

use std::{str::FromStr, time::Duration};

use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use crate::server::config::DatabaseConfig;

/// Opens the pool on the configured URL and applies the migrations in
/// `migrations/postgres`. sqlx holds an advisory lock while it migrates, so
/// instances that start together take turns, and all but the first find
/// nothing left to do.
///
/// A statement waits at most the configured busy timeout for a lock
/// another transaction holds (`lock_timeout`), and a request at most as
/// long for a free connection, so an overloaded or unreachable server is
/// answered 503 rather than waited on forever.
pub(super) async fn connect(config: &DatabaseConfig) -> Result<PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(&config.url)?
        .application_name("bulletin")
        .options([("lock_timeout", config.busy_timeout.as_millis().to_string())]);
    let pool = PgPoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(config.busy_timeout.max(Duration::from_secs(1)))
        .connect_with(options)
        .await?;
    sqlx::migrate!("./migrations/postgres").run(&pool).await?;
    Ok(pool)
}
