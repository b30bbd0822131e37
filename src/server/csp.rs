//! The Content-Security-Policy of every page: what a page may run, load and
//! send, so that markup slipped into one (a post's text that escaping
//! missed) can do nothing.
//!
//! A page runs two kinds of script: the client's files, from this site
//! (`'self'`, and `'wasm-unsafe-eval'` to compile the `.wasm`), and one
//! inline script, the same on every page: our boot script (`ui/client.js`,
//! with the client's file names; the tables Leptos would write after the
//! page are cut off, `middleware::page_end`). It is allowed by its SHA-256,
//! computed once at start-up, not by a nonce: a kept page is served to many
//! visitors, and a nonce repeated is no nonce. The stylesheet the page
//! carries inline is allowed by its hash too. Nothing else inline runs: no
//! `'unsafe-inline'`, no `'unsafe-eval'`.
//!
//! Under `cargo leptos watch` the live reload adds an inline script of its
//! own and a WebSocket to its port, so the policy there allows inline
//! scripts and styles and that socket; a release never runs in watch mode.

use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

use super::assets::ClientAssets;

/// The policy of every page for `assets`; `reload_port` when the server runs
/// under `cargo leptos watch`.
pub fn page_policy(assets: &ClientAssets, reload_port: Option<u32>) -> String {
    let fixed = "default-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; \
                 form-action 'self'; frame-ancestors 'none'";
    if let Some(port) = reload_port {
        return format!(
            "{fixed}; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
             connect-src 'self' ws://127.0.0.1:{port} ws://localhost:{port}"
        );
    }
    let script = source_hash(&assets.boot);
    let style = assets.style.as_deref().map(source_hash).map_or_else(String::new, |hash| format!(" {hash}"));
    format!("{fixed}; script-src 'self' 'wasm-unsafe-eval' {script}; style-src 'self'{style}; connect-src 'self'")
}

/// `text`'s CSP hash source: `'sha256-<base64>'`.
pub fn source_hash(text: &str) -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(text.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_source_is_the_base64_of_the_texts_sha256() {
        // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(source_hash("alert(1)"), "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='");
    }

    #[test]
    fn a_release_page_allows_no_inline_code_but_its_own() {
        let assets = ClientAssets::plain();
        let policy = page_policy(&assets, None);
        assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");
        assert!(policy.contains(&source_hash(&assets.boot)), "{policy}");
        for directive in ["object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"] {
            assert!(policy.contains(directive), "{directive}: {policy}");
        }
        let watched = page_policy(&assets, Some(3001));
        assert!(watched.contains("ws://127.0.0.1:3001") && watched.contains("'unsafe-inline'"), "{watched}");
    }
}
