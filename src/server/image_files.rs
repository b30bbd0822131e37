//! `GET /images/{name}`: posts' images, from the database, so every
//! instance serves every image at once.
//!
//! A file is only ever bytes the server made itself (`services::images`),
//! and it is served so that even a file that were not would do nothing:
//! its own type with `nosniff`, `Content-Disposition: inline` with its own
//! safe name, and `Content-Security-Policy: sandbox` (opened on its own, it
//! runs no script and reaches nothing). Its name never names other bytes,
//! so browsers and proxies may keep it for a year.

use axum::{
    body::Body,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::{AppState, services::images};
use crate::error::AppError;

/// Where images are served.
pub const PATH: &str = "/images/{name}";

/// The policy of an image opened on its own.
pub const IMAGE_POLICY: &str = "default-src 'none'; sandbox";

/// How long an image may be kept: a year, and it never changes.
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// Answers with the image `name`, or 404.
pub async fn serve_image(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    if !images::is_image_name(&name) {
        return AppError::NotFound.into_response();
    }
    let (content_type, data) = match images::read(&state.db, &name).await {
        Ok(Some(found)) => found,
        Ok(None) => return AppError::NotFound.into_response(),
        Err(error) => return error.into_response(),
    };
    let mut response = Response::new(Body::from(data));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    let typed = HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, typed);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // The name is 32 hex digits and an extension (`is_image_name`).
    let disposition = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")).expect("a checked name");
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(IMAGE_POLICY));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    response
}
