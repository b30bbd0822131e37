//! Server functions called from handlers and effects: likes, views, the
//! next page of the list, and the theme cookie.

use std::sync::Arc;

use crate::domain::{Count, LikeState, PostDetail, PostPage};
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};

use super::{TestApp, TestResponse, form};

fn like_state(res: &TestResponse) -> LikeState {
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    serde_json::from_str(&res.body).expect("a LikeState")
}

async fn stored_counts(app: &TestApp, id: i64) -> (i64, i64) {
    (
        app.number("SELECT like_count FROM posts WHERE id = $1", &[id]).await,
        app.number("SELECT view_count FROM posts WHERE id = $1", &[id]).await,
    )
}

// --- likes --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liking_and_unliking_are_idempotent_per_visitor() {
    let app = TestApp::spawn().await;
    let id = app.browser().publish("Likeable", "text").await;
    let fan = app.browser();
    let id_field = id.to_string();

    let liked = [("id", id_field.as_str()), ("liked", "true")];
    let state = like_state(&fan.call("/api/set_like", &liked).await);
    assert_eq!((state.liked, state.like_count), (true, Count::from(1)));
    assert!(state.at > 0, "a like's answer says the feed position it is as of");
    let state = like_state(&fan.call("/api/set_like", &liked).await);
    assert_eq!((state.liked, state.like_count), (true, Count::from(1)));
    assert!(state.at > 0, "a like's answer says the feed position it is as of");
    assert_eq!(stored_counts(&app, id).await.0, 1);

    let detail: PostDetail = serde_json::from_str(&fan.call("/api/get_post", &[("id", &id_field)]).await.body).unwrap();
    assert!(detail.liked && detail.like_count == 1);

    let unliked = [("id", id_field.as_str()), ("liked", "false")];
    let state = like_state(&fan.call("/api/set_like", &unliked).await);
    assert_eq!((state.liked, state.like_count), (false, Count::from(0)));
    assert!(state.at > 0, "a like's answer says the feed position it is as of");
    let state = like_state(&fan.call("/api/set_like", &unliked).await);
    assert_eq!((state.liked, state.like_count), (false, Count::from(0)));
    assert!(state.at > 0, "a like's answer says the feed position it is as of");
    assert_eq!(stored_counts(&app, id).await.0, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_visitors_liking_at_once_count_exactly_two_hundred() {
    let app = Arc::new(TestApp::spawn().await);
    let id = app.browser().publish("Popular", "text").await;
    // A request without a visitor cookie is a new visitor each time.
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let res = app.call("/api/set_like", &form(&[("id", &id.to_string()), ("liked", "true")])).await;
                assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let rows = app.number("SELECT count(*) FROM post_likes WHERE post_id = $1", &[id]).await;
    assert_eq!((stored_counts(&app, id).await.0, rows), (200, 200));
}

/// Likes arriving together are written in one transaction (group commit);
/// a like of a missing post in the same batch fails alone, and every
/// visitor gets the count as it stood right after their own like.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn likes_written_together_answer_each_caller_on_its_own() {
    let app = Arc::new(TestApp::spawn().await);
    let id = app.insert_post("Batched", "text").await;
    let tasks: Vec<_> = (0..120)
        .map(|n| {
            let app = app.clone();
            // Every third like is for a post that does not exist.
            let target = if n % 3 == 0 { 9999 } else { id };
            tokio::spawn(async move {
                let res = app.call("/api/set_like", &form(&[("id", &target.to_string()), ("liked", "true")])).await;
                (target, res.status, res.body)
            })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        let (target, status, body) = task.await.unwrap();
        if target == id {
            assert_eq!(status, StatusCode::OK, "{body}");
            counts.push(serde_json::from_str::<LikeState>(&body).unwrap().like_count.value());
        } else {
            assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        }
    }
    // 80 likes, each answered with a distinct count from 1 to 80.
    counts.sort_unstable();
    assert_eq!(counts, (1..=80).collect::<Vec<i64>>());
    assert_eq!(stored_counts(&app, id).await.0, 80);
    let rows = app.number("SELECT count(*) FROM post_likes", &[]).await;
    assert_eq!(rows, 80, "no row for the missing post");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liking_a_missing_post_is_404_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let res = app.browser().call("/api/set_like", &[("id", "4242"), ("liked", "true")]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let rows = app.number("SELECT count(*) FROM post_likes", &[]).await;
    assert_eq!(rows, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_like_comes_back_to_the_post_pressed_with_the_new_count() {
    let app = TestApp::spawn().await;
    let id = app.browser().publish("Likeable", "text").await;
    let fan = app.browser();
    let res = fan.submit("/api/set_like", &[("id", &id.to_string()), ("liked", "true")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.headers[header::LOCATION], format!("/posts/{id}").as_str());
    let page = fan.get(&format!("/posts/{id}")).await;
    assert!(page.body.contains(r#"aria-pressed="true""#), "{}", page.body);
    assert!(page.body.contains("1 likes"), "{}", page.body);
    assert!(page.body.contains(r#"name="liked" value="false""#), "the next press takes it back: {}", page.body);
    // The list shows the same count.
    assert!(fan.get("/").await.body.contains("1 likes"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_post_deletes_its_likes() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish("Short-lived", "text").await;
    let liked = author.call("/api/set_like", &[("id", &id.to_string()), ("liked", "true")]).await;
    assert_eq!(liked.status, StatusCode::OK, "{}", liked.body);
    assert_eq!(app.number("SELECT count(*) FROM post_likes", &[]).await, 1, "the like is stored");
    let deleted = author.call("/api/delete_post", &[("id", &id.to_string())]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(app.stored_post(id).await, None, "the post is gone");
    let rows = app.number("SELECT count(*) FROM post_likes", &[]).await;
    assert_eq!(rows, 0, "and its likes with it");
}

// --- views --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_is_counted_by_the_server_function_and_not_by_rendering_the_page() {
    let app = TestApp::spawn().await;
    let reader = app.browser();
    let id = reader.publish("Viewed", "text").await;

    let page = reader.get(&format!("/posts/{id}")).await;
    assert!(page.body.contains("0 views"), "{}", page.body);
    assert_eq!(stored_counts(&app, id).await.1, 0, "a server render counts nothing");

    for expected in 1..=2 {
        let res = reader.call("/api/record_view", &[("id", &id.to_string())]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.body, expected.to_string());
    }
    assert!(reader.get(&format!("/posts/{id}")).await.body.contains("2 views"));
    assert!(reader.get("/").await.body.contains("2 views"));

    let missing = reader.call("/api/record_view", &[("id", "999")]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

// --- the next page ------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_page_is_the_right_slice_while_new_posts_arrive() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for n in 1..=45 {
        ids.push(app.insert_post(&format!("Post {n}"), "text").await);
    }
    let page = |res: TestResponse| -> PostPage { serde_json::from_str(&res.body).expect("a PostPage") };
    let first = page(app.call("/api/list_posts", "").await);
    let shown: Vec<i64> = first.posts.iter().map(|post| post.id).collect();
    assert_eq!(shown, ids[25..].iter().rev().copied().collect::<Vec<_>>());

    // Five posts are published while the reader scrolls.
    for n in 46..=50 {
        app.insert_post(&format!("Post {n}"), "text").await;
    }
    let second = page(app.call("/api/list_posts", &form(&[("before", &first.next_before.unwrap().to_string())])).await);
    let next: Vec<i64> = second.posts.iter().map(|post| post.id).collect();
    assert_eq!(next, ids[5..25].iter().rev().copied().collect::<Vec<_>>(), "no duplicates, no gaps");
    let third = page(app.call("/api/list_posts", &form(&[("before", &second.next_before.unwrap().to_string())])).await);
    assert_eq!(third.posts.len(), 5);
    assert_eq!(third.next_before, None);
}

// --- the theme cookie -----------------------------------------------------------

fn set_cookie(res: &TestResponse, name: &str) -> String {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|value| value.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie set"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn choosing_a_theme_sets_a_year_long_lax_cookie_that_the_server_renders() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = browser.call("/api/set_theme", &[("theme", "dark")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let mut attributes: Vec<String> = set_cookie(&res, "theme").split("; ").map(str::to_owned).collect();
    attributes.sort();
    assert_eq!(attributes, ["HttpOnly", "Max-Age=31536000", "Path=/", "SameSite=Lax", "theme=dark"]);

    let page = browser.get("/posts/new").await;
    assert!(page.body.contains(r#"<html lang="en" data-theme="dark">"#), "{}", page.body);
    assert!(page.body.contains(">Light theme<") && page.body.contains(">Use system theme<"), "{}", page.body);

    let res = browser.call("/api/set_theme", &[("theme", "system")]).await;
    assert!(set_cookie(&res, "theme").contains("Max-Age=0"));
    let page = browser.get("/").await;
    assert!(page.body.contains(r#"<html lang="en">"#), "no theme attribute: {}", page.body);
    assert!(page.body.contains(">Dark theme<") && !page.body.contains("Use system theme"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_theme_switch_comes_back_to_the_page_it_came_from_and_only_to_this_site() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = browser.submit("/api/set_theme", &[("theme", "light"), ("return_to", "/posts/new")]).await;
    assert_eq!((res.status, &res.headers[header::LOCATION]), (StatusCode::SEE_OTHER, &"/posts/new".parse().unwrap()));
    assert!(browser.get("/posts/new").await.body.contains(r#"data-theme="light""#));

    for elsewhere in ["https://evil.example/", "//evil.example/x", "/\\evil.example"] {
        let res = browser.submit("/api/set_theme", &[("theme", "dark"), ("return_to", elsewhere)]).await;
        assert_eq!(res.headers[header::LOCATION], "/", "{elsewhere}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_theme_is_400_and_a_forged_theme_cookie_is_ignored() {
    let app = TestApp::spawn().await;
    let res = app.browser().call("/api/set_theme", &[("theme", "neon")]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(!res.headers.get_all(header::SET_COOKIE).iter().any(|v| v.to_str().unwrap().starts_with("theme=")));

    let page = app
        .send(
            Request::get("/")
                .header(header::ACCEPT, "text/html")
                .header(header::COOKIE, r#"theme="><script>x()</script>"#)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(page.body.contains(r#"<html lang="en">"#) && !page.body.contains("<script>x()"), "{}", page.body);
}
