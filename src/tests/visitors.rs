//! The anonymous visitor cookie: set once, signed, and unforgeable.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use tower::ServiceExt;

use super::{TestApp, form};

fn visitor_cookie(res: &super::TestResponse) -> Option<String> {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|value| value.starts_with("bulletin_visitor="))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_response_sets_a_signed_http_only_lax_visitor_cookie_and_later_ones_do_not() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let first = browser.get("/").await;
    let cookie = visitor_cookie(&first).expect("a visitor cookie on the first response");
    for part in ["; Path=/", "; HttpOnly", "; SameSite=Lax", "; Max-Age="] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(!cookie.contains("Secure"), "not over plain http: {cookie}");
    assert!(!cookie.contains("Domain"), "{cookie}");
    // The value is the id behind its signature; the server reads it back.
    let value = cookie.split(';').next().unwrap().trim_start_matches("bulletin_visitor=");
    let id = browser.visitor_id().expect("the server's key verifies the cookie it set");
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert!(value.ends_with(&id) && value.len() > id.len(), "{value} is not signed");

    let second = browser.get("/").await;
    assert_eq!(visitor_cookie(&second), None, "a known visitor keeps its id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_visitor_cookie_is_secure() {
    let app = TestApp::spawn_with(&[("BULLETIN_HTTPS", "true")]).await;
    let cookie = visitor_cookie(&app.get("/").await).unwrap();
    assert!(cookie.split("; ").any(|attribute| attribute == "Secure"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_visitor_cookie_is_replaced_and_grants_nothing() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish("Mine", "text").await;
    let author_id = author.visitor_id().unwrap();

    // Claiming the author's id without the key's signature.
    let forger = app.browser();
    forger.set_cookie("bulletin_visitor", &format!("{author_id}.{}", "0".repeat(64)));
    let res = forger.call("/api/delete_post", &[("id", &id.to_string())]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_ne!(forger.visitor_id(), Some(author_id.clone()), "the forged cookie was replaced");
    assert!(app.stored_post(id).await.is_some());

    // Nor is the bare id accepted.
    let forger = app.browser();
    forger.set_cookie("bulletin_visitor", &author_id);
    let res = forger.call("/api/delete_post", &[("id", &id.to_string())]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(app.stored_post(id).await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signing_key_is_persisted_so_visitors_survive_a_restart() {
    let app = TestApp::spawn().await;
    let key_file = app.dir.path().join("data/secret.key");
    assert!(key_file.is_file(), "generated on first start");
    let author = app.browser();
    let id = author.publish("Still mine", "after a restart").await;

    // A second state on the same directory reads the same key.
    let config = app.state.config.as_ref().clone();
    let restarted = crate::server::build_state(config).await.unwrap();
    assert_eq!(restarted.cookie_key, app.state.cookie_key);
    // The author's browser, unchanged, may still edit its post there.
    let signed = author.cookie("bulletin_visitor").unwrap();
    let edit = Request::post("/api/update_post")
        .header(header::COOKIE, format!("bulletin_visitor={signed}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(form(&[("id", id.to_string().as_str()), ("title", "Edited"), ("content", "after a restart")])))
        .unwrap();
    let res = crate::server::build_router(restarted).oneshot(edit).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.stored_post(id).await.map(|(title, _)| title).as_deref(), Some("Edited"));
}
