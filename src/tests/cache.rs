//! The read cache never serves data older than a completed write, while
//! readers hammer it.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use crate::domain::{PostDetail, PostPage};
use axum::http::StatusCode;

use super::{TestApp, form, list_key};

async fn list(app: &TestApp) -> PostPage {
    let res = app.call("/api/list_posts", "").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    serde_json::from_str(&res.body).unwrap()
}

async fn detail(app: &TestApp, id: i64) -> Option<PostDetail> {
    let res = app.call("/api/get_post", &form(&[("id", &id.to_string())])).await;
    match res.status {
        StatusCode::OK => Some(serde_json::from_str(&res.body).unwrap()),
        StatusCode::NOT_FOUND => None,
        other => panic!("get_post answered {other}: {}", res.body),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_read_after_a_write_sees_it_while_readers_hammer_the_cache() {
    // 160 writes from one author: more than the default write limit allows.
    let app = Arc::new(TestApp::spawn_with(&[("BULLETIN_WRITES_PER_MINUTE_PER_VISITOR", "0")]).await);
    let seed = app.insert_post("Seed", "text").await;
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));

    // Readers keep the cache full of the list and the posts, racing every
    // write below.
    let readers: Vec<_> = (0..6)
        .map(|reader| {
            let (app, stop, reads) = (app.clone(), stop.clone(), reads.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let page = list(&app).await;
                    assert_eq!(app.get("/").await.status, StatusCode::OK);
                    for post in page.posts.iter().take(3) {
                        detail(&app, post.id).await;
                    }
                    if reader == 0 {
                        detail(&app, seed).await;
                    }
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();

    let author = app.browser();
    for round in 0..40 {
        // Publish: the list read after the answer shows the post.
        let title = format!("Round {round}");
        let id = author.publish(&title, "text").await;
        assert_eq!(list(&app).await.posts.first().map(|post| post.title.clone()), Some(title.clone()), "round {round}");
        assert!(app.get("/").await.body.contains(&title), "round {round}: the list page");

        // Like: the post and the list read after the answer show the count.
        let res = author.call("/api/set_like", &[("id", &id.to_string()), ("liked", "true")]).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(detail(&app, id).await.map(|post| post.like_count), Some(1), "round {round}");
        assert_eq!(list(&app).await.posts.first().map(|post| post.like_count), Some(1), "round {round}");

        // Edit: the new title everywhere.
        let res =
            author.call("/api/update_post", &[("id", &id.to_string()), ("title", "Edited"), ("content", "new")]).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(detail(&app, id).await.map(|post| post.title), Some("Edited".into()), "round {round}");
        assert_eq!(list(&app).await.posts.first().map(|post| post.title.clone()), Some("Edited".into()));
        assert!(app.get("/").await.body.contains("Edited"), "round {round}: the list page");

        // Delete: gone from the post and the list.
        let res = author.call("/api/delete_post", &[("id", &id.to_string())]).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(detail(&app, id).await, None, "round {round}");
        assert!(list(&app).await.posts.iter().all(|post| post.id != id), "round {round}");
        assert!(!app.get("/").await.body.contains(&format!("/posts/{id}\"")), "round {round}: the list page");
    }
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
    assert!(reads.load(Ordering::Relaxed) > 40, "the readers ran alongside");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switched_off_the_cache_holds_nothing_and_reads_still_work() {
    let app = TestApp::spawn_with(&[("BULLETIN_CACHE_ENABLED", "false")]).await;
    assert_eq!(app.state.config.cache_capacity, 0);
    let id = app.insert_post("Uncached", "text").await;
    assert_eq!(list(&app).await.posts.len(), 1);
    assert!(app.state.cache.page(None).is_none());
    assert!(detail(&app, id).await.is_some());
    assert!(app.state.cache.post(id).is_none());
}

/// The list page itself is kept whole (`server::page_cache`): rendered once
/// per change to the list, per address and theme, and never served older
/// than a write's answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_page_is_rendered_once_per_change_and_follows_every_write() {
    let app = TestApp::spawn().await;
    let page = |cookie: Option<&'static str>, path: &'static str| {
        let app = &app;
        async move {
            let mut request = axum::http::Request::get(path).header(axum::http::header::ACCEPT, "text/html");
            if let Some(cookie) = cookie {
                request = request.header(axum::http::header::COOKIE, cookie);
            }
            let res = app.send(request.body(axum::body::Body::empty()).unwrap()).await;
            assert_eq!(res.status, StatusCode::OK, "{path}");
            res.body
        }
    };
    app.insert_post("First", "text").await;
    let first = page(None, "/").await;
    // Every render carries a fresh script nonce, so equal bytes mean the
    // second answer is the first one, kept.
    assert_eq!(page(None, "/").await, first, "served from the cache");
    assert!(app.state.cache.kept(&list_key("/")).is_some());

    // Writes through the server show at once.
    let author = app.browser();
    let id = author.publish("Second", "text").await;
    let after_publish = page(None, "/").await;
    assert!(after_publish.contains("Second") && after_publish != first);
    author.call("/api/set_like", &[("id", &id.to_string()), ("liked", "true")]).await;
    assert!(page(None, "/").await.contains("1 likes"));
    author.call("/api/delete_post", &[("id", &id.to_string())]).await;
    assert!(!page(None, "/").await.contains("Second"));

    // Each theme is its own page; none leaks into another.
    assert!(page(Some("theme=dark"), "/").await.contains(r#"<html lang="en" data-theme="dark">"#));
    assert!(page(Some("theme=light"), "/").await.contains(r#"data-theme="light""#));
    assert!(page(None, "/").await.contains(r#"<html lang="en">"#));

    // A visitor with a flash message to see gets it, from a fresh render.
    let flashed = page(Some("bulletin_flash=published"), "/").await;
    assert!(flashed.contains("Post published"), "{flashed}");
    assert!(!page(None, "/").await.contains("Post published"), "and no one else does");

    // Older pages are kept by cursor; anything else is rendered each time.
    let older = page(None, "/?before=2").await;
    assert_eq!(page(None, "/?before=2").await, older);
    assert!(app.state.cache.kept(&list_key("/?before=2")).is_some());
    page(None, "/?before=2&x=1").await;
    assert!(app.state.cache.kept(&list_key("/?before=2&x=1")).is_none());
}
