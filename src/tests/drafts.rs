//! Drafts of rejected plain-form posts, kept in the database: once, for
//! their visitor and page, within their bounds, and found by any instance
//! on the same database.

use std::time::Duration;

use super::*;
use crate::{
    domain::PostDraft,
    server::{Visitor, drafts::DraftStore},
};

fn draft(title: &str) -> PostDraft {
    PostDraft { title: title.into(), ..PostDraft::default() }
}

fn store(app: &TestApp, capacity: i64, ttl: Duration) -> DraftStore {
    DraftStore::with_limits(app.state.db.clone(), app.state.writes.clone(), capacity, ttl)
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
async fn an_expired_draft_is_never_given_back_and_goes_at_the_next_put() {
    let app = TestApp::spawn().await;
    let drafts = store(&app, 50, Duration::from_millis(50));
    let visitor = Visitor::from_id("v".repeat(32));
    let stale = drafts.put(&visitor, "/posts/new", &draft("stale")).await.unwrap();
    let gone = drafts.put(&visitor, "/posts/new", &draft("gone")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(80)).await;
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
