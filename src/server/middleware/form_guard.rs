//! The shape of what is posted to a server function, checked before the
//! function's decoder sees it.
//!
//! Server functions decode URL-encoded forms leniently: unknown fields are
//! ignored, a repeated field is taken once, nested keys (`a[b][c]`) build
//! structures. Here every form must be exactly what its function declares:
//! valid UTF-8 without NUL bytes, at most [`MAX_FIELDS`] fields, no field
//! twice, no nested keys, and only the function's own field names. The names
//! are read from the function's argument type itself, so they cannot drift
//! from the code. Anything else is a 400 that says what was wrong, and no
//! server function runs.

use std::collections::HashSet;

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{StatusCode, header},
    middleware::Next,
    response::Response,
};
use leptos::server_fn::ServerFn;
use serde::de::{self, DeserializeOwned, Visitor};

use super::{refuse, wants_html};
use crate::{
    api::{posts, preferences},
    error::AppError,
};

/// The most fields a form may hold; ours have at most three.
pub const MAX_FIELDS: usize = 16;

/// The server functions that only read. They are not rate-limited.
const READ_ONLY: [&str; 2] = [posts::ListPosts::PATH, posts::GetPost::PATH];

/// Whether `path` is a server function that only reads.
pub fn is_read_only_server_fn(path: &str) -> bool {
    READ_ONLY.contains(&path)
}

/// The fields each server function accepts, by path. A server function
/// missing here accepts nothing: the check fails closed.
fn fields_of(path: &str) -> Option<&'static [&'static str]> {
    [
        (posts::ListPosts::PATH, field_names::<posts::ListPosts>()),
        (posts::GetPost::PATH, field_names::<posts::GetPost>()),
        (posts::CreatePost::PATH, field_names::<posts::CreatePost>()),
        (posts::UpdatePost::PATH, field_names::<posts::UpdatePost>()),
        (posts::DeletePost::PATH, field_names::<posts::DeletePost>()),
        (posts::SetLike::PATH, field_names::<posts::SetLike>()),
        (posts::RecordView::PATH, field_names::<posts::RecordView>()),
        (preferences::SetTheme::PATH, field_names::<preferences::SetTheme>()),
    ]
    .into_iter()
    .find_map(|(known, fields)| (known == path).then_some(fields))
}

/// Checks every POST under `/api/` against its server function's fields.
pub async fn exact_forms(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if !path.starts_with("/api/") {
        return next.run(request).await;
    }
    let html = wants_html(&request);
    let Some(fields) = fields_of(&path) else {
        return refuse(AppError::NotFound, html);
    };
    let url_encoded = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    let (parts, body) = request.into_parts();
    // The body-limit layer has already read it within its limit.
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return refuse(AppError::BadRequest("the request body could not be read".into()), html);
    };
    if !url_encoded && !bytes.is_empty() {
        let mut response = refuse(AppError::BadRequest("send the fields as an HTML form (URL-encoded)".into()), html);
        *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return response;
    }
    if let Err(problem) = check_form(&bytes, fields) {
        return refuse(AppError::BadRequest(problem), html);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
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

/// The field names a server function's argument type declares, read from
/// its `Deserialize` implementation: serde's derive hands them to
/// `deserialize_struct`, which this deserializer records and then stops.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut probe = FieldProbe(&[]);
    let _ = T::deserialize(&mut probe);
    probe.0
}

struct FieldProbe(&'static [&'static str]);

impl<'de> de::Deserializer<'de> for &mut FieldProbe {
    type Error = de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = fields;
        Err(de::Error::custom("fields recorded"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_names_come_from_the_server_functions_themselves() {
        assert_eq!(field_names::<posts::CreatePost>(), ["title", "content", "submission"]);
        assert_eq!(field_names::<posts::DeletePost>(), ["id", "title", "content"]);
        assert_eq!(field_names::<posts::ListPosts>(), ["before"]);
    }

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
