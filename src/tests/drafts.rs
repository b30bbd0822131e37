//! Drafts of rejected plain-form posts, kept in the database: once, for
//! their visitor and page, within their bounds, and found by any instance
//! on the same database.

use std::time::Duration;

use super::*;
use crate::{
    domain::PostDraft,
    server::{
        Visitor,
        clock::Clock,
        drafts::{DRAFT_TTL, DraftStore},
    },
};

fn draft(title: &str) -> PostDraft {
    PostDraft { title: title.into(), ..PostDraft::default() }
}

fn store(app: &TestApp, capacity: i64, ttl: Duration) -> DraftStore {
    DraftStore::with_limits(app.state.db.clone(), app.state.writes.clone(), capacity, i64::MAX / 2, ttl)
}

#[tokio::test]
async fn a_draft_is_given_back_once_to_its_visitor_on_its_page() {
    let app = TestApp::spawn().await;
    let drafts = &app.state.drafts;
    let alice = Visitor::from_id("a".repeat(32));
    let token = drafts.put(&alice, "/posts/new", &draft("typed")).await.unwrap();
    assert_eq!(drafts.take(&token, &alice, "/posts/new").await.unwrap().map(|d| d.title), Some("typed".into()));
    assert_eq!(drafts.take(&token, &alice, "/posts/new").await.unwrap(), None);
    assert_eq!(drafts.held().await.unwrap(), 0, "taking it removed it");
}

#[tokio::test]
async fn a_draft_is_not_given_to_another_visitor_or_another_page() {
    let app = TestApp::spawn().await;
    let drafts = &app.state.drafts;
    let alice = Visitor::from_id("a".repeat(32));
    let mallory = Visitor::from_id("m".repeat(32));
    let token = drafts.put(&alice, "/posts/new", &draft("secret")).await.unwrap();
    assert_eq!(drafts.take(&token, &mallory, "/posts/new").await.unwrap(), None);
    assert_eq!(drafts.take(&token, &alice, "/posts/1/edit").await.unwrap(), None);
    // Neither failed attempt used it up.
    assert!(drafts.take(&token, &alice, "/posts/new").await.unwrap().is_some());
}

#[tokio::test]
async fn the_store_never_holds_more_than_its_capacity() {
    let app = TestApp::spawn().await;
    let drafts = store(&app, 50, Duration::from_secs(600));
    let visitor = Visitor::from_id("v".repeat(32));
    let first = drafts.put(&visitor, "/posts/new", &draft("first")).await.unwrap();
    for _ in 0..100 {
        drafts.put(&visitor, "/posts/new", &draft("more")).await.unwrap();
    }
    assert_eq!(drafts.held().await.unwrap(), 50);
    assert_eq!(drafts.take(&first, &visitor, "/posts/new").await.unwrap(), None, "the oldest draft made room");
}

#[tokio::test]
async fn the_store_never_holds_more_than_its_bytes_and_keeps_the_newest() {
    let app = TestApp::spawn().await;
    let drafts = DraftStore::with_limits(app.state.db.clone(), app.state.writes.clone(), 1_000, 50_000, DRAFT_TTL);
    let visitor = Visitor::from_id("v".repeat(32));
    let mut tokens = Vec::new();
    for n in 0..30 {
        let big = PostDraft { content: format!("{n} {}", "x".repeat(9_000)), ..PostDraft::default() };
        tokens.push(drafts.put(&visitor, "/posts/new", &big).await.unwrap());
        assert!(drafts.held_bytes().await.unwrap() <= 50_000, "after {n}");
    }
    assert!(drafts.held().await.unwrap() >= 4, "as many as fit are kept");
    let newest = drafts.take(tokens.last().unwrap(), &visitor, "/posts/new").await.unwrap();
    assert!(newest.is_some_and(|draft| draft.content.starts_with("29 ")));
    assert_eq!(drafts.take(&tokens[0], &visitor, "/posts/new").await.unwrap(), None, "the oldest made room");
}

