//! Several instances on one database, as behind a load balancer: what one
//! writes, another shows at once to the visitor who wrote it, and soon to
//! everyone else, although each keeps its own read cache and kept pages.

use std::time::Duration;

use super::*;

/// Publishes through `browser` without JavaScript and returns the new
/// post's id, from the redirect.
async fn publish(browser: &Browser<'_>, title: &str) -> i64 {
    let key = uuid_like();
    let res = browser.submit("/api/create_post", &[("title", title), ("content", "Body"), ("submission", &key)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let location = res.headers[header::LOCATION].to_str().unwrap();
    location.trim_start_matches("/posts/").parse().expect("a post's path")
}

/// Both instances read the feed only when a request asks them to (once a
/// minute otherwise, longer than the test), so what one shows the writer at once can only come from
/// the cookie the write's answer carried.
#[tokio::test]
async fn the_writer_sees_their_writes_at_once_on_another_instance() {
    let seldom = [("BULLETIN_CACHE_FOLLOW_EVERY_MS", "60000")];
    let first = TestApp::spawn_with(&seldom).await;
    let second = first.another_instance_with(&seldom).await;
    let kept = first.insert_post("Kept everywhere", "text").await;
    // Both instances keep their pages before the writes.
    for app in [&first, &second] {
        assert!(app.get("/").await.body.contains("Kept everywhere"));
        assert!(app.get(&format!("/posts/{kept}")).await.body.contains(">0 likes"));
    }

    let browser = first.browser();
    let id = publish(&browser, "Written on the first").await;
    let liked = browser.call("/api/set_like", &[("id", &kept.to_string()), ("liked", "true")]).await;
    assert_eq!(liked.status, StatusCode::OK, "{}", liked.body);
    assert!(first.get(&format!("/posts/{id}")).await.body.contains("Written on the first"));

    let browser = browser.moved_to(&second);
    assert!(browser.get("/").await.body.contains("Written on the first"), "the new post is on the list");
    let post = browser.get(&format!("/posts/{kept}")).await;
    assert!(post.body.contains(">1 likes") && post.body.contains(r#"aria-pressed="true""#), "{}", post.body);
    let deleted = browser.call("/api/delete_post", &[("id", &id.to_string())]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);

    let browser = browser.moved_to(&first);
    assert_eq!(browser.get(&format!("/posts/{id}")).await.status, StatusCode::NOT_FOUND, "deleted everywhere");
    assert!(!browser.get("/").await.body.contains("Written on the first"));
}

/// Other visitors see another instance's write once their instance has
/// read the feed (every 10 ms by default, or sooner when a request asks):
/// at its next round, with no other help.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_visitors_see_another_instances_write_once_it_is_followed() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    let kept = first.insert_post("Liked elsewhere", "text").await;
    assert!(second.get(&format!("/posts/{kept}")).await.body.contains(">0 likes"));
    assert!(!second.get("/").await.body.contains("Published elsewhere"));

    let writer = first.browser();
    publish(&writer, "Published elsewhere").await;
    let liked = writer.call("/api/set_like", &[("id", &kept.to_string()), ("liked", "true")]).await;
    assert_eq!(liked.status, StatusCode::OK, "{}", liked.body);
    second.state.feed.followed(1).await;
    // A visitor with no cookie at all, on the other instance.
    assert!(second.get("/").await.body.contains("Published elsewhere"));
    assert!(second.get(&format!("/posts/{kept}")).await.body.contains(">1 likes"));
}

/// An instance that finds a gap in the feed (rows pruned before it read
/// them) cannot know what they changed, so it forgets its whole cache.
#[tokio::test]
async fn an_instance_that_missed_part_of_the_feed_forgets_its_cache() {
    let seldom = [("BULLETIN_CACHE_FOLLOW_EVERY_MS", "60000")];
    let first = TestApp::spawn_with(&seldom).await;
    let second = first.another_instance_with(&seldom).await;
    let browser = first.browser();
    let id = publish(&browser, "Before").await;
    let other = first.insert_post("Another", "text").await;
    let browser = browser.moved_to(&second);
    assert!(browser.get(&format!("/posts/{id}")).await.body.contains("<h1>Before</h1>"), "kept by the second");

    let browser = browser.moved_to(&first);
    let saved =
        browser.call("/api/update_post", &[("id", &id.to_string()), ("title", "After"), ("content", "Body")]).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let edit = first.number("SELECT max(seq) FROM changes", &[]).await;
    browser.call("/api/set_like", &[("id", &other.to_string()), ("liked", "true")]).await;
    // The edit's row is pruned before the second instance read it.
    first.execute(&format!("DELETE FROM changes WHERE seq = {edit}"), &[]).await.unwrap();

    let browser = browser.moved_to(&second);
    let page = browser.get(&format!("/posts/{id}")).await;
    assert!(page.body.contains("<h1>After</h1>"), "{}", page.body);
}

/// An instance that cannot read the feed cannot know what other instances
/// write meanwhile: it keeps nothing while it cannot, and trusts its cache
/// again once it reads the feed again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_that_cannot_read_the_feed_keeps_nothing_until_it_can() {
    let app = TestApp::spawn().await;
    let id = app.insert_post("Kept", "text").await;
    let page = format!("/posts/{id}");
    assert!(app.get(&page).await.body.contains("<h1>Kept</h1>"));
    assert_eq!(app.state.cache.sizes().kept, 1, "the page is kept");

    app.execute("ALTER TABLE changes RENAME TO changes_away", &[]).await.unwrap();
    // Writes that reach the database without this instance's knowledge, as
    // other instances' would while the feed cannot be read; each is
    // followed by a round of the follower that fails to read the feed.
    for title in ["Changed elsewhere", "Changed again"] {
        app.execute(&format!("UPDATE posts SET title = '{title}' WHERE id = {id}"), &[]).await.unwrap();
        app.state.feed.followed(1).await;
        let shown = app.get(&page).await;
        assert!(shown.body.contains(&format!("<h1>{title}</h1>")), "read again, not kept: {}", shown.body);
    }

    app.execute("ALTER TABLE changes_away RENAME TO changes", &[]).await.unwrap();
    app.state.feed.followed(1).await;
    assert!(app.get(&page).await.body.contains("<h1>Changed again</h1>"));
    app.state.feed.followed(2).await;
    assert_eq!(app.state.cache.sizes().kept, 1, "kept again, and no longer forgotten, once the feed is read");
}

/// The position in the cookie is signed: a forged one is ignored, so no one
/// can make an instance wait for a write that will never come.
#[tokio::test]
async fn a_forged_position_is_ignored() {
    let app = TestApp::spawn_with(&[("BULLETIN_CACHE_FOLLOW_EVERY_MS", "60000")]).await;
    let browser = app.browser();
    publish(&browser, "Signed").await;
    let signed = browser
        .cookie(crate::server::middleware::read_your_writes::SEEN_COOKIE)
        .expect("a write's answer sets the position");
    assert!(signed.len() > 20, "signed, not the bare number: {signed}");
    browser.set_cookie(crate::server::middleware::read_your_writes::SEEN_COOKIE, "999999999");
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    assert_eq!(app.state.feed.late_answers(), 0, "answered without waiting for position 999999999");

    // The same position, signed by the server, is waited for, and the answer
    // goes late: so the count above would have shown a wait.
    let forged = app.state.cookie_key.set_signed(
        crate::server::middleware::read_your_writes::SEEN_COOKIE,
        "999999999",
        Duration::from_secs(60),
        false,
    );
    let value = forged.to_str().unwrap().split(';').next().unwrap().split_once('=').unwrap().1.to_owned();
    browser.set_cookie(crate::server::middleware::read_your_writes::SEEN_COOKIE, &value);
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    assert_eq!(app.state.feed.late_answers(), 1, "a signed position ahead of the feed is waited for");
}

/// Two instances write likes and views of the same posts at once, taking
/// the posts in opposite orders, with posts published between them: every
/// write is answered 200 (none is lost to a deadlock or a lock timeout),
/// the counts are exact, and the feed numbers every write without a gap.
/// On Postgres this is what ordering each batch by post, and taking the
/// feed's head last, ensure.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_writing_the_same_posts_at_once_count_exactly() {
    let unlimited = [("BULLETIN_WRITES_PER_MINUTE_PER_IP", "0"), ("BULLETIN_WRITES_PER_MINUTE_PER_VISITOR", "0")];
    let first = std::sync::Arc::new(TestApp::spawn_with(&unlimited).await);
    let second = std::sync::Arc::new(first.another_instance_with(&unlimited).await);
    let mut posts = Vec::new();
    for n in 0..6 {
        posts.push(first.insert_post(&format!("Shared {n}"), "text").await);
    }
    const WRITERS: i64 = 48;
    let tasks: Vec<_> = (0..WRITERS)
        .map(|n| {
            let app = if n % 2 == 0 { first.clone() } else { second.clone() };
            let mut order = posts.clone();
            if n % 2 == 1 {
                order.reverse();
            }
            tokio::spawn(async move {
                // One visitor (the first answer's cookie), liking and
                // viewing every post at once, so that batches hold many
                // posts in no particular order.
                let visitor = app.browser();
                visitor.get("/").await;
                let writes = order.iter().map(|id| async {
                    let id = id.to_string();
                    let (like, view) = ([("id", id.as_str()), ("liked", "true")], [("id", id.as_str())]);
                    let (liked, viewed) = futures_util::join!(
                        visitor.call("/api/set_like", &like),
                        visitor.call("/api/record_view", &view),
                    );
                    assert_eq!(liked.status, StatusCode::OK, "{}", liked.body);
                    assert_eq!(viewed.status, StatusCode::OK, "{}", viewed.body);
                });
                futures_util::future::join_all(writes).await;
                if n % 8 == 0 {
                    visitor.publish(&format!("From writer {n}"), "text").await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    for id in posts {
        let stored = first.number("SELECT like_count FROM posts WHERE id = $1", &[id]).await;
        let rows = first.number("SELECT count(*) FROM post_likes WHERE post_id = $1", &[id]).await;
        let views = first.number("SELECT view_count FROM posts WHERE id = $1", &[id]).await;
        assert_eq!((stored, rows, views), (WRITERS, WRITERS, WRITERS), "post {id}");
        for app in [&first, &second] {
            let page = app.get(&format!("/posts/{id}")).await;
            assert!(page.body.contains(&format!(">{WRITERS} likes")), "{}", page.body);
        }
    }
    assert_eq!(first.post_count().await, 6 + WRITERS / 8);
    let (rows, last) = (
        first.number("SELECT count(*) FROM changes", &[]).await,
        first.number("SELECT coalesce(max(seq), 0) FROM changes", &[]).await,
    );
    assert!(rows > 0);
    assert_eq!(rows, last, "the feed's rows are numbered 1 to {last} without a gap");
}
