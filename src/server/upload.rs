//! A form sent as `multipart/form-data` (one that carries a file), read as
//! a stream within bounds and turned into what every other form is: its
//! text fields URL-encoded, and the file beside them as an [`Upload`] in
//! the request's extensions, where the server function finds it
//! (`Caller::upload`).
//!
//! So the field checks of every form (`middleware::form_guard`) apply to
//! these too, unchanged, and a server function that takes a file keeps its
//! typed arguments: only its file arrives another way.

use bytes::Bytes;
use futures::Stream;

use crate::error::AppError;

/// The file a form carried, if it carried one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upload {
    /// The file's bytes, at most the upload limit.
    File(Bytes),
    /// The file was larger than the limit: its bytes were read and thrown
    /// away, and the function says so in the form.
    TooLarge,
}

/// A multipart form, read: the text fields as a URL-encoded form, and the
/// file.
#[derive(Debug)]
pub struct ReadForm {
    /// `name=value&…`, each percent-encoded byte for byte: the form guard
    /// checks it as it checks any form.
    pub url_encoded: String,
    /// The file, if one was chosen (a file field left empty sends its part
    /// with an empty file name and no bytes: that is no file).
    pub upload: Option<Upload>,
}

/// Why a multipart body could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The request is malformed or holds what it may not: a 400 that says
    /// what.
    Refused(AppError),
    /// Reading the body itself failed (too long, cut off): the cause, for
    /// the caller to tell a size limit from a broken connection.
    Body(multer::Error),
}

/// The boundary of a `multipart/form-data` content type; `None` for any
/// other type.
pub fn boundary(content_type: &str) -> Option<String> {
    multer::parse_boundary(content_type).ok()
}

