//! Where internal causes (a database error, a fault) become an [`AppError`]
//! without reaching the user: logged with the request's id, shown as that id.
//! Where an `AppError` becomes an HTTP response is the errors middleware's
//! business ([`super::middleware::errors`]).

use super::telemetry;
use crate::error::AppError;

/// Logs an internal fault under the request's id and returns the error the
/// user sees, which carries only that id as its reference.
pub fn internal_error(cause: impl std::fmt::Display) -> AppError {
    let reference = telemetry::current_request_id().unwrap_or_else(telemetry::fresh_id);
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
        E::Database(db) if is_transient(db.as_ref()) => {
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

/// Whether the database says it cannot serve right now, not that the
/// request is wrong.
fn is_transient(err: &dyn sqlx::error::DatabaseError) -> bool {
    let Some(code) = err.code() else {
        return false;
    };
    if err.try_downcast_ref::<sqlx::postgres::PgDatabaseError>().is_some() {
        is_transient_on_postgres(&code)
    } else {
        code.parse().is_ok_and(is_transient_on_sqlite)
    }
}

/// Postgres SQLSTATEs of that kind: the connection failed (class 08), the
/// transaction was rolled back for a deadlock or a serialisation failure
/// (40), the server is out of resources (53), a lock was not granted within
/// `lock_timeout` (55P03), or the server is shutting down or starting (57P0x).
fn is_transient_on_postgres(code: &str) -> bool {
    ["08", "40", "53", "57P0"].iter().any(|class| code.starts_with(class)) || code == "55P03"
}

/// SQLite result codes (primary code in the low byte) of that kind: busy or
/// locked by another writer past the busy timeout, read-only, out of disk,
/// I/O failures, a file that cannot be opened.
fn is_transient_on_sqlite(code: u32) -> bool {
    const BUSY: u32 = 5;
    const LOCKED: u32 = 6;
    const READONLY: u32 = 8;
    const IOERR: u32 = 10;
    const FULL: u32 = 13;
    const CANTOPEN: u32 = 14;
    matches!(code & 0xff, BUSY | LOCKED | READONLY | IOERR | FULL | CANTOPEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_for_busy_locked_and_failing_storage_are_transient_and_constraints_are_not() {
        // Extended codes keep the primary code in the low byte.
        for code in [5, 6, 8, 10, 13, 14, 517, 1034] {
            assert!(is_transient_on_sqlite(code), "{code}");
        }
        for code in [1, 19, 2067] {
            assert!(!is_transient_on_sqlite(code), "{code}");
        }
    }

    #[test]
    fn postgres_states_for_lost_connections_deadlocks_and_lock_timeouts_are_transient_and_constraints_are_not() {
        for code in ["08006", "40001", "40P01", "53300", "55P03", "57P01", "57P03"] {
            assert!(is_transient_on_postgres(code), "{code}");
        }
        for code in ["23505", "23514", "42P01", "22001", "57014"] {
            assert!(!is_transient_on_postgres(code), "{code}");
        }
    }
}
