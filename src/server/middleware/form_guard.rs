//! The shape of what is posted to a server function, checked before the
//! function's decoder sees it.
//!
//! Server functions decode URL-encoded forms leniently: unknown fields are
//! ignored, a repeated field is taken once, nested keys (`a[b][c]`) build
//! structures. Here every form must be exactly what its function declares:
//! valid UTF-8 without NUL bytes, at most [`MAX_FIELDS`] fields, no field
//! twice, no nested keys, and only the function's own field names, which
//! the [registry](crate::server::registry) reads from the function's
//! argument type itself. Anything else is a 400 that says what was wrong,
//! and no server function runs.
//!
//! This is also where a server function's body is read: to the end, within
//! `security.body_read_timeout` in all (408 past it), and within the size
//! limit that the body-limit layer put on it (413).
//!
//! Only a function that takes a file (the registry says which) may be sent
//! `multipart/form-data`. Such a form first waits for its turn (a few are
//! read at once: `services::images::ImageWork::admit`), is read as a stream
//! ([`crate::server::upload`]) and then checked as the URL-encoded form of
//! its text fields, which is what the function receives, with the file in
//! the request's extensions. Every other form is URL-encoded or refused
//! (415).

use std::collections::HashSet;

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use http_body_util::LengthLimitError;

use super::errors::respond;
use crate::{
    error::AppError,
    server::{
        AppState, registry,
        request::{client_ip, is_multipart_form, is_url_encoded_form, wants_html},
        upload::{self, ReadError},
    },
};

/// The most fields a form may hold; ours have at most three.
pub const MAX_FIELDS: usize = 16;

/// Checks every POST under `/api/` against its server function's fields.
pub async fn exact_forms(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/") {
        return next.run(request).await;
    }
    let html = wants_html(&request);
    let Some(endpoint) = registry::find(path) else {
        return respond(AppError::NotFound, html);
    };
    if is_multipart_form(request.headers()) {
        return match endpoint.file {
            Some(file_field) => multipart_form(&state, endpoint.fields, file_field, request, next).await,
            None => respond(AppError::UnsupportedMediaType, html),
        };
    }
    let url_encoded = is_url_encoded_form(request.headers());
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(state.config.security.body_read_timeout, to_bytes(body, usize::MAX));
    let bytes = match read.await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(err)) if caused_by::<LengthLimitError>(&err) => return respond(AppError::PayloadTooLarge, html),
        Ok(Err(_)) => return respond(AppError::BadRequest("the request body could not be read".into()), html),
        Err(_elapsed) => {
            tracing::warn!("request body too slow: cut off");
            return respond(AppError::RequestTimeout, html);
        }
    };
    if !url_encoded && !bytes.is_empty() {
        return respond(AppError::UnsupportedMediaType, html);
    }
    if let Err(problem) = check_form(&bytes, endpoint.fields) {
        return respond(AppError::BadRequest(problem), html);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// A form with a file for a function that takes one: read in its turn,
/// checked, and passed on as its URL-encoded fields with the file beside
/// them. The turn is held until the function has answered, so the memory
/// that files and their decoding take stays bounded.
async fn multipart_form(state: &AppState, fields: &[&str], file_field: &str, request: Request, next: Next) -> Response {
    let html = wants_html(&request);
    let boundary =
        request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).and_then(upload::boundary);
    let Some(boundary) = boundary else {
        return respond(AppError::BadRequest("the multipart form has no boundary".into()), html);
    };
    let address = client_ip(&request, state.config.security.trusted_proxy);
    let turn = match state.images.admit(address).await {
        Ok(turn) => turn,
        Err(busy) => return respond(busy, html),
    };
    let security = &state.config.security;
    let (mut parts, body) = request.into_parts();
    let limits = (MAX_FIELDS, security.max_body_bytes, security.max_upload_bytes);
    let read = upload::read(body.into_data_stream(), boundary, fields, file_field, limits);
    let form = match tokio::time::timeout(security.body_read_timeout, read).await {
        Ok(Ok(form)) => form,
        Ok(Err(ReadError::Refused(refused))) => return respond(refused, html),
        Ok(Err(ReadError::Body(err))) if caused_by::<LengthLimitError>(&err) => {
            return respond(AppError::PayloadTooLarge, html);
        }
        Ok(Err(ReadError::Body(_))) => {
            return respond(AppError::BadRequest("the multipart form could not be read".into()), html);
        }
        Err(_elapsed) => {
            tracing::warn!("request body too slow: cut off");
            return respond(AppError::RequestTimeout, html);
        }
    };
    if let Err(problem) = check_form(form.url_encoded.as_bytes(), fields) {
        return respond(AppError::BadRequest(problem), html);
    }
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(form.url_encoded.len()));
    if let Some(file) = form.upload {
        parts.extensions.insert(file);
    }
    let answered = next.run(Request::from_parts(parts, Body::from(form.url_encoded))).await;
    drop(turn);
    answered
}

