//! One round trip per write (`wire::page`, `middleware::write_pages`): a
//! write whose script asks for the page it leads to is answered with that
//! page; every other client gets the answer it always got.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};

use super::{Browser, TestApp, TestResponse, form, list_key, uuid_like};
use crate::{
    server::{
        cache::PageKey,
        cookies::{DRAFT_COOKIE, FLASH_COOKIE},
    },
    wire::page,
};

/// The `Accept` of a write as an island sends it through `PageClient`: it
/// wants the data, and asks for the page.
const ISLAND: &str = "application/json";
/// The `Accept` of a form as the page's script sends it before the client
/// has started: it wants a page, and asks for it in the same answer.
const SCRIPT_FORM: &str = "text/html";

/// A write to `path` that asks for its page, sent as `accept` says.
async fn asking(browser: &Browser<'_>, accept: &str, path: &str, fields: &[(&str, &str)]) -> TestResponse {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, accept)
        .header(page::ASK, "1")
        .body(Body::from(form(fields)))
        .unwrap();
    browser.send(request).await
}

fn header<'a>(response: &'a TestResponse, name: &str) -> Option<&'a str> {
    response.headers.get(name).and_then(|value| value.to_str().ok())
}

fn is_page(response: &TestResponse) -> bool {
    header(response, "content-type").is_some_and(|kind| kind.starts_with("text/html"))
}

#[tokio::test]
async fn publish_save_and_delete_each_answer_with_the_page_they_lead_to() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let key = uuid_like();

    let published = asking(
        &browser,
        ISLAND,
        "/api/create_post",
        &[("title", "One trip"), ("content", "Answered with its page"), ("submission", &key)],
    )
    .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert!(is_page(&published));
    let id: i64 = header(&published, page::ANSWER).expect("the id rides in a header").parse().unwrap();
    assert_eq!(header(&published, page::LOCATION), Some(format!("/posts/{id}").as_str()));
    assert!(published.body.contains(">One trip</h1>"), "{}", published.body);
    assert!(published.body.contains("Answered with its page"));
    assert_eq!(app.stored_post(id).await, Some(("One trip".into(), "Answered with its page".into())));
    // The island shows the flash itself: the page has none, and none is
    // left for a later page.
    assert!(!published.body.contains("Post published"));
    assert_eq!(browser.cookie(FLASH_COOKIE), None);

    let saved = asking(
        &browser,
        ISLAND,
        "/api/update_post",
        &[("id", &id.to_string()), ("title", "Saved"), ("content", "Again")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(header(&saved, page::ANSWER), Some("null"));
    assert_eq!(header(&saved, page::LOCATION), Some(format!("/posts/{id}").as_str()));
    assert!(saved.body.contains(">Saved</h1>"), "the page is read after the write: {}", saved.body);
    // The page the write answered with was rendered once and kept: the next
    // read is served from it.
    let key = PageKey::Post { id, theme: None, liked: false, is_author: true };
    let kept = app.state.cache.kept(&key).expect("the author's page of the post was kept");
    assert_eq!(browser.get(&format!("/posts/{id}")).await.body, saved.body);
    let still = app.state.cache.kept(&key).expect("still kept");
    assert!(std::sync::Arc::ptr_eq(&kept, &still), "served from the kept page, not rendered again");

    let deleted = asking(&browser, ISLAND, "/api/delete_post", &[("id", &id.to_string())]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(header(&deleted, page::ANSWER), Some("null"));
    assert_eq!(header(&deleted, page::LOCATION), Some("/"));
    assert!(!deleted.body.contains(&format!("/posts/{id}\"")), "the list no longer links the post");
    assert_eq!(app.post_count().await, 0);
    let kept = app.state.cache.kept(&list_key("/")).expect("the list was kept");
    assert_eq!(browser.get("/").await.body, deleted.body);
    let still = app.state.cache.kept(&list_key("/")).expect("still kept");
    assert!(std::sync::Arc::ptr_eq(&kept, &still), "the list came from the kept pages");
}

#[tokio::test]
async fn a_client_that_does_not_ask_gets_the_data_and_a_plain_form_the_303() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let key = uuid_like();
    let fields = [("title", "Asked nothing"), ("content", "Plain JSON"), ("submission", key.as_str())];

    let data = browser.call("/api/create_post", &fields).await;
    assert_eq!(data.status, StatusCode::OK);
    assert!(header(&data, "content-type").is_some_and(|kind| kind.starts_with("application/json")));
    let id: i64 = serde_json::from_str(&data.body).unwrap();
    assert_eq!(header(&data, page::LOCATION), None);
    assert_eq!(header(&data, page::ANSWER), None);

    let native =
        browser.submit("/api/update_post", &[("id", &id.to_string()), ("title", "Native"), ("content", "Form")]).await;
    assert_eq!(native.status, StatusCode::SEE_OTHER);
    assert_eq!(header(&native, "location"), Some(format!("/posts/{id}").as_str()));
    assert_eq!(header(&native, page::LOCATION), None);
    assert!(browser.cookie(FLASH_COOKIE).is_some(), "the flash waits for the browser's GET");
}

#[tokio::test]
async fn a_form_the_script_sends_gets_the_page_with_its_flash_or_the_form_with_its_messages() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let key = uuid_like();

    let rejected = asking(
        &browser,
        SCRIPT_FORM,
        "/api/create_post",
        &[("title", ""), ("content", "Kept as typed"), ("submission", &key)],
    )
    .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.body);
    assert_eq!(header(&rejected, page::LOCATION), Some("/posts/new"));
    assert!(rejected.body.contains("Title is required"), "{}", rejected.body);
    assert!(rejected.body.contains("Kept as typed"));
    assert_eq!(browser.cookie(DRAFT_COOKIE), None, "the draft was handed over, and its cookie cleared");
    assert_eq!(app.post_count().await, 0);

    let published = asking(
        &browser,
        SCRIPT_FORM,
        "/api/create_post",
        &[("title", "By the script"), ("content", "Before hydration"), ("submission", &key)],
    )
    .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    let id: i64 = header(&published, page::ANSWER).unwrap().parse().unwrap();
    assert_eq!(header(&published, page::LOCATION), Some(format!("/posts/{id}").as_str()));
    assert!(published.body.contains("Post published"), "the flash is in the page");
    assert!(published.body.contains(">By the script</h1>"));
    assert_eq!(browser.cookie(FLASH_COOKIE), None, "shown once: the answer leaves no flash cookie");
    assert!(!browser.get(&format!("/posts/{id}")).await.body.contains("Post published"));
}

