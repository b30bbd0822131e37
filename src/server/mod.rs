//! Server-only code. Declared behind `#[cfg(feature = "ssr")]` in `lib.rs`,
//! so none of it (sqlx, axum, tokio, config files) reaches the WASM client.

pub mod assets;
pub mod cache;
pub mod config;
pub mod cookies;
pub mod db;
pub mod forms;
pub mod middleware;
pub mod page_cache;
pub mod security;
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

/// Logs an internal fault under the request's id and returns the error the
/// user sees, which carries only that id as its reference.
pub fn internal_error(cause: impl std::fmt::Display) -> AppError {
    let reference =
        telemetry::current_request_id().unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()[..12].to_owned());
    tracing::error!(%reference, %cause, "internal error");
    AppError::Internal { reference }
}

/// Maps a database error to what the user is told: busy or unreachable
/// databases are `Unavailable` (worth a retry), anything else is internal.
pub fn db_error(err: sqlx::Error) -> AppError {
    db_error_ref(&err)
}

/// [`db_error`] for an error that several requests share (a failed batch of
/// likes): each logs it under its own request id.
pub fn db_error_ref(err: &sqlx::Error) -> AppError {
    use sqlx::Error as E;
    match err {
        E::PoolTimedOut | E::PoolClosed | E::Io(_) => {
            tracing::warn!(cause = %err, "database unavailable");
            AppError::Unavailable
        }
        E::Database(db) if db.code().as_deref().and_then(|code| code.parse::<u32>().ok()).is_some_and(is_transient) => {
            tracing::warn!(cause = %err, "database unavailable");
            AppError::Unavailable
        }
        E::Database(db) if db.is_unique_violation() => {
            tracing::warn!(cause = %err, "unique constraint");
            AppError::Conflict
        }
        _ => internal_error(err),
    }
}

/// SQLite result codes (primary code in the low byte) that say the database
/// cannot serve right now, not that the request is wrong: busy or locked by
/// another writer past the busy timeout, read-only, out of disk, I/O
/// failures, a file that cannot be opened.
fn is_transient(code: u32) -> bool {
    const BUSY: u32 = 5;
    const LOCKED: u32 = 6;
    const READONLY: u32 = 8;
    const IOERR: u32 = 10;
    const FULL: u32 = 13;
    const CANTOPEN: u32 = 14;
    matches!(code & 0xff, BUSY | LOCKED | READONLY | IOERR | FULL | CANTOPEN)
}
