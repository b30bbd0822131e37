//! Release serving: fingerprinted client files named in the page and kept by
//! browsers for a year, precompressed files chosen by `Accept-Encoding`, and
//! pages compressed on the fly above a size threshold.

use std::{io::Read, path::Path};

use crate::server::{assets, middleware::COMPRESS_MIN_BYTES};
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use tempfile::TempDir;

use super::{TestApp, TestResponse, list_key};

/// A built site as `cargo leptos build --release --precompress` leaves it:
/// fingerprinted files, their hashes in `hash.txt`, and a `.br` and `.gz`
/// beside each. The compressed files hold markers rather than real
/// compressions: what is tested is which one the server picks.
fn release_site() -> TempDir {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(site.path().join("hash.txt"), "js: Js1\nwasm: Wa-2\ncss: Cs_3\n").unwrap();
    for name in ["bulletin.Js1.js", "bulletin.Wa-2.wasm", "bulletin.Cs_3.css"] {
        std::fs::write(pkg.join(name), format!("raw {name}")).unwrap();
        std::fs::write(pkg.join(format!("{name}.br")), format!("br {name}")).unwrap();
        std::fs::write(pkg.join(format!("{name}.gz")), format!("gz {name}")).unwrap();
    }
    std::fs::write(site.path().join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    site
}

async fn app_on(site: &Path) -> TestApp {
    TestApp::spawn_with(&[("LEPTOS_SITE_ROOT", site.to_str().unwrap())]).await
}

async fn fetch(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> TestResponse {
    let mut request = Request::get(path).header(header::ACCEPT, "*/*");
    if let Some(encodings) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encodings);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

fn header_of(res: &TestResponse, name: header::HeaderName) -> Option<&str> {
    res.headers.get(name).map(|value| value.to_str().unwrap())
}

#[tokio::test]
async fn the_page_names_the_fingerprinted_files_and_loads_them() {
    let site = release_site();
    let app = app_on(site.path()).await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    // The stylesheet is small: the page carries it, and names no file the
    // first paint would wait for.
    assert!(page.body.contains("<style>raw bulletin.Cs_3.css</style>"), "{}", page.body);
    assert!(!page.body.contains("stylesheet"), "{}", page.body);
    // The boot script gets both names; nothing asks for the client before
    // the page is in (no preload competes with it).
    assert!(
        page.body.contains(r#"("/pkg/bulletin.Js1.js", "/pkg/bulletin.Wa-2.wasm", null);</script>"#),
        "{}",
        page.body
    );
    assert!(!page.body.contains("preload"));
    assert!(!page.body.contains("/pkg/bulletin.js") && !page.body.contains("/pkg/bulletin.css"));
    // The 404 page is the same document.
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("/pkg/bulletin.Js1.js"));
}

#[tokio::test]
async fn a_large_stylesheet_is_linked_rather_than_carried_by_every_page() {
    let site = release_site();
    let large = "a { color: red }\n".repeat(2000);
    std::fs::write(site.path().join("pkg/bulletin.Cs_3.css"), &large).unwrap();
    let app = app_on(site.path()).await;
    let page = app.get("/").await;
    assert!(
        page.body.contains(r#"<link id="leptos" rel="stylesheet" href="/pkg/bulletin.Cs_3.css">"#),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<style>"), "{}", page.body);
}

#[tokio::test]
async fn fingerprinted_files_are_immutable_and_precompressed_as_the_browser_accepts() {
    let site = release_site();
    let app = app_on(site.path()).await;
    for name in ["bulletin.Js1.js", "bulletin.Wa-2.wasm", "bulletin.Cs_3.css"] {
        let path = format!("/pkg/{name}");
        for (accepts, encoding, body) in [
            (Some("gzip, deflate, br"), Some("br"), format!("br {name}")),
            (Some("gzip"), Some("gzip"), format!("gz {name}")),
            (Some("identity"), None, format!("raw {name}")),
            (None, None, format!("raw {name}")),
        ] {
            let res = fetch(&app, &path, accepts).await;
            assert_eq!(res.status, StatusCode::OK, "{path} {accepts:?}");
            assert_eq!(header_of(&res, header::CONTENT_ENCODING), encoding, "{path} {accepts:?}");
            assert_eq!(res.body, body, "{path} {accepts:?}");
            assert_eq!(header_of(&res, header::CACHE_CONTROL), Some(assets::IMMUTABLE), "{path}");
            assert!(
                header_of(&res, header::VARY).is_some_and(|vary| vary.to_ascii_lowercase().contains("accept-encoding")),
                "{path}: caches must keep one copy per encoding"
            );
        }
    }
    assert_eq!(app.get("/pkg/bulletin.Nope.js").await.status, StatusCode::NOT_FOUND);
}

/// Static files are only read: a POST (or PUT, DELETE) is 405 and says what
/// the address takes, whatever the file.
#[tokio::test]
async fn a_static_file_is_only_read_and_other_methods_are_405() {
    let site = release_site();
    let app = app_on(site.path()).await;
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        for path in ["/favicon.svg", "/pkg/bulletin.Js1.js", "/no-such-file.txt"] {
            let request = Request::builder().method(method).uri(path).header(header::ACCEPT, "*/*");
            let res = app.send(request.body(Body::from("x=1")).unwrap()).await;
            assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {}", res.body);
            assert_eq!(header_of(&res, header::ALLOW), Some("GET, HEAD"), "{method} {path}");
            assert!(!res.body.contains("svg") && !res.body.contains("raw"), "{method} {path}: {}", res.body);
        }
    }
    assert_eq!(fetch(&app, "/favicon.svg", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn files_that_are_not_fingerprinted_are_revalidated() {
    let site = release_site();
    let app = app_on(site.path()).await;
    let icon = fetch(&app, "/favicon.svg", None).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(header_of(&icon, header::CACHE_CONTROL), Some(assets::REVALIDATE));

    // A development build: no manifest, plain names, always revalidated.
    let dev_site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dev_site.path().join("pkg")).unwrap();
    std::fs::write(dev_site.path().join("pkg/bulletin.js"), "dev js").unwrap();
    let app = app_on(dev_site.path()).await;
    let page = app.get("/").await;
    assert!(page.body.contains(r#"("/pkg/bulletin.js", "/pkg/bulletin.wasm", null)"#), "{}", page.body);
    let script = fetch(&app, "/pkg/bulletin.js", None).await;
    assert_eq!((script.status, script.body.as_str()), (StatusCode::OK, "dev js"));
    assert_eq!(header_of(&script, header::CACHE_CONTROL), Some(assets::REVALIDATE));
}

#[tokio::test]
async fn pages_are_compressed_on_the_fly_and_small_answers_are_not() {
    let app = TestApp::spawn().await;
    for n in 1..=5 {
        app.insert_post(&format!("Post number {n}"), "Some words of content, as a post has.").await;
    }
    let page = fetch(&app, "/", Some("gzip")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(header_of(&page, header::CONTENT_ENCODING), Some("gzip"));
    let mut html = String::new();
    flate2::read::GzDecoder::new(&page.bytes[..]).read_to_string(&mut html).expect("a gzip stream");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("Latest posts"), "{html}");
    assert!(html.len() > usize::from(COMPRESS_MIN_BYTES), "the page is above the threshold");
    assert!(page.bytes.len() < html.len() / 2, "{} compressed vs {} raw", page.bytes.len(), html.len());

    let page = fetch(&app, "/", Some("br;q=1.0, gzip;q=0.5")).await;
    assert_eq!(header_of(&page, header::CONTENT_ENCODING), Some("br"));

    let plain = fetch(&app, "/", None).await;
    assert_eq!(header_of(&plain, header::CONTENT_ENCODING), None);
    assert_eq!(plain.body, html, "the same page either way");

    let small = fetch(&app, "/healthz", Some("gzip, br")).await;
    assert_eq!((small.status, small.body.as_str()), (StatusCode::OK, "ok"));
    assert_eq!(header_of(&small, header::CONTENT_ENCODING), None, "below the threshold");
}

#[tokio::test]
async fn a_build_without_hashes_ignores_an_older_manifest() {
    // `cargo leptos watch` with hashing off leaves a release build's
    // hash.txt behind; it says so with LEPTOS_HASH_FILES=false.
    let site = release_site();
    let app =
        TestApp::spawn_with(&[("LEPTOS_SITE_ROOT", site.path().to_str().unwrap()), ("LEPTOS_HASH_FILES", "false")])
            .await;
    let page = app.get("/").await;
    assert!(page.body.contains(r#"("/pkg/bulletin.js", "/pkg/bulletin.wasm", null)"#), "{}", page.body);
    assert!(!page.body.contains("Js1"));
}

#[tokio::test]
async fn a_kept_list_page_is_compressed_once_per_encoding() {
    let app = TestApp::spawn().await;
    for n in 1..=5 {
        app.insert_post(&format!("Post number {n}"), "Some words of content, as a post has.").await;
    }
    let plain = fetch(&app, "/", None).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(app.state.cache.kept(&list_key("/")).is_some(), "the page is kept");

    let kept = || app.state.cache.kept(&list_key("/")).expect("kept");
    assert_eq!(kept().compressions(), 0, "nothing compressed before a browser asks");
    let first = fetch(&app, "/", Some("gzip, deflate, br")).await;
    let second = fetch(&app, "/", Some("gzip, deflate, br")).await;
    assert_eq!(header_of(&first, header::CONTENT_ENCODING), Some("br"));
    assert_eq!(first.bytes, second.bytes);
    assert_eq!(kept().compressions(), 1, "compressed once for both");
    assert!(
        header_of(&first, header::CONTENT_LENGTH).is_none_or(|length| length == first.bytes.len().to_string()),
        "no stale length from the uncompressed page"
    );
    assert!(header_of(&first, header::VARY).is_some_and(|vary| vary.contains("accept-encoding")));
    let mut html = String::new();
    brotli::Decompressor::new(&first.bytes[..], 4096).read_to_string(&mut html).expect("a brotli stream");
    assert_eq!(html, plain.body);

    let gzipped = fetch(&app, "/", Some("gzip, br;q=0")).await;
    assert_eq!(header_of(&gzipped, header::CONTENT_ENCODING), Some("gzip"));
    fetch(&app, "/", Some("gzip")).await;
    assert_eq!(kept().compressions(), 2, "then once for gzip");
    let mut html = String::new();
    flate2::read::GzDecoder::new(&gzipped.bytes[..]).read_to_string(&mut html).expect("a gzip stream");
    assert_eq!(html, plain.body);

    // A write drops the page and its compressed copies together.
    app.browser().publish("Newest", "text").await;
    let fresh = fetch(&app, "/", Some("br")).await;
    let mut html = String::new();
    brotli::Decompressor::new(&fresh.bytes[..], 4096).read_to_string(&mut html).unwrap();
    assert!(html.contains("Newest"));
}
