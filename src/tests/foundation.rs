//! The foundation: pages render from the database, unknown paths are 404,
//! the database is set up as promised, the health check tells the truth.

use crate::domain::PostPage;
use axum::http::StatusCode;

use super::TestApp;
use crate::server::db::{Db, either};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_renders_the_empty_state_from_a_fresh_database() {
    let app = TestApp::spawn().await;
    let res = app.get("/").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(res.body.contains("No posts yet"), "{}", res.body);
    assert!(res.body.contains("<title>Latest posts · bulletin</title>"), "{}", res.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_lists_posts_from_the_database_newest_first() {
    let app = TestApp::spawn().await;
    app.insert_post("The older post", "first").await;
    app.insert_post("The newer post", "second").await;

    let res = app.get("/").await;
    assert_eq!(res.status, StatusCode::OK);
    let newer = res.body.find("The newer post").expect("newer post listed");
    let older = res.body.find("The older post").expect("older post listed");
    assert!(newer < older, "newest first");
    assert!(!res.body.contains("No posts yet"));
}

/// Islands: a page is the server's HTML with its data in it once, not a
/// second time as data for hydration; only its interactive parts are islands,
/// each with what it starts from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_carries_its_data_once_and_its_interactive_parts_as_islands() {
    let app = TestApp::spawn().await;
    let id = app.insert_post("A post shown once", "Its unmistakable content").await;

    let list = app.get("/").await;
    assert_eq!(list.body.matches("A post shown once").count(), 1, "{}", list.body);
    assert_no_resource_data(&list.body);
    assert!(
        list.body.contains(r#"<leptos-island data-component="MorePosts" data-props="{&quot;next_before&quot;:null}">"#),
        "{}",
        list.body
    );

    let post = app.get(&format!("/posts/{id}")).await;
    assert_eq!(post.body.matches("Its unmistakable content").count(), 1, "{}", post.body);
    assert_no_resource_data(&post.body);
    // The islands with props carry them as JSON (`ui::island`), under the
    // names the client exports them by.
    for island in [
        format!(
            r#"data-component="LikeButton" data-props="{{&quot;id&quot;:{id},&quot;initial&quot;:{{&quot;liked&quot;:false,&quot;like_count&quot;:0,&quot;at&quot;:0}}}}">"#
        ),
        format!(r#"data-component="ViewCount" data-props="{{&quot;id&quot;:{id},&quot;views&quot;:0}}">"#),
        format!(
            r#"data-component="ThemeControls" data-props="{{&quot;theme&quot;:null,&quot;return_to&quot;:&quot;/posts/{id}&quot;}}">"#
        ),
        r#"data-component="NewPostShortcut_"#.to_owned(),
    ] {
        assert!(post.body.contains(&format!("<leptos-island {island}")), "{island}: {}", post.body);
    }
}

/// Leptos writes its tables of hydration data after every page; empty, as
/// on a page that serialised nothing, they are cut off
/// (`middleware::page_end`). A page that serialised a resource would keep
/// them, filled.
fn assert_no_resource_data(html: &str) {
    assert!(html.trim_end().ends_with("</html>"), "{html}");
    assert!(!html.contains("__RESOLVED_RESOURCES=") && !html.contains("__RESOLVED_RESOURCES["), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_is_escaped_never_interpreted_as_html() {
    let app = TestApp::spawn().await;
    app.insert_post("<script>alert(1)</script>", "<b>bold</b>").await;
    let res = app.get("/").await;
    assert!(!res.body.contains("<script>alert(1)</script>"));
    assert!(res.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{}", res.body);
    assert!(res.body.contains("&lt;b&gt;bold&lt;/b&gt;"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_holds_twenty_posts_and_links_to_the_older_ones() {
    let app = TestApp::spawn().await;
    for n in 1..=21 {
        app.insert_post(&format!("Post number {n}"), "text").await;
    }
    let first = app.get("/").await;
    assert!(first.body.contains("Post number 21"));
    assert!(first.body.contains("Post number 2<"), "{}", first.body);
    assert!(!first.body.contains("Post number 1<"));
    assert!(first.body.contains(r#"href="/?before=2""#), "{}", first.body);

    let older = app.get("/?before=2").await;
    assert_eq!(older.status, StatusCode::OK);
    assert!(older.body.contains("Post number 1<"));
    assert!(!older.body.contains("Post number 2<"));
    assert!(!older.body.contains("Older posts"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_server_function_answers_json_the_client_can_decode() {
    let app = TestApp::spawn().await;
    let id = app.insert_post("Hello", &"x".repeat(200)).await;
    let res = app.call("/api/list_posts", "").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let page: PostPage = serde_json::from_str(&res.body).expect("a PostPage");
    assert_eq!(page.posts.len(), 1);
    assert_eq!(page.posts[0].id, id);
    assert_eq!(page.posts[0].excerpt.chars().count(), 141, "140 characters and an ellipsis");
    assert_eq!(page.next_before, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_server_function_argument_is_a_400_without_decoder_text() {
    let app = TestApp::spawn().await;
    let res = app.call("/api/list_posts", "before=not-a-number").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(!res.body.contains("invalid digit"), "{}", res.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_path_is_the_404_page_with_status_404() {
    let app = TestApp::spawn().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.body.contains("Page not found"), "{}", res.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_file_is_created_in_wal_mode_with_foreign_keys_on() {
    let app = TestApp::on_sqlite_with(&[]).await;
    assert!(app.dir.path().join("data/test.db").is_file());
    let Db::Sqlite(pool) = &app.state.db else { unreachable!("on SQLite") };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(pool).await.unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(pool).await.unwrap();
    assert_eq!(fk, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_posts_table_rejects_an_empty_title() {
    let app = TestApp::spawn().await;
    let err =
        app.execute("INSERT INTO posts (title, content, author_id) VALUES ('', 'x', 'a')", &[]).await.unwrap_err();
    let refused_by_check = err.as_database_error().is_some_and(|db| db.is_check_violation());
    assert!(refused_by_check, "refused by the CHECK constraint, not by accident: {err}");
    assert_eq!(app.post_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_check_reports_the_database() {
    let app = TestApp::spawn().await;
    let ok = app.get("/healthz").await;
    assert_eq!(ok.status, StatusCode::OK);

    app.state.db.close().await;
    let down = app.get("/healthz").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_shows_an_alert_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.db.close().await;
    let res = app.get("/").await;
    assert!(res.body.contains(r#"role="alert""#), "{}", res.body);
    assert!(res.body.contains("temporarily unavailable"), "{}", res.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_hundred_concurrent_page_renders_all_complete() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    app.insert_post("Hello", "world").await;
    render_home_concurrently(&app, 400).await;
}

/// Leptos hangs renders that overlap the generation of the route table;
/// `build_router` generates it once per process, so building more routers
/// (as every test does) must not stall pages being rendered meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn building_routers_while_pages_render_does_not_stall_them() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    app.insert_post("Hello", "world").await;
    let state = app.state.clone();
    let generator = std::thread::spawn(move || {
        for _ in 0..200 {
            let _ = crate::server::build_router(state.clone());
        }
    });
    render_home_concurrently(&app, 400).await;
    generator.join().unwrap();
}

/// Renders the list `count` times at once, each at an address of its own
/// (`/?before=N`, so the page cache, which renders an address once for all
/// who ask at the same time, cannot collapse them), and checks every render
/// completed with the page.
async fn render_home_concurrently(app: &std::sync::Arc<TestApp>, count: usize) {
    let tasks: Vec<_> = (0..count)
        .map(|n| {
            let app = app.clone();
            tokio::spawn(async move { app.get(&format!("/?before={}", 1_000_000 + n)).await })
        })
        .collect();
    for task in tasks {
        let page = task.await.unwrap();
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(">Hello</a>"), "the list with its post: {}", page.body);
    }
}

/// Instances behind a load balancer start together: each applies the
/// migrations its database lacks, and none fails because another was doing
/// the same at the same moment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_on_a_new_database_all_come_up() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let database = super::fresh_database().await;
        let starts = (0..3).map(|_| TestApp::state_in(dir.path(), &database, &[]));
        let states = futures_util::future::join_all(starts).await;
        for state in &states {
            // The last migration's table is there.
            let changes: i64 = either!(Db, &state.db, |pool| {
                sqlx::query_scalar("SELECT count(*) FROM changes").fetch_one(pool).await
            })
            .unwrap();
            assert_eq!(changes, 0);
        }
    }
}
