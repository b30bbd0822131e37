//! The threat list, one test per threat: what an attacker or a broken
//! client sends, and proof that it gets an honest status, a body without
//! internals, and writes nothing.
//!
//! - cross-site requests (Origin, Sec-Fetch-Site, Content-Type tricks, forwarded hosts)
//! - off-site redirects
//! - oversized bodies, declared and chunked
//! - malformed forms (missing, duplicate, extra, nested, non-UTF-8, NUL, too many fields)
//! - internal errors leaking causes
//! - write floods from one visitor or one address
//! - database faults (locked, read-only, gone) and panics
//!
//! Signals, slow clients and `kill -9` are in `binary.rs`, against the real
//! server process.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use crate::error::AppError;
use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode, header},
    routing::post,
};
use std::str::FromStr;

use sqlx::ConnectOptions;

use super::{TestApp, TestResponse, form, logs::Captured, uuid_like};

/// The publish form, filled in.
fn publish_form() -> String {
    form(&[("title", "Forged"), ("content", "Written by another site"), ("submission", &uuid_like())])
}

/// A new-post request from a page at `origin` (or with no Origin at all).
fn publish_from(origin: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/api/create_post")
        .header(header::HOST, "localhost:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    request.body(Body::from(publish_form())).unwrap()
}

fn assert_no_internals(res: &TestResponse) {
    let text = format!("{:?} {}", res.headers, res.body).to_lowercase();
    for leak in ["sqlx", "sqlite", "serde", "no such table", "invalid digit", "/work/", "/tmp/", "panicked"] {
        assert!(!text.contains(leak), "response leaks {leak:?}: {text}");
    }
}

// --- cross-site requests ---------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_from_another_origin_is_refused_with_403_and_writes_nothing() {
    let app = TestApp::spawn().await;
    for origin in [
        "https://evil.example",
        "http://localhost:3001",
        "https://localhost:3000",
        "http://localhost.evil.example:3000",
    ] {
        let res = app.send(publish_from(Some(origin))).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{origin}");
        assert_eq!(serde_json::from_str::<AppError>(&res.body).unwrap(), AppError::Forbidden);
    }
    assert_eq!(app.post_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origin_null_is_refused() {
    let app = TestApp::spawn().await;
    assert_eq!(app.send(publish_from(Some("null"))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sites_own_origin_and_configured_origins_pass() {
    let app = TestApp::spawn_with(&[("BULLETIN_ALLOWED_ORIGINS", "https://admin.example")]).await;
    assert_eq!(app.send(publish_from(Some("http://localhost:3000"))).await.status, StatusCode::OK);
    assert_eq!(app.send(publish_from(Some("http://LOCALHOST:3000"))).await.status, StatusCode::OK);
    assert_eq!(app.send(publish_from(Some("https://admin.example"))).await.status, StatusCode::OK);
    assert_eq!(app.post_count().await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_origin_a_cross_site_fetch_is_refused_and_a_same_origin_one_passes() {
    let app = TestApp::spawn().await;
    let mut cross = publish_from(None);
    cross.headers_mut().insert("sec-fetch-site", "cross-site".parse().unwrap());
    assert_eq!(app.send(cross).await.status, StatusCode::FORBIDDEN);
    let mut same = publish_from(None);
    same.headers_mut().insert("sec-fetch-site", "same-origin".parse().unwrap());
    assert_eq!(app.send(same).await.status, StatusCode::OK);
    assert_eq!(app.post_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_content_type_spelling_gets_a_cross_site_post_through() {
    let app = TestApp::spawn().await;
    for content_type in [
        "text/plain",
        "TEXT/PLAIN; charset=utf-8",
        "Application/X-WWW-Form-Urlencoded",
        "application/x-www-form-urlencoded; charset=utf-8; boundary=x",
        "multipart/form-data; boundary=----x",
    ] {
        let mut request = publish_from(Some("https://evil.example"));
        request.headers_mut().insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        assert_eq!(app.send(request).await.status, StatusCode::FORBIDDEN, "{content_type}");
    }
    assert_eq!(app.post_count().await, 0);
}

/// Policy: a request with neither `Origin` nor `Sec-Fetch-Site` comes from
/// something that is not a browser (curl, a script). It is allowed: a forged
/// request needs a browser to attach the victim's cookies, and browsers
/// send `Origin` with every POST.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_with_neither_header_is_allowed_as_a_non_browser_client() {
    let app = TestApp::spawn().await;
    assert_eq!(app.send(publish_from(None)).await.status, StatusCode::OK);
    assert_eq!(app.post_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_host_headers_count_only_behind_a_configured_trusted_proxy() {
    let forwarded = || {
        let mut request = publish_from(Some("https://bulletin.example"));
        request.headers_mut().insert(header::HOST, "10.0.0.7:3000".parse().unwrap());
        request.headers_mut().insert("x-forwarded-host", "bulletin.example".parse().unwrap());
        request.headers_mut().insert("x-forwarded-proto", "https".parse().unwrap());
        request
    };
    let hosts = ("BULLETIN_ALLOWED_HOSTS", "10.0.0.7,bulletin.example");
    let direct = TestApp::spawn_with(&[hosts]).await;
    assert_eq!(direct.send(forwarded()).await.status, StatusCode::FORBIDDEN, "a client cannot claim a host");
    let proxied = TestApp::spawn_with(&[hosts, ("BULLETIN_TRUSTED_PROXY", "true")]).await;
    assert_eq!(proxied.send(forwarded()).await.status, StatusCode::OK);
}

// --- hosts ------------------------------------------------------------------------------

/// DNS rebinding: a page on evil.example points that name at this server
/// and posts to it, with a `Host` and an `Origin` that agree. A host the
/// site does not answer for is refused before anything runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_for_a_host_the_site_does_not_answer_for_is_refused_before_any_handler() {
    let app = TestApp::spawn().await;
    let id = app.insert_post("Target", "text").await;
    let rebound = |method: &str, path: &str, accept: &str| {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "evil.example:3000")
            .header(header::ORIGIN, "http://evil.example:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, accept)
    };
    let publish = rebound("POST", "/api/create_post", "application/json").body(Body::from(publish_form())).unwrap();
    let res = app.send(publish).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(
        serde_json::from_str::<AppError>(&res.body).unwrap(),
        AppError::BadRequest("this server does not answer for that host name".into())
    );
    let like = rebound("POST", "/api/set_like", "text/html").body(Body::from(format!("id={id}&liked=true"))).unwrap();
    assert_eq!(app.send(like).await.status, StatusCode::BAD_REQUEST);
    let page = rebound("GET", "/", "text/html").body(Body::empty()).unwrap();
    let page = app.send(page).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(!page.body.contains("Target"), "{}", page.body);
    assert_eq!(app.post_count().await, 1, "nothing was written");
    assert_eq!(app.number("SELECT like_count FROM posts WHERE id = $1", &[id]).await, 0);

    // The loopback names and a configured name pass, with any port, in any case.
    for host in ["localhost:3000", "127.0.0.1:3100", "[::1]:3000", "LOCALHOST"] {
        let request = Request::get("/").header(header::HOST, host).body(Body::empty()).unwrap();
        assert_eq!(app.send(request).await.status, StatusCode::OK, "{host}");
    }
    let named = TestApp::spawn_with(&[("BULLETIN_ALLOWED_HOSTS", "bulletin.example")]).await;
    let request = Request::get("/").header(header::HOST, "Bulletin.Example").body(Body::empty()).unwrap();
    assert_eq!(named.send(request).await.status, StatusCode::OK);
    let request = Request::get("/").header(header::HOST, "localhost:3000").body(Body::empty()).unwrap();
    assert_eq!(named.send(request).await.status, StatusCode::BAD_REQUEST, "a list replaces the defaults");
    // The health check answers load balancers that probe by address.
    let probe = Request::get("/healthz").header(header::HOST, "10.1.2.3:3000").body(Body::empty()).unwrap();
    assert_eq!(named.send(probe).await.status, StatusCode::OK);
}

// --- redirects ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_post_never_redirects_to_another_site() {
    let app = TestApp::spawn().await;
    // list_posts sets no Location of its own: the stock answer would be a
    // redirect to the Referer.
    let res = app
        .send(
            Request::post("/api/list_posts")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "text/html")
                .header(header::REFERER, "https://evil.example/landing")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(res.status.is_redirection(), "{}", res.status);
    assert_eq!(res.headers[header::LOCATION], "/");
}

// --- body limits ---------------------------------------------------------------------

/// A streaming body of `total` bytes in 64 KiB chunks, with no declared
/// length, that counts how much of it was pulled.
fn counted_stream(total: usize) -> (Body, Arc<AtomicUsize>) {
    let read = Arc::new(AtomicUsize::new(0));
    let counter = read.clone();
    let chunk = axum::body::Bytes::from(vec![b'a'; 64 * 1024]);
    let chunks = (0..total / chunk.len()).map(move |_| {
        counter.fetch_add(chunk.len(), Ordering::SeqCst);
        Ok::<_, std::io::Error>(chunk.clone())
    });
    (Body::from_stream(futures_util::stream::iter(chunks)), read)
}

/// A body declared over the limit is 413, read and thrown away first (so
/// the client reads the answer: `binary.rs`) when it is within the drain
/// bound, and not read at all past it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_body_over_the_limit_is_413_and_read_at_most_to_the_drain_bound() {
    use crate::server::middleware::body_limit::DRAIN_AT_MOST;

    let app = TestApp::spawn().await;
    for (total, drained) in [(8usize << 20, true), ((1 << 20) + DRAIN_AT_MOST as usize + (1 << 20), false)] {
        let (body, read) = counted_stream(total);
        let mut request = publish_from(None);
        *request.body_mut() = body;
        request.headers_mut().insert(header::CONTENT_LENGTH, (total as u64).into());
        let res = app.send(request).await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(read.load(Ordering::SeqCst), if drained { total } else { 0 }, "{total} bytes declared");
    }
    assert_eq!(app.post_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_is_cut_off_with_413_once_it_passes_the_limit() {
    let app = TestApp::spawn().await;
    let (body, read) = counted_stream(50 << 20);
    let mut request = publish_from(None);
    *request.body_mut() = body;
    let res = app.send(request).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    let pulled = read.load(Ordering::SeqCst);
    assert!(pulled <= (1 << 20) + 64 * 1024, "read {pulled} bytes of a 50 MiB stream: memory stays flat");
    assert_eq!(app.post_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_body_limit_comes_from_the_configuration() {
    let app = TestApp::spawn_with(&[("BULLETIN_MAX_BODY_BYTES", "2048")]).await;
    let content = "c".repeat(3000);
    let body = form(&[("title", "Big"), ("content", &content), ("submission", &uuid_like())]);
    let mut request = publish_from(None);
    *request.body_mut() = Body::from(body);
    assert_eq!(app.send(request).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.post_count().await, 0, "nothing written after the 413");
    assert_eq!(app.send(publish_from(None)).await.status, StatusCode::OK, "a small one still passes");
    assert_eq!(app.post_count().await, 1);
}

/// Without JavaScript a form over the limit gets a page in the site's
/// design (its stylesheet and header) that says what the limit is and
/// links back to the form it came from, with the same status and headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_over_the_limit_gets_a_page_that_says_the_limit_and_links_back() {
    let app = TestApp::spawn_with(&[("BULLETIN_MAX_BODY_BYTES", "2048")]).await;
    let content = "c".repeat(3000);
    let request = Request::post("/api/create_post")
        .header(header::HOST, "localhost:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .header(header::REFERER, "http://localhost:3000/posts/new")
        .body(Body::from(form(&[("title", "Big"), ("content", &content), ("submission", &uuid_like())])))
        .unwrap();
    let res = app.send(request).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(res.headers["x-frame-options"], "DENY", "the security headers too");
    let page = &res.body;
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains("<h1>Too large to accept</h1>"), "{page}");
    assert!(page.contains("at most 2 KiB of text in one form"), "the limit, as configured: {page}");
    assert!(page.contains(r#"<a href="/posts/new">Back to the form</a>"#), "{page}");
    assert!(page.contains(r#"class="site-header""#) && (page.contains("<style>") || page.contains("stylesheet")));
    assert_eq!(app.post_count().await, 0);
}

// --- malformed forms ---------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_malformed_form_is_a_400_that_says_why_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let id = app.insert_post("Target", "text").await;
    let many = (0..10_000).map(|n| format!("f{n}=1")).collect::<Vec<_>>().join("&");
    let nested = format!("id{}=1", "[a]".repeat(500));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("/api/create_post", b"title=Only+a+title".to_vec()),
        ("/api/create_post", b"title=a&title=b&content=c&submission=k".to_vec()),
        ("/api/create_post", b"title=a&content=c&submission=k&author_id=someone".to_vec()),
        ("/api/delete_post", b"id=abc".to_vec()),
        ("/api/delete_post", b"id=99999999999999999999999".to_vec()),
        ("/api/delete_post", b"id=-1".to_vec()),
        ("/api/create_post", b"title=%FF%FE&content=c&submission=k".to_vec()),
        ("/api/create_post", b"title=a\xff&content=c&submission=k".to_vec()),
        ("/api/create_post", b"title=a%00b&content=c&submission=k".to_vec()),
        ("/api/create_post", many.into_bytes()),
        ("/api/delete_post", nested.into_bytes()),
        ("/api/set_like", format!("id={id}&liked=maybe").into_bytes()),
    ];
    for (path, body) in cases {
        let shown = String::from_utf8_lossy(&body).chars().take(60).collect::<String>();
        let res = app
            .send(
                Request::post(path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::ACCEPT, "application/json")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path} {shown}: {}", res.body);
        assert!(matches!(serde_json::from_str::<AppError>(&res.body), Ok(AppError::BadRequest(_))), "{}", res.body);
        assert_no_internals(&res);
    }
    assert_eq!(app.post_count().await, 1);
    assert!(app.stored_post(id).await.is_some());
    let likes = app.number("SELECT count(*) FROM post_likes", &[]).await;
    assert_eq!(likes, 0);
}

/// A browser without JavaScript that posts a form the server cannot read
/// (none of our pages makes one) gets our page saying so, with the way back
/// to where it came from: not Leptos's bare 302 to `/` or to the `Referer`,
/// and not a 303 back to a form whose fields could not be read.
#[tokio::test]
async fn a_plain_form_the_server_cannot_read_gets_the_not_understood_page() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    // A field missing, and an id that is no number: both fail where Leptos
    // reads the form, before our code runs (an unknown field is the form
    // guard's, refused before: `every_malformed_form_is_a_400_...`).
    for (path, fields) in
        [("/api/create_post", vec![("title", "a"), ("content", "c")]), ("/api/delete_post", vec![("id", "abc")])]
    {
        let res = browser
            .send(
                Request::post(path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::ACCEPT, "text/html")
                    .header(header::REFERER, "http://127.0.0.1/posts/new")
                    .body(Body::from(super::form(&fields)))
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{fields:?}: {:?} {}", res.headers, res.body);
        assert_eq!(res.headers.get(header::LOCATION), None, "no redirect");
        assert!(res.body.contains("<h1>Not understood</h1>"), "{}", res.body);
        assert!(res.body.contains(r#"<a href="/posts/new">"#), "the way back: {}", res.body);
        assert!(res.body.contains(r#"<html lang="en">"#), "no theme chosen: {}", res.body);
    }
    // In the theme the visitor chose, as every other page.
    browser.set_cookie("theme", "dark");
    let res = browser.submit("/api/create_post", &[("title", "a")]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains(r#"<html lang="en" data-theme="dark">"#), "{}", res.body);
    assert_eq!(app.post_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_a_form_is_415() {
    let app = TestApp::spawn().await;
    let res = app
        .send(
            Request::post("/api/create_post")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(r#"{"title":"a","content":"b","submission":"k"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.post_count().await, 0);
}

// --- internal errors --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_internal_error_shows_only_the_request_id_that_the_log_holds() {
    let logs = Captured::global();
    let app = TestApp::spawn().await;
    let id = app.insert_post("Target", "text").await;
    // A schema the code does not expect: every like now fails in the database.
    app.execute("DROP TABLE post_likes", &[]).await.unwrap();
    let res = app.browser().call("/api/set_like", &[("id", &id.to_string()), ("liked", "true")]).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = res.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(
        serde_json::from_str::<AppError>(&res.body).unwrap(),
        AppError::Internal { reference: request_id.clone() }
    );
    assert_no_internals(&res);

    // The cause is in the log, on a line that names the request.
    let errors = logs.lines_with(&format!("reference={request_id}"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains(&format!("id={request_id} ")), "{}", errors[0]);
    let cause = if app.on_sqlite() { "no such table: post_likes" } else { r#"relation "post_likes" does not exist"# };
    assert!(errors[0].contains(cause), "{}", errors[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_handler_is_a_500_and_the_server_keeps_serving() {
    let app = TestApp::spawn().await;
    async fn panics() -> &'static str {
        panic!("secret detail /work/main/src")
    }
    let routes = Router::new().route("/panics", post(panics)).route("/fine", post(|| async { "fine" }));
    let router = crate::server::middleware::stack(routes.with_state(app.state.clone()), &app.state);
    let send = |path: &'static str| {
        let router = router.clone();
        async move {
            use tower::ServiceExt;
            let response = router.oneshot(Request::post(path).body(Body::empty()).unwrap()).await.unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
            TestResponse { status, headers, body: String::from_utf8_lossy(&body).into_owned(), bytes: body }
        }
    };
    let res = send("/panics").await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = res.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(serde_json::from_str::<AppError>(&res.body).unwrap(), AppError::Internal { reference: request_id });
    assert!(!res.body.contains("secret detail"));
    assert_eq!(send("/fine").await.status, StatusCode::OK);
}

// --- write floods ----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_over_the_write_limit_gets_429_with_retry_after_and_reads_still_work() {
    let app = TestApp::spawn_with(&[("BULLETIN_WRITES_PER_MINUTE_PER_VISITOR", "3")]).await;
    let id = app.insert_post("Target", "text").await;
    let flooder = app.browser();
    flooder.get("/").await;
    let like = |liked: &'static str| [("id", id.to_string()), ("liked", liked.to_owned())];
    for n in 0..3 {
        let fields = like(if n % 2 == 0 { "true" } else { "false" });
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(flooder.call("/api/set_like", &fields).await.status, StatusCode::OK);
    }
    let res = flooder.call("/api/set_like", &[("id", &id.to_string()), ("liked", "false")]).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    let retry: u64 = res.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    assert!(matches!(serde_json::from_str::<AppError>(&res.body), Ok(AppError::TooManyRequests { .. })));
    let likes = app.number("SELECT like_count FROM posts WHERE id = $1", &[id]).await;
    assert_eq!(likes, 1, "the refused write did not happen");

    // Reads are never limited, and other visitors are not affected.
    let page = flooder.get(&format!("/posts/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Target</h1>"), "{}", page.body);
    let post = flooder.call("/api/get_post", &[("id", &id.to_string())]).await;
    assert_eq!(post.status, StatusCode::OK);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&post.body).unwrap()["title"], "Target");
    let list = flooder.call("/api/list_posts", &[]).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("\"Target\""), "{}", list.body);
    assert_eq!(
        app.browser().call("/api/set_like", &[("id", &id.to_string()), ("liked", "true")]).await.status,
        StatusCode::OK
    );
}

/// A like of post `id` as the hydrated client sends it, without a cookie (a
/// fresh visitor each time), over a connection from `peer`, with
/// `X-Forwarded-For: forwarded_for` if given.
fn cookieless_like(id: i64, peer: [u8; 4], forwarded_for: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/api/set_like")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    let mut request = request.body(Body::from(form(&[("id", &id.to_string()), ("liked", "true")]))).unwrap();
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from((peer, 40000))));
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_over_its_write_limit_gets_429_whatever_visitor_it_claims() {
    let app = TestApp::spawn_with(&[("BULLETIN_WRITES_PER_MINUTE_PER_IP", "3")]).await;
    let id = app.insert_post("Target", "text").await;
    let from = |ip: [u8; 4]| cookieless_like(id, ip, None);
    // No cookie: a fresh visitor every time, from one address.
    for _ in 0..3 {
        assert_eq!(app.send(from([192, 0, 2, 1])).await.status, StatusCode::OK);
    }
    assert_eq!(app.send(from([192, 0, 2, 1])).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.send(from([192, 0, 2, 2])).await.status, StatusCode::OK, "another address is not affected");
}

/// Without JavaScript a write over the limit is answered with a page a
/// person can read, not the client's JSON: 429, when to retry, and nothing
/// written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_over_the_write_limit_gets_a_429_page_that_says_when_to_retry() {
    let app = TestApp::spawn_with(&[("BULLETIN_WRITES_PER_MINUTE_PER_VISITOR", "1")]).await;
    let id = app.insert_post("Target", "text").await;
    let browser = app.browser();
    browser.get("/").await;
    let id_text = id.to_string();
    let liked = browser.submit("/api/set_like", &[("id", &id_text), ("liked", "true")]).await;
    assert_eq!(liked.status, StatusCode::SEE_OTHER, "{}", liked.body);

    let refused = browser.submit("/api/set_like", &[("id", &id_text), ("liked", "false")]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
    let retry: u64 = refused.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(refused.headers[header::CONTENT_TYPE], "text/html; charset=utf-8", "a page, not data");
    assert!(refused.body.contains("<h1>Too many changes</h1>"), "{}", refused.body);
    assert!(
        refused.body.contains(&format!("Too many changes in a short time; try again in {retry} s")),
        "{}",
        refused.body
    );
    assert_eq!(app.number("SELECT like_count FROM posts WHERE id = $1", &[id]).await, 1, "the refused unlike");
}

/// Behind a trusted proxy every request comes from the proxy's address; the
/// client's is the first in `X-Forwarded-For`, and each client has its own
/// budget. Without the setting the header is anyone's to write, so it is
/// ignored and the connection's address counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_limit_counts_the_forwarded_client_only_behind_a_trusted_proxy() {
    for trusted in [true, false] {
        let app = TestApp::spawn_with(&[
            ("BULLETIN_WRITES_PER_MINUTE_PER_IP", "2"),
            ("BULLETIN_TRUSTED_PROXY", if trusted { "true" } else { "false" }),
        ])
        .await;
        let id = app.insert_post("Target", "text").await;
        let through_proxy = |client: &str| cookieless_like(id, [127, 0, 0, 1], Some(&format!("{client}, 10.0.0.9")));
        for _ in 0..2 {
            assert_eq!(app.send(through_proxy("198.51.100.1")).await.status, StatusCode::OK);
        }
        assert_eq!(
            app.send(through_proxy("198.51.100.1")).await.status,
            StatusCode::TOO_MANY_REQUESTS,
            "trusted: {trusted}"
        );
        let another = app.send(through_proxy("198.51.100.2")).await.status;
        if trusted {
            assert_eq!(another, StatusCode::OK, "another client behind the same proxy has its own budget");
        } else {
            assert_eq!(another, StatusCode::TOO_MANY_REQUESTS, "an untrusted header changes nothing");
        }
    }
}

// --- database faults ----------------------------------------------------------------

/// Another process's transaction that holds the lock every write needs:
/// SQLite's write lock, or on Postgres a lock on `posts` that lets reads
/// through and makes every insert and update wait.
enum LockHolder {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl LockHolder {
    async fn take(app: &TestApp) -> LockHolder {
        let mut holder = if app.on_sqlite() {
            let path = app.dir.path().join("data/test.db");
            LockHolder::Sqlite(sqlx::sqlite::SqliteConnectOptions::new().filename(&path).connect().await.unwrap())
        } else {
            let url = app.database.clone();
            LockHolder::Postgres(sqlx::postgres::PgConnectOptions::from_str(&url).unwrap().connect().await.unwrap())
        };
        match &mut holder {
            LockHolder::Sqlite(other) => {
                sqlx::query("BEGIN IMMEDIATE").execute(&mut *other).await.unwrap();
            }
            LockHolder::Postgres(other) => {
                sqlx::query("BEGIN").execute(&mut *other).await.unwrap();
                sqlx::query("LOCK TABLE posts IN SHARE ROW EXCLUSIVE MODE").execute(&mut *other).await.unwrap();
            }
        }
        holder
    }

    async fn release(self) {
        match self {
            LockHolder::Sqlite(mut other) => drop(sqlx::query("ROLLBACK").execute(&mut other).await.unwrap()),
            LockHolder::Postgres(mut other) => drop(sqlx::query("ROLLBACK").execute(&mut other).await.unwrap()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_by_another_process_is_503_then_recovers() {
    let app = TestApp::spawn_with(&[("BULLETIN_DB_BUSY_TIMEOUT_MS", "200")]).await;
    let other = LockHolder::take(&app).await;

    let res = app.send(publish_from(None)).await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    assert_eq!(serde_json::from_str::<AppError>(&res.body).unwrap(), AppError::Unavailable);
    assert_no_internals(&res);

    other.release().await;
    assert_eq!(app.send(publish_from(None)).await.status, StatusCode::OK, "serving again once the lock is gone");
    assert_eq!(app.post_count().await, 1);
}

/// Writers in this process take turns at the write gate, not in SQLite's
/// busy handler: with a busy timeout of 1 ms, which writers meeting inside
/// SQLite would run past, 60 publishes and 60 likes sent at once all
/// succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_take_turns_and_none_runs_out_of_time() {
    let app = Arc::new(
        TestApp::spawn_with(&[("BULLETIN_DB_BUSY_TIMEOUT_MS", "1"), ("BULLETIN_WRITES_PER_MINUTE_PER_IP", "0")]).await,
    );
    let id = app.insert_post("Liked", "text").await;
    let tasks: Vec<_> = (0..120)
        .map(|n| {
            let app = app.clone();
            tokio::spawn(async move {
                let res = if n % 2 == 0 {
                    let title = format!("Post {n}");
                    app.call(
                        "/api/create_post",
                        &form(&[("title", &title), ("content", "text"), ("submission", &uuid_like())]),
                    )
                    .await
                } else {
                    app.call("/api/set_like", &form(&[("id", &id.to_string()), ("liked", "true")])).await
                };
                (n, res.status, res.body)
            })
        })
        .collect();
    for task in tasks {
        let (n, status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "request {n}: {body}");
    }
    assert_eq!(app.post_count().await, 61);
    let likes = app.number("SELECT like_count FROM posts WHERE id = $1", &[id]).await;
    assert_eq!(likes, 60);
}

/// A like waits for the write lock like any write; past the busy timeout
/// its whole batch is answered 503 and nothing of it is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn likes_while_another_process_holds_the_lock_are_503_and_stored_after_it() {
    let app = TestApp::spawn_with(&[("BULLETIN_DB_BUSY_TIMEOUT_MS", "200")]).await;
    let id = app.insert_post("Locked", "text").await;
    let other = LockHolder::take(&app).await;

    let fan = app.browser();
    let id_field = id.to_string();
    let like = [("id", id_field.as_str()), ("liked", "true")];
    let res = fan.call("/api/set_like", &like).await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    assert_eq!(serde_json::from_str::<AppError>(&res.body).unwrap(), AppError::Unavailable);

    other.release().await;
    let rows = app.number("SELECT count(*) FROM post_likes", &[]).await;
    assert_eq!(rows, 0, "the refused like was not stored");
    let res = fan.call("/api/set_like", &like).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("\"like_count\":1"), "{}", res.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_is_503_for_writes_while_reads_go_on() {
    let app = TestApp::on_sqlite_with(&[]).await;
    app.insert_post("Readable", "text").await;
    let path = app.dir.path().join("data/test.db");
    let read_only = sqlx::sqlite::SqlitePoolOptions::new()
        .connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&path).read_only(true))
        .await
        .unwrap();
    let read_only = crate::server::db::Db::Sqlite(read_only);
    let (cache, writes) = (app.state.cache.clone(), app.state.writes.clone());
    let state = crate::server::AppState::from(crate::server::state::AppStateInner {
        // Publishing goes through its own writer, on the same database.
        publishing: Arc::new(crate::server::services::publishing::PostWriter::start(
            read_only.clone(),
            cache,
            writes,
            app.state.feed.clone(),
        )),
        db: read_only,
        ..crate::server::state::AppStateInner::clone(&app.state)
    });
    let router = crate::server::build_router(state);
    use tower::ServiceExt;
    let response = router.clone().oneshot(publish_from(None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = router
        .oneshot(Request::get("/").header(header::ACCEPT, "text/html").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = http_body_util::BodyExt::collect(page.into_body()).await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&html).contains("Readable"), "the list is still read from the database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_is_gone_is_503_not_500() {
    let app = TestApp::spawn().await;
    app.state.db.close().await;
    let res = app.send(publish_from(None)).await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    assert_no_internals(&res);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unique_constraint_violation_is_a_409_conflict_not_a_500() {
    let app = TestApp::spawn().await;
    let insert = "INSERT INTO posts (title, content, author_id, submission_key) VALUES ('t', 'c', 'a', 'same-key')";
    app.execute(insert, &[]).await.unwrap();
    let err = app.execute(insert, &[]).await.unwrap_err();
    assert_eq!(crate::server::error::db_error(err), AppError::Conflict);
}
