//! The one error type of the application, shared by server and client.
//!
//! A server function returns `Result<T, AppError>`; the error crosses the wire
//! as JSON (`wire::Json`) and arrives on the client as the same value, so a page matches on
//! it the same way whether it was rendered on the server or in the browser.
//!
//! Invariant: no variant carries text from an internal cause (SQL, I/O,
//! serde). Those are logged on the server next to a reference, and only the
//! reference reaches the user.

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::PostFieldErrors;

/// Everything that can go wrong in a request, as the user is told about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request could not be understood: missing or malformed arguments.
    #[error("The request could not be understood: {0}")]
    BadRequest(String),
    /// The submitted post is not valid; each field says why. The form shows
    /// each message next to its field.
    #[error("Some fields need attention")]
    Invalid(PostFieldErrors),
    /// The visitor may not do this.
    #[error("You are not allowed to do that")]
    Forbidden,
    /// What was asked for does not exist.
    #[error("Not found")]
    NotFound,
    /// The request conflicts with what is stored (a duplicate).
    #[error("That conflicts with something already saved; reload and try again")]
    Conflict,
    /// The request body is larger than the server accepts.
    #[error("That is more than the server accepts in one request")]
    PayloadTooLarge,
    /// The fields were not sent as a URL-encoded HTML form.
    #[error("Send the fields as an HTML form (URL-encoded)")]
    UnsupportedMediaType,
    /// The request body arrived too slowly and was cut off.
    #[error("The request arrived too slowly; please try again")]
    RequestTimeout,
    /// Too many writes in a short time; `retry_after_secs` says when to try
    /// again.
    #[error("Too many changes in a short time; try again in {retry_after_secs} s")]
    TooManyRequests {
        /// Seconds until a retry can succeed.
        retry_after_secs: u64,
    },
    /// A dependency (the database) is busy or unreachable; trying again later
    /// may succeed.
    #[error("The service is temporarily unavailable; please try again in a moment")]
    Unavailable,
    /// A fault on our side. The cause is in the server log under `reference`.
    #[error("Something went wrong on our side (reference {reference})")]
    Internal {
        /// Identifies the log line that holds the cause.
        reference: String,
    },
    /// The browser could not reach the server, or could not read its answer.
    /// Only the client produces this.
    #[error("Could not reach the server; check your connection and try again")]
    Network,
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::Invalid(_) => 422,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict => 409,
            AppError::PayloadTooLarge => 413,
            AppError::UnsupportedMediaType => 415,
            AppError::RequestTimeout => 408,
            AppError::TooManyRequests { .. } => 429,
            AppError::Unavailable => 503,
            AppError::Internal { .. } => 500,
            AppError::Network => 502,
        }
    }
}

impl From<PostFieldErrors> for AppError {
    fn from(errors: PostFieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl FromServerFnError for AppError {
    type Encoder = crate::wire::Json;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The arguments a client sent could not be decoded. The decoder's
            // own message names internals of serde, so it is not passed on.
            ServerFnErrorErr::Args(_) => AppError::BadRequest("the submitted fields are malformed".into()),
            ServerFnErrorErr::MissingArg(name) => AppError::BadRequest(format!("the field `{name}` is missing")),
            // Raised on the client when the request failed or the answer
            // could not be read.
            ServerFnErrorErr::Request(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::Serialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => AppError::Network,
            ServerFnErrorErr::Registration(_)
            | ServerFnErrorErr::ServerError(_)
            | ServerFnErrorErr::MiddlewareError(_)
            | ServerFnErrorErr::Response(_) => AppError::Internal { reference: "server-fn".into() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_an_honest_status() {
        assert_eq!(AppError::BadRequest("x".into()).status_code(), 400);
        assert_eq!(AppError::Invalid(PostFieldErrors::default()).status_code(), 422);
        assert_eq!(AppError::Forbidden.status_code(), 403);
        assert_eq!(AppError::NotFound.status_code(), 404);
        assert_eq!(AppError::Conflict.status_code(), 409);
        assert_eq!(AppError::PayloadTooLarge.status_code(), 413);
        assert_eq!(AppError::UnsupportedMediaType.status_code(), 415);
        assert_eq!(AppError::RequestTimeout.status_code(), 408);
        assert_eq!(AppError::TooManyRequests { retry_after_secs: 3 }.status_code(), 429);
        assert_eq!(AppError::Unavailable.status_code(), 503);
        assert_eq!(AppError::Internal { reference: "r".into() }.status_code(), 500);
    }

    #[test]
    fn an_argument_decoding_error_does_not_leak_the_decoder_message() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args(
            "invalid type: string \"x\", expected i64 at line 1".into(),
        ));
        assert!(matches!(err, AppError::BadRequest(_)));
        assert!(!err.to_string().contains("invalid type"), "{err}");
    }

    #[test]
    fn an_error_survives_the_round_trip_through_its_wire_encoding() {
        let err = AppError::Internal { reference: "abc123".into() };
        assert_eq!(AppError::de(err.ser()), err);
    }
}
