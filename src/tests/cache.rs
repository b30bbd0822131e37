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

/// The count of `what` ("likes", "views") that a list page shows for post
/// `id`.
fn count_on_list(html: &str, id: i64, what: &str) -> Option<i64> {
    let item = &html[html.find(&format!("href=\"/posts/{id}\""))?..];
    let item = &item[..item.find("</li>")?];
    let end = item.find(&format!(" {what}</span>"))?;
    let start = item[..end].rfind('>')? + 1;
    item[start..end].parse().ok()
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
                        // Keeps the post's page too, as new visitors see it.
                        app.get(&format!("/posts/{}", post.id)).await;
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

        // Like: the post and the list read after the answer show the count,
        // and so do the kept pages, through their holes.
        let post_page = format!("/posts/{id}");
        assert!(app.get(&post_page).await.body.contains(">0 likes"), "round {round}: the post's page, kept");
        let res = author.call("/api/set_like", &[("id", &id.to_string()), ("liked", "true")]).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(detail(&app, id).await.map(|post| post.like_count.value()), Some(1), "round {round}");
        assert_eq!(list(&app).await.posts.first().map(|post| post.like_count.value()), Some(1), "round {round}");
        let page = app.get(&post_page).await.body;
        assert!(page.contains(">1 likes") && page.contains(r#"aria-pressed="false""#), "round {round}: {page}");
        let page = author.get(&post_page).await.body;
        assert!(page.contains(">1 likes") && page.contains(r#"aria-pressed="true""#), "round {round}: the liker's");
        assert!(count_on_list(&app.get("/").await.body, id, "likes") == Some(1), "round {round}: the list page");

        // A view: the same, for the view count.
        let res = app.call("/api/record_view", &form(&[("id", &id.to_string())])).await;
        assert_eq!(res.body, "1", "round {round}");
        assert!(app.get(&post_page).await.body.contains(">1 views"), "round {round}: the post's page");
        assert!(count_on_list(&app.get("/").await.body, id, "views") == Some(1), "round {round}: the list page");

        // Edit: the new title everywhere.
        let res =
            author.call("/api/update_post", &[("id", &id.to_string()), ("title", "Edited"), ("content", "new")]).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(detail(&app, id).await.map(|post| post.title), Some("Edited".into()), "round {round}");
        assert!(app.get(&post_page).await.body.contains("<h1>Edited</h1>"), "round {round}: the post's page");
        assert_eq!(list(&app).await.posts.first().map(|post| post.title.clone()), Some("Edited".into()));
        assert!(app.get("/").await.body.contains("Edited"), "round {round}: the list page");

        // Delete: gone from the post and the list.
        let res = author.call("/api/delete_post", &[("id", &id.to_string())]).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(detail(&app, id).await, None, "round {round}");
        assert!(list(&app).await.posts.iter().all(|post| post.id != id), "round {round}");
        assert!(!app.get("/").await.body.contains(&format!("/posts/{id}\"")), "round {round}: the list page");
        assert_eq!(app.get(&post_page).await.status, StatusCode::NOT_FOUND, "round {round}: the post's page");
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
    let kept = app.state.cache.kept(&list_key("/")).expect("the render was kept");
    assert_eq!(page(None, "/").await, first);
    let still = app.state.cache.kept(&list_key("/")).expect("still kept");
    assert!(Arc::ptr_eq(&kept, &still), "served from the kept page, not rendered and kept again");

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

/// The infinite scroll asks a list page for its list alone: a kept page
/// answers with that part of itself, counts of now included, and every
/// answer at a list address says it varies with the asking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_list_page_answers_the_scroll_with_its_list_alone() {
    use crate::domain::paths;

    let app = TestApp::spawn().await;
    let part = |path: String| {
        let app = &app;
        async move {
            let request = axum::http::Request::get(&path)
                .header(axum::http::header::ACCEPT, "text/html")
                .header(paths::PART_HEADER, paths::LIST_PART);
            let res = app.send(request.body(axum::body::Body::empty()).unwrap()).await;
            assert_eq!(res.status, StatusCode::OK, "{path}");
            res
        }
    };
    let author = app.browser();
    let oldest = author.publish("Alpha", "text").await;
    author.publish("Bravo", "text").await;
    let newest = author.publish("Charlie", "text").await;
    let path = paths::older(newest);

    // Asked first, so the part's answer is the render that is kept.
    let list = part(path.clone()).await;
    let kept = app.state.cache.kept(&list_key(&path)).expect("the render was kept");
    let whole = app.get(&path).await;
    let range = crate::ui::components::list_part(whole.body.as_bytes()).expect("a list page has a list part");
    assert_eq!(list.body, whole.body[range], "the part is the page's own list, byte for byte");
    assert!(list.body.starts_with(r#"<ol class="posts">"#) && list.body.ends_with("</leptos-island>"), "{}", list.body);
    assert!(list.body.contains(">Bravo<") && !list.body.contains("Charlie") && !list.body.contains("<html"));
    assert!(list.body.contains(r#"data-component="MorePosts""#), "the next cursor comes with it");
    for res in [&list, &whole] {
        let vary = res.headers.get(axum::http::header::VARY).and_then(|vary| vary.to_str().ok()).unwrap_or("");
        assert!(vary.contains(paths::PART_HEADER), "{vary}");
    }

    // The same kept page, with the counts of now; and without the header,
    // or from a page with no list, the page whole.
    author.call("/api/set_like", &[("id", &oldest.to_string()), ("liked", "true")]).await;
    assert!(part(path.clone()).await.body.contains(">1 likes<"));
    assert!(Arc::ptr_eq(&kept, &app.state.cache.kept(&list_key(&path)).unwrap()), "not rendered again");
    let empty = part(paths::older(oldest)).await;
    assert!(empty.body.contains("<html") && empty.body.contains("No posts yet"), "{}", empty.body);
}

/// A post's page is kept per theme and per what of it is the visitor's
/// (their like, their authorship), with its counts filled in as they stand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_page_is_kept_per_visitor_and_shows_the_counts_of_now() {
    use crate::server::cache::PageKey;

    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish("Kept", "text").await;
    let path = format!("/posts/{id}");
    let key = |liked, is_author, theme| PageKey::Post { id, theme, liked, is_author };

    let stranger = app.get(&path).await.body;
    assert!(!stranger.contains("author-actions") && stranger.contains(r#"aria-pressed="false""#));
    let kept = app.state.cache.kept(&key(false, false, None)).expect("kept for new visitors");
    let own = author.get(&path).await.body;
    assert!(own.contains("author-actions"), "the author gets Edit and Delete");
    assert!(app.state.cache.kept(&key(false, true, None)).is_some());

    // Likes and views change counts, not the kept pages.
    let fan = app.browser();
    fan.get("/").await;
    assert_eq!(fan.call("/api/set_like", &[("id", &id.to_string()), ("liked", "true")]).await.status, StatusCode::OK);
    app.call("/api/record_view", &form(&[("id", &id.to_string())])).await;
    let liked = fan.get(&path).await.body;
    assert!(liked.contains(r#"aria-pressed="true""#) && liked.contains(">1 likes") && liked.contains(">1 views"));
    assert!(!liked.contains("author-actions"));
    let stranger = app.get(&path).await.body;
    assert!(
        stranger.contains(">1 likes") && stranger.contains(">1 views") && stranger.contains(r#"aria-pressed="false""#)
    );
    let still = app.state.cache.kept(&key(false, false, None)).expect("still kept");
    assert!(Arc::ptr_eq(&kept, &still), "the same kept page, with new counts in its holes");

    // Each theme is its own page.
    let request = |theme: &str| {
        axum::http::Request::get(&path)
            .header(axum::http::header::ACCEPT, "text/html")
            .header(axum::http::header::COOKIE, format!("theme={theme}"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    assert!(app.send(request("dark")).await.body.contains(r#"data-theme="dark""#));
    assert!(app.state.cache.kept(&key(false, false, Some("dark"))).is_some());

    // An edit drops every kept page of the post.
    let res =
        author.call("/api/update_post", &[("id", &id.to_string()), ("title", "Rewritten"), ("content", "t")]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(app.state.cache.kept(&key(false, false, Some("dark"))).is_none());
    assert!(app.get(&path).await.body.contains("<h1>Rewritten</h1>"));
    assert!(fan.get(&path).await.body.contains(">1 likes"));
}

/// However many pages, posts and counts are asked for, the cache holds at
/// most its capacity of each (and 16 times it of counts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_stays_within_its_bounds_when_filled() {
    let app = TestApp::spawn_with(&[("BULLETIN_CACHE_CAPACITY", "4")]).await;
    let mut ids = Vec::new();
    for n in 0..90 {
        ids.push(app.insert_post(&format!("Post {n}"), "text").await);
    }
    for id in &ids {
        assert_eq!(app.get(&format!("/posts/{id}")).await.status, StatusCode::OK);
        detail(&app, *id).await;
    }
    for before in ids.iter().step_by(9) {
        assert_eq!(app.get(&format!("/?before={before}")).await.status, StatusCode::OK);
        app.call("/api/list_posts", &form(&[("before", &before.to_string())])).await;
    }
    let sizes = app.state.cache.sizes();
    assert!(sizes.kept <= 4 && sizes.pages <= 4 && sizes.posts <= 4, "{sizes:?}");
    assert!(sizes.counts <= 4 * crate::server::cache::COUNTS_PER_CAPACITY, "{sizes:?}");
    assert!(sizes.kept > 0 && sizes.counts > 4, "it does keep things: {sizes:?}");
    // Pages served from a full cache are still right.
    assert!(app.get(&format!("/posts/{}", ids[0])).await.body.contains("<h1>Post 0</h1>"));
}

/// One round of the housekeeping's checkpoint, run by the test with a
/// bound of 8 MiB (so nothing depends on the task's timer keeping up), lets
/// the WAL start over while a reader never stops: the writes after it go to
/// the start of the file, which is reused rather than grown. (Overlapping
/// readers, which only the round's `RESTART` gets past, are the soak's:
/// `bench/run.sh --soak`, whose WAL column shows the production bound.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_its_bound_the_wal_starts_over_while_readers_never_stop() {
    let app = Arc::new(TestApp::on_sqlite_with(&[]).await);
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (app, stop) = (app.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                app.post_count().await;
            }
        })
    };
    let bound_pages = 2_048;
    let bound = bound_pages as u64 * 4096;
    let wal = app.dir.path().join("data/test.db-wal");
    let size = || std::fs::metadata(&wal).map_or(0, |meta| meta.len());
    let insert = |posts: u64| {
        let app = app.clone();
        async move {
            let content = "x".repeat(8_000);
            for _ in 0..posts {
                app.execute("INSERT INTO posts (title, content, author_id) VALUES ('Big', $1, 'tester')", &[&content])
                    .await
                    .unwrap();
            }
        }
    };
    // The WAL's length in frames, as a checkpoint reports it.
    let crate::server::db::Db::Sqlite(pool) = &app.state.db else { unreachable!("on_sqlite") };
    let frames = || async {
        let (_, frames, _): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await.unwrap();
        frames as u64
    };

    while size() <= bound {
        insert(32).await;
    }
    app.state.db.checkpoint(&app.state.writes, bound_pages).await.unwrap();
    let reused = size();
    // A few posts start the WAL from its start again; as many more as fill
    // half the file go inside it.
    insert(8).await;
    let per_post = frames().await.div_ceil(8).max(1);
    assert!(per_post * 8 < bound_pages as u64, "the WAL started over: {per_post} frames a post");
    let half_the_file = reused / (4096 + 24) / 2;
    insert(half_the_file / per_post).await;
    stop.store(true, Ordering::Relaxed);
    reader.await.unwrap();
    assert_eq!(size(), reused, "the WAL's file ({reused} bytes) was reused, not grown");
}

/// A draft or flash cookie that shows nothing (junk, or a draft on a page
/// without a form) gets the kept page: nobody can switch the cache off by
/// sending one. A flash to show gets a render of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_junk_draft_or_flash_cookie_gets_the_kept_page() {
    use axum::http::{Request, header};

    let app = TestApp::spawn().await;
    app.insert_post("Kept", "text").await;
    let with_cookie = |cookie: &'static str| {
        let app = &app;
        async move {
            let request = Request::get("/").header(header::ACCEPT, "text/html").header(header::COOKIE, cookie);
            let res = app.send(request.body(axum::body::Body::empty()).unwrap()).await;
            assert_eq!(res.status, StatusCode::OK, "{cookie}");
            res
        }
    };
    // The first request carries junk, yet its render is kept.
    let first = with_cookie("bulletin_flash=junk").await;
    assert!(app.state.cache.kept(&list_key("/")).is_some(), "a junk flash cookie does not stop keeping");
    let forget = first.headers.get_all(header::SET_COOKIE).iter().any(|set| {
        let set = set.to_str().unwrap();
        set.starts_with("bulletin_flash=;") && set.contains("Max-Age=0")
    });
    assert!(forget, "the junk cookie is cleared: {:?}", first.headers);
    let kept_page = app.state.cache.kept(&list_key("/")).expect("kept");
    let kept = app.get("/").await.body;
    assert_eq!(first.body, kept);
    for junk in ["bulletin_flash=", "bulletin_draft=junk", "bulletin_draft=0123456789abcdef0123456789abcdef"] {
        assert_eq!(with_cookie(junk).await.body, kept, "{junk}");
        let still = app.state.cache.kept(&list_key("/")).expect("still kept");
        assert!(Arc::ptr_eq(&kept_page, &still), "{junk}: served from the kept page, not rendered again");
    }
    let flashed = with_cookie("bulletin_flash=published").await.body;
    assert_ne!(flashed, kept, "a flash to show is rendered");
    assert!(flashed.contains("Post published"));
}
