//! Server-only code. Declared behind `#[cfg(feature = "ssr")]` in `lib.rs`,
//! so none of it (sqlx, axum, tokio, config files) reaches the WASM client.

pub mod config;
pub mod cookies;
pub mod db;
pub mod forms;
pub mod middleware;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod theme;
pub mod visitor;

pub use config::Config;
pub use startup::{build_router, build_state};
pub use state::AppState;

use crate::error::AppError;

/// Logs an internal fault with a fresh reference and returns the error the
/// user sees, which carries only that reference.
pub fn internal_error(cause: impl std::fmt::Display) -> AppError {
    let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    tracing::error!(%reference, %cause, "internal error");
    AppError::Internal { reference }
}

/// Maps a database error to what the user is told: busy or unreachable
/// databases are `Unavailable` (worth a retry), anything else is internal.
pub fn db_error(err: sqlx::Error) -> AppError {
    use sqlx::Error as E;
    match &err {
        E::PoolTimedOut | E::PoolClosed | E::Io(_) => {
            tracing::warn!(cause = %err, "database unavailable");
            AppError::Unavailable
        }
        E::Database(db) if matches!(db.code().as_deref(), Some("5" | "6" | "261" | "517")) => {
            // SQLITE_BUSY and SQLITE_LOCKED, with their extended codes:
            // another writer held the lock past the busy timeout.
            tracing::warn!(cause = %err, "database busy");
            AppError::Unavailable
        }
        _ => internal_error(err),
    }
}