/// Whether `err`, or an error it wraps, is an `E`.
fn caused_by<E: std::error::Error + 'static>(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(err) = current {
        if err.is::<E>() {
            return true;
        }
        current = err.source();
    }
    false
}

/// What is wrong with a URL-encoded form, given the fields it may hold.
fn check_form(body: &[u8], allowed: &[&str]) -> Result<(), String> {
    let pairs = || body.split(|b| *b == b'&').filter(|pair| !pair.is_empty());
    if pairs().nth(MAX_FIELDS).is_some() {
        return Err(format!("a form may hold at most {MAX_FIELDS} fields"));
    }
    let mut seen = HashSet::new();
    for pair in pairs() {
        let (raw_name, raw_value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        let name = decode(raw_name).ok_or("a field name is not valid UTF-8")?;
        let value = decode(raw_value).ok_or_else(|| format!("the field `{}` is not valid UTF-8", printable(&name)))?;
        if name.contains('\0') || value.contains('\0') {
            return Err("the form holds a NUL character".into());
        }
        if !allowed.contains(&name.as_str()) {
            return Err(format!("unexpected field `{}`", printable(&name)));
        }
        if !seen.insert(name.clone()) {
            return Err(format!("the field `{name}` appears twice"));
        }
    }
    Ok(())
}

/// Percent-decodes one form component (`+` is a space), strictly: `None`
/// when the bytes are not UTF-8.
fn decode(raw: &[u8]) -> Option<String> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' if i + 2 < raw.len() => match (hex_digit(raw[i + 1]), hex_digit(raw[i + 2])) {
                (Some(high), Some(low)) => {
                    bytes.push(high << 4 | low);
                    i += 2;
                }
                _ => bytes.push(b'%'),
            },
            byte => bytes.push(byte),
        }
        i += 1;
    }
    String::from_utf8(bytes).ok()
}

fn hex_digit(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|digit| digit as u8)
}

/// A field name short and safe enough to quote in a message.
fn printable(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_with_exactly_its_fields_passes() {
        assert_eq!(
            check_form(b"title=Hi+there&content=%C3%A9t%C3%A9&submission=k", &["title", "content", "submission"]),
            Ok(())
        );
        assert_eq!(check_form(b"", &["before"]), Ok(()));
    }

    #[test]
    fn every_malformed_form_is_refused_with_a_reason() {
        let fields = ["title", "content"];
        for (body, reason) in [
            (&b"title=a&title=b"[..], "twice"),
            (b"title=a&admin=1", "unexpected field `admin`"),
            (b"title[x][y]=a", "unexpected field"),
            (b"title=%FF%FE", "not valid UTF-8"),
            (b"title=a%00b", "NUL"),
        ] {
            let err = check_form(body, &fields).unwrap_err();
            assert!(err.contains(reason), "{body:?}: {err}");
        }
        let many = (0..10_000).map(|n| format!("f{n}=1")).collect::<Vec<_>>().join("&");
        assert!(check_form(many.as_bytes(), &fields).unwrap_err().contains("at most"));
    }

    #[test]
    fn percent_decoding_is_strict_about_utf8_and_lenient_about_stray_percents() {
        assert_eq!(decode(b"a%20b+c").as_deref(), Some("a b c"));
        assert_eq!(decode(b"100%").as_deref(), Some("100%"));
        assert_eq!(decode(b"%zz").as_deref(), Some("%zz"));
        assert_eq!(decode(b"%C3"), None);
    }
}
