//! Publishing, reading, editing and deleting posts through their server
//! functions: as the hydrated client calls them (JSON back) and as a plain
//! HTML form posts them (303 back), checking the database after each.

use crate::{
    domain::{PostDetail, PostFieldErrors},
    error::AppError,
};
use axum::http::{StatusCode, header};

use super::{Browser, TestApp, TestResponse, uuid_like};
use crate::server::db::either;

fn location(res: &TestResponse) -> &str {
    res.headers.get(header::LOCATION).map(|value| value.to_str().unwrap()).unwrap_or("")
}

fn error_of(res: &TestResponse) -> AppError {
    serde_json::from_str(&res.body).unwrap_or_else(|_| panic!("an AppError body: {}", res.body))
}

async fn create(browser: &Browser<'_>, title: &str, content: &str, key: &str) -> TestResponse {
    browser.call("/api/create_post", &[("title", title), ("content", content), ("submission", key)]).await
}

// --- create_post ------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_returns_the_new_id_and_records_the_visitor_as_author() {
    let app = TestApp::spawn().await;
    let alice = app.browser();
    let res = create(&alice, "  Hello world  ", "\nFirst line\nsecond line\n", &uuid_like()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let id: i64 = serde_json::from_str(&res.body).unwrap();

    let (title, content) = app.stored_post(id).await.expect("stored");
    assert_eq!(title, "Hello world", "trimmed");
    assert_eq!(content, "First line\nsecond line", "trimmed, inner line break kept");
    let author: String = either!(Db, &app.state.db, |pool| {
        sqlx::query_scalar("SELECT author_id FROM posts WHERE id = $1").bind(id).fetch_one(pool).await
    })
    .unwrap();
    assert_eq!(Some(author), alice.visitor_id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_post_is_422_with_a_message_for_each_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let cases = [
        ("", "text", Some("Title is required"), None),
        ("   ", "text", Some("Title is required"), None),
        (&*"t".repeat(121), "text", Some("Title must be at most 120 characters"), None),
        ("Title", " \n ", None, Some("Content is required")),
        ("Title", &*"c".repeat(10_001), None, Some("Content must be at most 10000 characters")),
        ("", "", Some("Title is required"), Some("Content is required")),
    ];
    for (title, content, title_error, content_error) in cases {
        let res = create(&browser, title, content, &uuid_like()).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let expected = PostFieldErrors {
            title: title_error.map(Into::into),
            content: content_error.map(Into::into),
            ..Default::default()
        };
        assert_eq!(error_of(&res), AppError::Invalid(expected));
    }
    assert_eq!(app.post_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn characters_are_counted_not_bytes() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let title = "é".repeat(120);
    let res = create(&browser, &title, "ok", &uuid_like()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let id: i64 = serde_json::from_str(&res.body).unwrap();
    assert_eq!(app.stored_post(id).await.map(|(stored, _)| stored), Some(title), "stored whole: 240 bytes");

    let res = create(&browser, &"é".repeat(121), "ok", &uuid_like()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let expected = PostFieldErrors {
        title: Some("Title must be at most 120 characters".into()),
        content: None,
        ..Default::default()
    };
    assert_eq!(error_of(&res), AppError::Invalid(expected));
    assert_eq!(app.post_count().await, 1, "the refused one is not stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_submission_sent_twice_at_once_publishes_one_post() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.get("/").await; // the visitor cookie, as the form page would have set it
    let key = uuid_like();
    let (first, second) = tokio::join!(create(&browser, "Once", "only", &key), create(&browser, "Once", "only", &key));
    assert_eq!((first.status, second.status), (StatusCode::OK, StatusCode::OK), "{} / {}", first.body, second.body);
    assert_eq!(first.body, second.body, "both answers name the same post");
    assert_eq!(app.post_count().await, 1);

    // Another visitor's form may happen to use the same key.
    let other = app.browser();
    assert_eq!(create(&other, "Mine", "too", &key).await.status, StatusCode::OK);
    assert_eq!(app.post_count().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_submission_key_is_400_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    for key in ["", "has space", &"k".repeat(65)] {
        let res = create(&browser, "Title", "Content", key).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{key:?}: {}", res.body);
        assert!(matches!(error_of(&res), AppError::BadRequest(_)));
    }
    assert_eq!(app.post_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_publish_is_a_303_to_the_post_whose_page_shows_the_flash_once() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.get("/posts/new").await;
    let res = browser
        .submit(
            "/api/create_post",
            &[("title", "From a form"), ("content", "No JS here"), ("submission", &uuid_like())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id: i64 = location(&res).strip_prefix("/posts/").expect("to the post").parse().unwrap();
    assert!(app.stored_post(id).await.is_some());
    assert_eq!(browser.cookie("bulletin_flash").as_deref(), Some("published"));

    let page = browser.get(&format!("/posts/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"role="status""#) && page.body.contains("Post published"), "{}", page.body);
    assert_eq!(browser.cookie("bulletin_flash"), None, "cleared once shown");
    let again = browser.get(&format!("/posts/{id}")).await;
    assert!(!again.body.contains("Post published"), "a reload does not show it again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_plain_form_comes_back_to_the_form_with_the_typed_values_and_messages() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.get("/posts/new").await;
    let typed = "Typed <b>content</b> & more";
    let res =
        browser.submit("/api/create_post", &[("title", "   "), ("content", typed), ("submission", &uuid_like())]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(location(&res), "/posts/new", "back to our form, not to the Referer");
    assert_eq!(app.post_count().await, 0);

    let page = browser.get("/posts/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Title is required"), "{}", page.body);
    assert!(page.body.contains(r#"aria-describedby="post-title-error""#), "{}", page.body);
    assert!(page.body.contains(r#"aria-invalid="true""#), "{}", page.body);
    assert!(
        page.body.contains("Typed &lt;b&gt;content&lt;/b&gt; &amp; more"),
        "typed value kept, escaped: {}",
        page.body
    );
    assert!(!page.body.contains("Content is required"));

    let again = browser.get("/posts/new").await;
    assert!(!again.body.contains("Title is required"), "the draft is shown once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_shown_only_to_the_visitor_who_typed_it() {
    let app = TestApp::spawn().await;
    let alice = app.browser();
    alice.get("/posts/new").await;
    alice.submit("/api/create_post", &[("title", ""), ("content", "Alice's secret draft"), ("submission", "k")]).await;
    let token = alice.cookie("bulletin_draft").expect("draft cookie");

    let mallory = app.browser();
    mallory.get("/").await;
    mallory.set_cookie("bulletin_draft", &token);
    let stolen = mallory.get("/posts/new").await;
    assert!(!stolen.body.contains("secret draft"), "{}", stolen.body);
    assert!(alice.get("/posts/new").await.body.contains("secret draft"), "still there for Alice");
}

// --- the post page and get_post ----------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_a_post_never_escapes_its_field_or_the_page_title() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let attack = "</textarea></title><script>alert(1)</script>";
    let id = author.publish(attack, attack).await;
    for path in [format!("/posts/{id}"), format!("/posts/{id}/edit"), "/".to_owned()] {
        let page = author.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("<script>alert(1)"), "{path}: {}", page.body);
        assert!(page.body.contains("&lt;/textarea&gt;"), "{path}: shown as text");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_post_page_shows_the_title_as_heading_and_the_content_as_text() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish("A <i>title</i>", "line one\nline two <script>x()</script>").await;
    let page = author.get(&format!("/posts/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>A &lt;i&gt;title&lt;/i&gt;</h1>"), "{}", page.body);
    assert!(page.body.contains("line one\nline two &lt;script&gt;x()&lt;/script&gt;"), "{}", page.body);
    assert!(page.body.contains("0 likes") && page.body.contains("0 views"));
    assert!(page.body.contains(&format!(r#"href="/posts/{id}/edit""#)), "the author sees Edit");
    assert!(page.body.contains(">Delete<"), "the author sees Delete");

    let stranger = app.browser();
    let page = stranger.get(&format!("/posts/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("/edit"), "no Edit for others");
    assert!(!page.body.contains(">Delete<"), "no Delete for others");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_or_malformed_post_id_is_the_404_page() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    for path in ["/posts/999", "/posts/abc", "/posts/0", "/posts/-3", "/posts/999/edit", "/posts/x/edit"] {
        let res = browser.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(res.body.contains("Page not found"), "{path}");
    }
    let res = browser.call("/api/get_post", &[("id", "999")]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&res), AppError::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_post_tells_the_author_apart_without_revealing_the_author_id() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish("Mine", "text").await;
    let mine: PostDetail = serde_json::from_str(&author.call("/api/get_post", &[("id", &id.to_string())]).await.body)
        .expect("a PostDetail");
    assert!(mine.is_author);
    let res = app.browser().call("/api/get_post", &[("id", &id.to_string())]).await;
    let theirs: PostDetail = serde_json::from_str(&res.body).unwrap();
    assert!(!theirs.is_author);
    assert!(!res.body.contains(&author.visitor_id().unwrap()), "{}", res.body);
}

// --- update_post -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_author_can_update_a_post() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish("Before", "old").await;
    let res =
        author.call("/api/update_post", &[("id", &id.to_string()), ("title", " After "), ("content", "new")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.stored_post(id).await, Some(("After".into(), "new".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_else_can_update_a_post_whatever_they_send() {
    let app = TestApp::spawn().await;
    let id = app.browser().publish("Original", "text").await;
    let intruder = app.browser();
    let res =
        intruder.call("/api/update_post", &[("id", &id.to_string()), ("title", "Hacked"), ("content", "x")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_eq!(error_of(&res), AppError::Forbidden);
    assert_eq!(app.stored_post(id).await, Some(("Original".into(), "text".into())));

    // Nor through a plain form, which goes back to the edit page: a 403 page.
    let res =
        intruder.submit("/api/update_post", &[("id", &id.to_string()), ("title", "Hacked"), ("content", "x")]).await;
    assert_eq!((res.status, location(&res)), (StatusCode::SEE_OTHER, &*format!("/posts/{id}/edit")));
    assert_eq!(intruder.get(location(&res)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.stored_post(id).await, Some(("Original".into(), "text".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updating_a_missing_post_is_404_and_an_invalid_update_is_422() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let res = author.call("/api/update_post", &[("id", "12345"), ("title", "T"), ("content", "C")]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);

    let id = author.publish("Keep", "me").await;
    let res = author.call("/api/update_post", &[("id", &id.to_string()), ("title", ""), ("content", "changed")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(app.stored_post(id).await, Some(("Keep".into(), "me".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_update_is_a_303_to_the_post_with_its_flash() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish("Before", "old").await;
    let res =
        author.submit("/api/update_post", &[("id", &id.to_string()), ("title", "After"), ("content", "new")]).await;
    assert_eq!((res.status, location(&res)), (StatusCode::SEE_OTHER, &*format!("/posts/{id}")));
    let page = author.get(location(&res)).await;
    assert!(page.body.contains("Post updated") && page.body.contains("<h1>After</h1>"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_plain_form_update_comes_back_to_the_edit_form_with_what_was_typed() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish("Stored title", "stored content").await;
    let edit = format!("/posts/{id}/edit");
    let res =
        author.submit("/api/update_post", &[("id", &id.to_string()), ("title", "Typed title"), ("content", "")]).await;
    assert_eq!((res.status, location(&res)), (StatusCode::SEE_OTHER, &*edit));
    let page = author.get(&edit).await;
    assert!(page.body.contains("Content is required"), "{}", page.body);
    assert!(page.body.contains(r#"value="Typed title""#), "{}", page.body);
    assert!(
        page.body.contains(r#"aria-describedby="post-content-error"></textarea>"#),
        "typed (empty) content: {}",
        page.body
    );
    assert_eq!(app.stored_post(id).await, Some(("Stored title".into(), "stored content".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_edit_page_is_prefilled_for_the_author_and_403_for_anyone_else() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish("My title", "My content").await;
    let page = author.get(&format!("/posts/{id}/edit")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"value="My title""#) && page.body.contains("My content"), "{}", page.body);
    assert!(page.body.contains(">Save<") && page.body.contains(r#"formaction="/api/delete_post""#), "{}", page.body);

    let other = app.browser().get(&format!("/posts/{id}/edit")).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert!(other.body.contains("Not allowed") && !other.body.contains(">Save<"), "{}", other.body);
}

// --- delete_post -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_author_can_delete_a_post() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish("Doomed", "text").await;

    let res = app.browser().call("/api/delete_post", &[("id", &id.to_string())]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert!(app.stored_post(id).await.is_some());

    let res = author.call("/api/delete_post", &[("id", &id.to_string())]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.stored_post(id).await, None);

    let res = author.call("/api/delete_post", &[("id", &id.to_string())]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "already gone: {}", res.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_delete_from_the_edit_form_is_a_303_home_with_its_flash() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish("Doomed", "text").await;
    // The Delete button posts the whole edit form to delete_post.
    let res =
        author.submit("/api/delete_post", &[("id", &id.to_string()), ("title", "Doomed"), ("content", "text")]).await;
    assert_eq!((res.status, location(&res)), (StatusCode::SEE_OTHER, "/"));
    assert_eq!(app.stored_post(id).await, None);
    let home = author.get("/").await;
    assert!(home.body.contains("Post deleted") && home.body.contains("No posts yet"), "{}", home.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_plain_form_delete_goes_back_with_an_alert_and_deletes_nothing() {
    let app = TestApp::spawn().await;
    let id = app.browser().publish("Not yours", "text").await;
    let intruder = app.browser();
    let res = intruder.submit("/api/delete_post", &[("id", &id.to_string())]).await;
    assert_eq!((res.status, location(&res)), (StatusCode::SEE_OTHER, &*format!("/posts/{id}")));
    let page = intruder.get(location(&res)).await;
    assert!(page.body.contains(r#"role="alert""#) && page.body.contains("not allowed"), "{}", page.body);
    assert!(app.stored_post(id).await.is_some());
}
