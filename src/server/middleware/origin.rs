//! Cross-site request protection: a state-changing request must come from
//! a page of this site (or of an origin listed in `Leptos.toml`).
//!
//! The browser says where a request comes from in `Origin` (sent with every
//! POST by current browsers) and `Sec-Fetch-Site`; neither can be set by a
//! page's script. The rules, in order:
//! 1. `Origin: null` (sandboxed frames, some redirects): refused.
//! 2. `Origin` present: it must equal the site's own origin (scheme, host
//!    and port) or an allowed one; otherwise refused.
//! 3. No `Origin`, `Sec-Fetch-Site: cross-site`: refused.
//! 4. Neither header: allowed. Only non-browser clients (curl, scripts)
//!    send neither, and they carry no victim's cookies: a forged request
//!    needs a browser to attach them. See docs/SECURITY.md.
//!
//! The check looks at nothing else, so no `Content-Type` (in any case, with
//! any parameters) and no body can get around it.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::Response,
};

use super::errors::respond;
use crate::{
    error::AppError,
    server::{
        AppState,
        config::Origin,
        request::{is_unsafe, wants_html},
    },
};

/// Where a request comes from, as the browser sees this site.
impl Origin {
    /// The origin the browser sees for this request: its `Host` over the
    /// configured scheme, or, behind a trusted proxy, what the proxy says.
    fn of_request(headers: &HeaderMap, https: bool, trusted_proxy: bool) -> Option<Origin> {
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        let forwarded = |name: &str| header(name).and_then(|value| value.split(',').next()).map(str::trim);
        let (scheme, host) = if trusted_proxy {
            let scheme = match forwarded("x-forwarded-proto") {
                Some("https") => "https",
                Some("http") => "http",
                _ if https => "https",
                _ => "http",
            };
            (scheme, forwarded("x-forwarded-host").or_else(|| header(header::HOST.as_str()))?)
        } else {
            (if https { "https" } else { "http" }, header(header::HOST.as_str())?)
        };
        Origin::from_authority(scheme, host)
    }
}

/// Refuses state-changing requests from other sites with 403, before they
/// reach anything that could write.
pub async fn same_origin_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !is_unsafe(request.method()) {
        return next.run(request).await;
    }
    let security = &state.config.security;
    let headers = request.headers();
    let allowed = match headers.get(header::ORIGIN).map(|value| value.to_str().unwrap_or("null")) {
        Some(claimed) => Origin::parse(claimed).is_some_and(|origin| {
            Origin::of_request(headers, state.config.https, security.trusted_proxy).as_ref() == Some(&origin)
                || security.allowed_origins.contains(&origin)
        }),
        None => headers.get("sec-fetch-site").is_none_or(|site| site.as_bytes() != b"cross-site"),
    };
    if allowed {
        next.run(request).await
    } else {
        if let Some(left_out) = state.refusals_logged.line() {
            let origin = headers.get(header::ORIGIN);
            tracing::warn!(?origin, path = %request.uri().path(), left_out, "cross-site request refused");
        }
        respond(AppError::Forbidden, wants_html(&request))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn forwarded_headers_count_only_behind_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("10.0.0.5:3000"));
        headers.insert("x-forwarded-host", HeaderValue::from_static("bulletin.example"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(Origin::of_request(&headers, false, false).unwrap().to_string(), "http://10.0.0.5:3000");
        assert_eq!(Origin::of_request(&headers, false, true).unwrap().to_string(), "https://bulletin.example");
    }
}
