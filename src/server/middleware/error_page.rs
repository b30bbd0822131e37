//! The page a browser without JavaScript gets for a refusal (413, 429, 400
//! and the others [`respond`](super::errors::respond) answers with): a page
//! in the site's design, with its stylesheet and header, that says what
//! happened and, for a form that was refused, links back to it.
//!
//! `respond` cannot draw it (it has no state, and many layers call it), so
//! it marks its answers for a browser with the error; the errors layer,
//! which has the state, draws the page for them.

use axum::{
    body::Body,
    http::{HeaderValue, header},
    response::Response,
};

use crate::{
    domain::{Theme, paths},
    error::AppError,
    server::{AppState, assets::ClientAssets},
    ui::escape::escape_text,
};

/// What `respond` puts on an error answer for a browser that wants a page.
#[derive(Clone, Debug)]
pub struct ForAPage(pub AppError);

/// Replaces the body of `response` with the page for `error`: its status
/// and headers (`Retry-After`) stay.
/// `referer` is the refused request's `Referer`, if any; `theme`, the
/// theme the visitor chose (its cookie), so the page looks like the others.
pub fn draw(
    state: &AppState,
    error: &AppError,
    referer: Option<&HeaderValue>,
    theme: Option<Theme>,
    response: Response,
) -> Response {
    let (mut parts, _) = response.into_parts();
    let back = referer.and_then(back_to);
    let security = &state.config.security;
    let page = page(&state.assets, error, (security.max_body_bytes, security.max_upload_bytes), back.as_deref(), theme);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(page))
}

/// The path of the page the refused form was on, from `Referer`: only its
/// path, so the link stays on this site whatever the header claims.
fn back_to(referer: &HeaderValue) -> Option<String> {
    let referer = referer.to_str().ok()?;
    let path = match referer.split_once("://") {
        Some((_, rest)) => &rest[rest.find('/')?..],
        None => referer,
    };
    paths::local_path(path).map(str::to_owned)
}

/// The page's heading, and what it says beyond the error's own sentence.
/// `limits`: the largest form, and the largest image a form may carry.
fn heading(error: &AppError, limits: (usize, usize)) -> (&'static str, Option<String>) {
    match error {
        AppError::PayloadTooLarge => (
            "Too large to accept",
            Some(format!(
                "This site accepts at most {} of text in one form, and an image of at most {}; \
                 shorten what you typed or choose a smaller image, and send it again.",
                size(limits.0),
                size(limits.1)
            )),
        ),
        AppError::TooManyRequests { .. } => ("Too many changes", None),
        AppError::RequestTimeout => ("Too slow", None),
        AppError::BadRequest(_) | AppError::UnsupportedMediaType | AppError::Invalid(_) => ("Not understood", None),
        AppError::Forbidden => ("Not allowed", None),
        AppError::NotFound => ("Not found", None),
        AppError::Conflict => ("Already changed", None),
        AppError::Unavailable => ("Unavailable", None),
        AppError::Internal { .. } | AppError::Network => ("Something went wrong", None),
    }
}

/// `bytes` as a person reads a size.
fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

fn page(
    assets: &ClientAssets,
    error: &AppError,
    limits: (usize, usize),
    back: Option<&str>,
    theme: Option<Theme>,
) -> String {
    let (title, more) = heading(error, limits);
    let stylesheet = match &assets.style {
        Some(css) => format!("<style>{css}</style>"),
        None => format!(r#"<link rel="stylesheet" href="{}">"#, attribute(&assets.css)),
    };
    let more = more.map_or_else(String::new, |more| format!("<p>{}</p>", escape_text(&more)));
    let link = match back {
        Some(path) => format!(r#"<a href="{}">Back to the form</a>"#, attribute(path)),
        None => r#"<a href="/">Go to the posts</a>"#.to_owned(),
    };
    let theme = theme.map_or_else(String::new, |theme| format!(r#" data-theme="{}""#, theme.as_str()));
    format!(
        "<!DOCTYPE html><html lang=\"en\"{theme}><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · bulletin</title>{stylesheet}</head>\
         <body><header class=\"site-header\"><a class=\"site-name\" href=\"/\">bulletin</a></header>\
         <main id=\"main\"><h1>{title}</h1><p role=\"alert\">{message}</p>{more}<p>{link}</p></main></body></html>",
        message = escape_text(&error.to_string()),
    )
}

/// `text` for a double-quoted attribute: `Referer` is the client's to
/// write, quotes included.
fn attribute(text: &str) -> String {
    escape_text(text).replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_a_person_writes_them() {
        assert_eq!(size(1 << 20), "1 MiB");
        assert_eq!(size(2048), "2 KiB");
        assert_eq!(size(1500), "1500 bytes");
    }

    #[test]
    fn the_link_back_is_the_refused_forms_path_on_this_site_only() {
        let with = |referer: &str| back_to(&HeaderValue::from_str(referer).unwrap());
        assert_eq!(with("http://127.0.0.1:3000/posts/new").as_deref(), Some("/posts/new"));
        assert_eq!(with("https://evil.example/posts/7/edit").as_deref(), Some("/posts/7/edit"));
        assert_eq!(with("https://evil.example").as_deref(), None);
        assert_eq!(with("//evil.example/x").as_deref(), None);
        let quoted = with(r#"http://localhost/posts/new"onmouseover="x"#).unwrap();
        let page = page(&ClientAssets::plain(), &AppError::PayloadTooLarge, (1 << 20, 8 << 20), Some(&quoted), None);
        assert!(page.contains(r#"<a href="/posts/new&quot;onmouseover=&quot;x">"#), "{page}");
    }
}