/// Reads a multipart body. Text fields may only be `fields`, each once,
/// at most `max_text_bytes` in all; the one file may only be in `file_field`, and
/// is kept up to `max_file_bytes` (past that it is [`Upload::TooLarge`]).
/// At most `max_parts` parts in all.
pub async fn read<S, E>(
    body: S,
    boundary: String,
    fields: &[&str],
    file_field: &str,
    limits: (usize, usize, usize),
) -> Result<ReadForm, ReadError>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let (max_parts, max_text_bytes, max_file_bytes) = limits;
    let refused = |message: String| ReadError::Refused(AppError::BadRequest(message));
    let mut multipart = multer::Multipart::new(body, boundary);
    let mut url_encoded = String::new();
    let mut upload = None;
    let mut seen: Vec<String> = Vec::new();
    let mut text_bytes = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(ReadError::Body)? {
        if seen.len() == max_parts {
            return Err(refused(format!("a form may hold at most {max_parts} fields")));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let printable: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
        if seen.contains(&name) {
            return Err(refused(format!("the field `{printable}` appears twice")));
        }
        seen.push(name.clone());
        if name == file_field {
            let mut bytes = Vec::new();
            let mut too_large = false;
            while let Some(chunk) = field.chunk().await.map_err(ReadError::Body)? {
                if too_large || bytes.len() + chunk.len() > max_file_bytes {
                    // Read on, and thrown away, so the answer is read.
                    too_large = true;
                    bytes = Vec::new();
                } else {
                    bytes.extend_from_slice(&chunk);
                }
            }
            upload = match (too_large, bytes.is_empty()) {
                (true, _) => Some(Upload::TooLarge),
                (false, true) => None,
                (false, false) => Some(Upload::File(Bytes::from(bytes))),
            };
            continue;
        }
        if !fields.contains(&name.as_str()) {
            return Err(refused(format!("unexpected field `{printable}`")));
        }
        if field.file_name().is_some() {
            return Err(refused(format!("the field `{printable}` must be text, not a file")));
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(ReadError::Body)? {
            text_bytes += chunk.len();
            if text_bytes > max_text_bytes {
                return Err(ReadError::Refused(AppError::PayloadTooLarge));
            }
            value.extend_from_slice(&chunk);
        }
        if !url_encoded.is_empty() {
            url_encoded.push('&');
        }
        percent_encode(name.as_bytes(), &mut url_encoded);
        url_encoded.push('=');
        percent_encode(&value, &mut url_encoded);
    }
    Ok(ReadForm { url_encoded, upload })
}

/// Appends `bytes` to `out` percent-encoded, all but ASCII letters and
/// digits: what a URL-encoded form decodes back to the same bytes (invalid
/// UTF-8 and NUL included, for the guard to refuse as it would refuse them
/// in any form).
fn percent_encode(bytes: &[u8], out: &mut String) {
    for byte in bytes {
        if byte.is_ascii_alphanumeric() {
            out.push(char::from(*byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: (usize, usize, usize) = (16, 1024, 64);

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, file_name, value) in parts {
            out.extend_from_slice(b"--XyZ\r\n");
            match file_name {
                Some(file_name) => out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => {
                    out.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes())
                }
            }
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--XyZ--\r\n");
        out
    }

    async fn read_body(parts: &[(&str, Option<&str>, &[u8])]) -> Result<ReadForm, ReadError> {
        let stream = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from(body(parts)))]);
        read(stream, "XyZ".into(), &["title", "content"], "image", LIMITS).await
    }

    fn refusal(result: Result<ReadForm, ReadError>) -> String {
        match result {
            Err(ReadError::Refused(AppError::BadRequest(message))) => message,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[tokio::test]
    async fn text_fields_become_a_url_encoded_form_and_the_file_an_upload() {
        let read =
            read_body(&[("title", None, "Été & co".as_bytes()), ("image", Some("a.png"), b"\x89PNG")]).await.unwrap();
        assert_eq!(read.url_encoded, "title=%C3%89t%C3%A9%20%26%20co");
        assert_eq!(read.upload, Some(Upload::File(Bytes::from_static(b"\x89PNG"))));
    }

    #[tokio::test]
    async fn an_empty_file_field_is_no_file_and_a_large_one_is_too_large() {
        let read = read_body(&[("image", Some(""), b""), ("content", None, b"x")]).await.unwrap();
        assert_eq!((read.url_encoded.as_str(), read.upload), ("content=x", None));
        let big = vec![7_u8; 65];
        let read = read_body(&[("image", Some("big.jpg"), &big)]).await.unwrap();
        assert_eq!(read.upload, Some(Upload::TooLarge));
    }

    #[tokio::test]
    async fn a_form_that_is_not_exactly_its_fields_is_refused() {
        assert!(refusal(read_body(&[("admin", None, b"1")]).await).contains("unexpected field `admin`"));
        assert!(refusal(read_body(&[("title", None, b"a"), ("title", None, b"b")]).await).contains("twice"));
        assert!(refusal(read_body(&[("image", Some("a"), b"1"), ("image", Some("b"), b"2")]).await).contains("twice"));
        assert!(refusal(read_body(&[("title", Some("t.txt"), b"a")]).await).contains("must be text"));
        let many: Vec<(String, Option<&str>, &[u8])> = (0..17).map(|n| (format!("f{n}"), None, &b""[..])).collect();
        let many: Vec<(&str, Option<&str>, &[u8])> = many.iter().map(|(n, f, v)| (n.as_str(), *f, *v)).collect();
        let found = refusal(read_body(&many).await);
        assert!(found.contains("unexpected field") || found.contains("at most"), "{found}");
        let long = vec![b'a'; 1025];
        assert!(matches!(
            read_body(&[("content", None, &long)]).await,
            Err(ReadError::Refused(AppError::PayloadTooLarge))
        ));
        // The limit is for all the text: two fields under it each, over it together.
        let half = vec![b'a'; 600];
        let both = read_body(&[("title", None, &half), ("content", None, &half)]).await;
        assert!(matches!(both, Err(ReadError::Refused(AppError::PayloadTooLarge))));
    }
}