/// A flood of rejected megabyte forms (each at the body limit, each a write
/// of its draft) leaves the database small: a draft keeps a field only a
/// little past its limit.
#[tokio::test]
async fn a_flood_of_rejected_megabyte_forms_leaves_the_database_small() {
    let app = TestApp::on_sqlite_with(&[]).await;
    let flooder = app.browser();
    let content = "a".repeat(1_000_000);
    for n in 0..40 {
        let key = format!("flood-{n}");
        let res = flooder
            .submit("/api/create_post", &[("title", "Flood"), ("content", &content), ("submission", &key)])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    assert_eq!(app.post_count().await, 0);
    assert_eq!(app.state.drafts.held().await.unwrap(), 40);
    let bytes = app.state.drafts.held_bytes().await.unwrap();
    assert!(bytes < 40 * 12_000, "{bytes} bytes of drafts");
    let file = app.state.config.database.sqlite_file().unwrap().to_owned();
    let size = |suffix: &str| {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        std::fs::metadata(name).map_or(0, |meta| meta.len())
    };
    let on_disk = size("") + size("-wal");
    assert!(on_disk < 8 << 20, "the database and its WAL take {on_disk} bytes");
    // The form comes back with what was kept, and says so.
    let page = flooder.get("/posts/new").await;
    assert!(page.body.contains("only the first 11000 characters you typed were kept"), "{}", page.body);
}

/// The space of drafts that are gone goes back to the file system.
#[tokio::test]
async fn the_space_of_deleted_drafts_is_given_back() {
    let app = TestApp::on_sqlite_with(&[]).await;
    let visitor = Visitor::from_id("v".repeat(32));
    for n in 0..200 {
        let big = PostDraft { content: format!("{n} {}", "y".repeat(40_000)), ..PostDraft::default() };
        app.state.drafts.put(&visitor, "/posts/new", &big).await.unwrap();
    }
    let full = app.number("PRAGMA page_count", &[]).await;
    app.execute("DELETE FROM drafts", &[]).await.unwrap();
    // Each call gives back a step; the checkpoint task may be giving some
    // back meanwhile.
    for _ in 0..100 {
        if app.state.db.reclaim(&app.state.writes).await.unwrap() <= 8 {
            break;
        }
    }
    let after = app.number("PRAGMA page_count", &[]).await;
    assert!(after < full / 4, "{full} pages before, {after} after");
}

/// The store reads a clock the test moves, so nothing here races time.
#[tokio::test]
async fn an_expired_draft_is_never_given_back_and_goes_at_the_next_put() {
    let app = TestApp::spawn().await;
    let clock = Clock::manual(1_000_000);
    let ttl = Duration::from_secs(60);
    let drafts = store(&app, 50, ttl).with_clock(clock.clone());
    let visitor = Visitor::from_id("v".repeat(32));
    let kept = drafts.put(&visitor, "/posts/new", &draft("kept")).await.unwrap();
    clock.advance(ttl - Duration::from_millis(1));
    assert!(drafts.take(&kept, &visitor, "/posts/new").await.unwrap().is_some(), "still within its time");

    let stale = drafts.put(&visitor, "/posts/new", &draft("stale")).await.unwrap();
    let gone = drafts.put(&visitor, "/posts/new", &draft("gone")).await.unwrap();
    clock.advance(ttl);
    assert_eq!(drafts.take(&stale, &visitor, "/posts/new").await.unwrap(), None);
    let fresh = drafts.put(&visitor, "/posts/new", &draft("fresh")).await.unwrap();
    assert_eq!(drafts.held().await.unwrap(), 1, "the expired one went when the fresh one came");
    assert_eq!(drafts.take(&gone, &visitor, "/posts/new").await.unwrap(), None);
    assert!(drafts.take(&fresh, &visitor, "/posts/new").await.unwrap().is_some());
}

/// Behind a load balancer the redirect after a rejected post may reach
/// another instance: it finds the draft in the database all the same.
#[tokio::test]
async fn a_draft_left_by_one_instance_is_shown_by_another() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    let browser = first.browser();
    let rejected = browser
        .submit("/api/create_post", &[("title", ""), ("content", "Typed on the first instance"), ("submission", "k")])
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    let browser = browser.moved_to(&second);
    let page = browser.get("/posts/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Typed on the first instance"), "{}", page.body);
    assert!(page.body.contains("Title is required"), "{}", page.body);
    assert_eq!(first.state.drafts.held().await.unwrap(), 0, "shown once: the second instance took it");
}
