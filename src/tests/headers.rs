//! The security headers (`middleware::headers`) on every kind of answer:
//! pages kept and rendered, server functions answered with data or with a
//! 303, static files, and every error status a layer or a handler gives,
//! for a browser with JavaScript (data) and without (pages).

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode, header},
    routing::post,
};

use super::{TestApp, TestResponse, uuid_like};
use crate::server::middleware::headers::{EVERY_RESPONSE, STRICT_TRANSPORT_SECURITY};

/// Fails, naming `what`, unless `headers` hold every security header, and
/// HSTS exactly when `https`.
/// A page (HTML) carries the page policy, which also forbids framing.
fn assert_secured(what: &str, headers: &HeaderMap, https: bool) {
    let page = headers.get(header::CONTENT_TYPE).is_some_and(|media| media.as_bytes().starts_with(b"text/html"));
    for (name, value) in EVERY_RESPONSE {
        let got = headers.get(&name).and_then(|v| v.to_str().ok());
        if name == header::CONTENT_SECURITY_POLICY && page {
            let policy = got.unwrap_or_default();
            assert!(
                policy.contains(value) && policy.contains("script-src 'self'"),
                "{what}: the page policy: {policy}"
            );
        } else {
            assert_eq!(got, Some(value), "{what}: {name}");
        }
    }
    let hsts = headers.get(header::STRICT_TRANSPORT_SECURITY).and_then(|v| v.to_str().ok());
    assert_eq!(hsts, https.then_some(STRICT_TRANSPORT_SECURITY), "{what}: HSTS");
}