#[tokio::test]
async fn a_rejected_island_write_is_answered_with_its_error_not_a_page() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let id = browser.publish("Mine", "text").await;

    let invalid =
        asking(&browser, ISLAND, "/api/update_post", &[("id", &id.to_string()), ("title", ""), ("content", "x")]).await;
    assert!(invalid.status.is_client_error(), "{}", invalid.status);
    assert!(!is_page(&invalid));
    assert!(invalid.body.contains("Title is required"), "{}", invalid.body);
    assert_eq!(header(&invalid, page::LOCATION), None);

    let stranger = app.browser();
    let refused = asking(&stranger, ISLAND, "/api/delete_post", &[("id", &id.to_string())]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!is_page(&refused));
    assert_eq!(app.post_count().await, 1);
}

#[tokio::test]
async fn a_first_time_visitor_who_publishes_is_shown_the_post_as_its_author() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    assert_eq!(browser.visitor_id(), None);
    let key = uuid_like();
    let published = asking(
        &browser,
        ISLAND,
        "/api/create_post",
        &[("title", "First visit"), ("content", "Hello"), ("submission", &key)],
    )
    .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    let id: i64 = header(&published, page::ANSWER).unwrap().parse().unwrap();
    assert!(browser.visitor_id().is_some(), "the write's visitor cookie reaches the browser");
    assert!(
        published.body.contains(&format!("href=\"/posts/{id}/edit\"")),
        "the page is the author's: {}",
        published.body
    );
}

/// The header changes nothing where there is no page to give: a read, a
/// 303 to an address that is no page (a 404), or one that is no URI.
#[tokio::test]
async fn without_a_page_to_give_the_answer_is_what_it_would_have_been() {
    let app = TestApp::spawn().await;
    let browser = app.browser();

    let read = browser
        .send(Request::get("/").header(header::ACCEPT, "text/html").header(page::ASK, "1").body(Body::empty()).unwrap())
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(header(&read, page::LOCATION), None, "a GET is a read: nothing to add");

    for (return_to, status) in [("/no/such/page", StatusCode::SEE_OTHER), ("/a b", StatusCode::SEE_OTHER)] {
        let sent =
            asking(&browser, SCRIPT_FORM, "/api/set_theme", &[("theme", "dark"), ("return_to", return_to)]).await;
        assert_eq!(sent.status, status, "{return_to}: {}", sent.body);
        assert_eq!(header(&sent, page::LOCATION), None, "{return_to}");
        assert_eq!(browser.cookie("theme").as_deref(), Some("dark"), "{return_to}: the write itself happened");
        let island = asking(&browser, ISLAND, "/api/set_theme", &[("theme", "light"), ("return_to", return_to)]).await;
        assert_eq!(island.status, StatusCode::OK, "{return_to}: the data, as an island would get it");
        assert_eq!(island.body, "\"Light\"");
        assert_eq!(header(&island, "location"), None);
    }
}

/// The page's script names the headers in its own text; they must be the
/// ones the server reads and writes.
#[test]
fn the_page_script_uses_the_headers_the_server_knows() {
    let script = include_str!("../ui/client.js");
    for name in [page::ASK, page::LOCATION] {
        assert!(script.contains(&format!("'{name}'")), "client.js does not name {name}");
    }
}
