//! Where an [`AppError`] becomes an HTTP response, and where internal causes
//! become an `AppError` without reaching the user.
//!
//! Every layer that refuses a request answers with [`respond`] (or the
//! error's `IntoResponse`), so status and body always agree: the status is
//! [`AppError::status_code`], the body is the error itself.

use axum::{
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};

use super::middleware::request_id;
use crate::error::AppError;

/// The status an error is answered with.
pub fn status_of(error: &AppError) -> StatusCode {
    StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// `error` as a response: for a browser that wants a page (`html`), a short
/// text; otherwise JSON marked as a server function error, which the
/// hydrated client decodes back into the same `AppError`.
pub fn respond(error: AppError, html: bool) -> Response {
    let mut response = if html {
        let mut response = Response::new(Body::from(format!("{error}\n")));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        response
    } else {
        let mut response = Response::new(Body::from(error.ser()));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response.headers_mut().insert(SERVER_FN_ERROR_HEADER, HeaderValue::from_static(""));
        response
    };
    if let AppError::TooManyRequests { retry_after_secs } = error {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    }
    *response.status_mut() = status_of(&error);
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        respond(self, false)
    }
}

/// Logs an internal fault under the request's id and returns the error the
/// user sees, which carries only that id as its reference.
pub fn internal_error(cause: impl std::fmt::Display) -> AppError {
    let reference = request_id::current().unwrap_or_else(request_id::fresh_id);
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
    fn every_refusal_has_the_status_its_body_names() {
        for error in [
            AppError::BadRequest("x".into()),
            AppError::UnsupportedMediaType,
            AppError::RequestTimeout,
            AppError::PayloadTooLarge,
            AppError::TooManyRequests { retry_after_secs: 7 },
            AppError::Unavailable,
        ] {
            let response = respond(error.clone(), false);
            assert_eq!(response.status().as_u16(), error.status_code(), "{error:?}");
            assert!(response.headers().contains_key(SERVER_FN_ERROR_HEADER));
            let html = respond(error.clone(), true);
            assert_eq!(html.status(), response.status());
            assert!(!html.headers().contains_key(SERVER_FN_ERROR_HEADER));
        }
        let limited = respond(AppError::TooManyRequests { retry_after_secs: 7 }, false);
        assert_eq!(limited.headers()[header::RETRY_AFTER], "7");
    }

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