fn check(what: &str, res: &TestResponse, status: StatusCode) {
    assert_eq!(res.status, status, "{what}: {}", res.body);
    assert_secured(what, &res.headers, false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_server_functions_and_static_files_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish("Headed", "text").await;
    let post = format!("/posts/{id}");

    // Pages: rendered, then kept, for a new visitor and for the author.
    check("the list, rendered", &app.get("/").await, StatusCode::OK);
    check("the list, kept", &app.get("/").await, StatusCode::OK);
    check("a post page", &app.get(&post).await, StatusCode::OK);
    check("a post page, its author's", &author.get(&post).await, StatusCode::OK);
    check("the new-post form", &app.get("/posts/new").await, StatusCode::OK);

    // Server functions: data for the hydrated client, a 303 for a plain form.
    check("a server function's data", &author.call("/api/get_post", &[("id", &id.to_string())]).await, StatusCode::OK);
    let fields = [("title", "Plain"), ("content", "form"), ("submission", &uuid_like())];
    check("a plain form's 303", &author.submit("/api/create_post", &fields).await, StatusCode::SEE_OTHER);

    // A static file under the site root.
    let site = &app.state.config.site_root;
    std::fs::create_dir_all(site).unwrap();
    std::fs::write(site.join("robots.txt"), "User-agent: *\n").unwrap();
    check("a static file", &app.get("/robots.txt").await, StatusCode::OK);

    // The live stream: its headers come before its first event.
    let stream = super::live::Stream::open(&app, "10.0.0.1:1", None, "").await;
    assert_eq!(stream.status, StatusCode::OK);
    assert_secured("the live stream", &stream.headers, false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_status_carries_the_security_headers_for_pages_and_for_data() {
    let app = TestApp::spawn_with(&[("BULLETIN_WRITES_PER_MINUTE_PER_VISITOR", "1")]).await;
    check("404, a page", &app.get("/no/such/page").await, StatusCode::NOT_FOUND);
    let browser = app.browser();
    check("404, a post", &browser.call("/api/get_post", &[("id", "999999")]).await, StatusCode::NOT_FOUND);
    check("400, a malformed form", &browser.call("/api/get_post", &[("id", "x")]).await, StatusCode::BAD_REQUEST);

    // 413: a declared body over the limit, from a plain form and from fetch.
    for accept in ["text/html", "application/json"] {
        let request = Request::post("/api/create_post")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, accept)
            .header(header::CONTENT_LENGTH, 8u64 << 20)
            .body(Body::from(vec![b'a'; 8 << 20]))
            .unwrap();
        check(&format!("413, {accept}"), &app.send(request).await, StatusCode::PAYLOAD_TOO_LARGE);
    }

    // 403: a post from another site.
    let forged = Request::post("/api/create_post")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://elsewhere.example")
        .body(Body::from("title=a&content=b"))
        .unwrap();
    check("403, another site", &app.send(forged).await, StatusCode::FORBIDDEN);

    // 429: the second write of a visitor allowed one a minute.
    let writer = app.browser();
    let id = writer.publish("Limit", "text").await;
    let like = [("id", id.to_string()), ("liked", "true".to_owned())];
    let like: Vec<(&str, &str)> = like.iter().map(|(k, v)| (*k, v.as_str())).collect();
    check("429, data", &writer.call("/api/set_like", &like).await, StatusCode::TOO_MANY_REQUESTS);
    check("429, a page", &writer.submit("/api/set_like", &like).await, StatusCode::TOO_MANY_REQUESTS);

    // 503: a live stream over the bounds.
    let crowded = TestApp::spawn_with(&[("BULLETIN_LIVE_MAX_STREAMS_PER_ADDRESS", "1")]).await;
    let _open = super::live::Stream::open(&crowded, "10.0.0.1:1", None, "").await;
    let refused = super::live::Stream::open(&crowded, "10.0.0.1:2", None, "").await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_secured("503, a live stream", &refused.headers, false);

    // 500: a handler that panics, inside the very same stack.
    async fn panics() -> &'static str {
        panic!("on purpose")
    }
    let routes = Router::new().route("/panics", post(panics));
    let router = crate::server::middleware::stack(routes.with_state(app.state.clone()), &app.state);
    let response =
        tower::ServiceExt::oneshot(router, Request::post("/panics").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_secured("500, a panic", response.headers(), false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_browsers_are_told_to_come_back_over_https_only() {
    let app = TestApp::spawn_with(&[("BULLETIN_HTTPS", "true")]).await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_secured("a page over https", &page.headers, true);
    let missing = app.get("/no/such/page").await;
    assert_secured("a 404 over https", &missing.headers, true);
}

/// Every inline script and stylesheet of every kind of page is allowed by
/// the page policy's hashes, and nothing else inline is: no `'unsafe-inline'`,
/// no style or event-handler attributes (which hashes cannot allow).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_inline_script_and_style_of_every_page_is_allowed_by_its_hash() {
    use crate::server::csp::source_hash;

    let app = TestApp::spawn_with(&[("BULLETIN_MAX_BODY_BYTES", "2048")]).await;
    let author = app.browser();
    author.get("/").await;
    let id = author.publish("Policed", "text").await;
    let published = author
        .submit("/api/create_post", &[("title", "With a flash"), ("content", "text"), ("submission", &uuid_like())])
        .await;
    let flashed = published.headers[header::LOCATION].to_str().unwrap().to_owned();
    let big = "c".repeat(3000);
    let pages = [
        ("the list", author.get("/").await),
        ("a post", author.get(&format!("/posts/{id}")).await),
        ("a post with its flash", author.get(&flashed).await),
        ("the new post form", author.get("/posts/new").await),
        ("the edit form", author.get(&format!("/posts/{id}/edit")).await),
        ("the 404 page", author.get("/no/such/page").await),
        (
            "the 413 page",
            author.submit("/api/create_post", &[("title", "Big"), ("content", &big), ("submission", "k")]).await,
        ),
    ];
    for (what, page) in pages {
        let policy = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
        assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{what}: {policy}");
        let inline = inline_code(&page.body, "script").into_iter().chain(inline_code(&page.body, "style"));
        let mut seen = 0;
        for code in inline {
            assert!(policy.contains(&source_hash(&code)), "{what}: not allowed by the policy: {code}");
            seen += 1;
        }
        assert!(seen >= 1 || what == "the 413 page", "{what}: its inline code was found ({seen})");
        // Valid HTML: nothing after the document, where Leptos would write
        // its tables (`middleware::page_end`).
        assert!(page.body.trim_end().ends_with("</html>"), "{what}: something after </html>");
        assert!(!page.body.contains("__RESOLVED_RESOURCES=["), "{what}: Leptos's tables are still in the page");
        assert!(!page.body.contains(" style=\""), "{what}: a style attribute");
        assert!(!page.body.contains(" onclick="), "{what}: an event-handler attribute");
    }
}

/// The text of every `<tag …>…</tag>` in `html` that has no `src`.
fn inline_code(html: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start..];
        let Some(head_end) = after.find('>') else { break };
        let Some(end) = after.find(&close) else { break };
        if !after[..head_end].contains(" src=") {
            found.push(after[head_end + 1..end].to_owned());
        }
        rest = &after[end + close.len()..];
    }
    found
}
