//! Integration tests: the whole application through `build_router`, with no
//! port, each test on a fresh database: a SQLite file in its own temporary
//! directory, or, when `BULLETIN_TEST_POSTGRES` names a Postgres server
//! (`postgres://user@host:port`, no database), a new database on it. The
//! test command runs them both ways. Tests of what only SQLite has (its
//! file, its locks, its WAL) ask for it with [`TestApp::on_sqlite_with`].

mod cache;
mod drafts;
mod foundation;
mod fuzz;
mod headers;
mod images;
mod instances;
mod interactions;
mod layers;
mod live;
mod logs;
mod posts;
mod serving;
mod threats;
mod visitors;
mod write_pages;

use std::{collections::BTreeMap, sync::Mutex};

use crate::server::{
    AppState, Config, build_router, build_state,
    db::{Db, either},
};
use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use tempfile::TempDir;
use tower::ServiceExt;

/// A running application and the directory its database lives in.
pub struct TestApp {
    /// The application state, for direct database access in assertions.
    pub state: AppState,
    router: Router,
    /// Kept so the directory outlives the test.
    pub dir: TempDir,
    /// The `DATABASE_URL` it runs on (a SQLite one is relative to `dir`).
    database: String,
}

/// A response, with its body read to the end.
pub struct TestResponse {
    /// The status code.
    pub status: StatusCode,
    /// The headers.
    pub headers: axum::http::HeaderMap,
    /// The body, decoded as UTF-8 (lossily).
    pub body: String,
    /// The body as it came.
    pub bytes: axum::body::Bytes,
}

impl TestApp {
    /// A fresh application on a new, empty database (migrations applied).
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(&[]).await
    }

    /// A fresh application with extra environment variables for its
    /// configuration.
    pub async fn spawn_with(vars: &[(&str, &str)]) -> TestApp {
        TestApp::spawn_on(fresh_database().await, vars).await
    }

    /// A fresh application on SQLite whichever backend the suite runs on,
    /// for what only SQLite has.
    pub async fn on_sqlite_with(vars: &[(&str, &str)]) -> TestApp {
        TestApp::spawn_on(SQLITE_URL.to_owned(), vars).await
    }

    async fn spawn_on(database: String, vars: &[(&str, &str)]) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let state = TestApp::state_in(dir.path(), &database, vars).await;
        TestApp { router: build_router(state.clone()), state, dir, database }
    }

    /// Whether this application runs on SQLite.
    pub fn on_sqlite(&self) -> bool {
        matches!(self.state.db, Db::Sqlite(_))
    }

    /// A second instance of the application on this one's database file
    /// and secret key, as a load balancer's other backend would be: its own
    /// caches, write queues and write gate. Its `dir` is an empty directory
    /// of its own.
    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(&[]).await
    }

    /// [`TestApp::another_instance`], with extra environment variables for
    /// its configuration.
    pub async fn another_instance_with(&self, vars: &[(&str, &str)]) -> TestApp {
        let state = TestApp::state_in(self.dir.path(), &self.database, vars).await;
        TestApp {
            router: build_router(state.clone()),
            state,
            dir: tempfile::tempdir().expect("temporary directory"),
            database: self.database.clone(),
        }
    }

    async fn state_in(root: &std::path::Path, database: &str, vars: &[(&str, &str)]) -> AppState {
        let config = Config::from_parts(None, root, |name| match name {
            "DATABASE_URL" => Some(database.to_owned()),
            _ => vars.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned()),
        })
        .expect("test configuration");
        build_state(config).await.expect("state")
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
    }

    /// A page, as a browser navigating to it asks for it.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Request::get(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap()).await
    }

    /// Calls a server function the way the hydrated client does: a
    /// URL-encoded POST that accepts JSON back.
    pub async fn call(&self, path: &str, form: &str) -> TestResponse {
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(form.to_owned()))
                .unwrap(),
        )
        .await
    }

    /// A new browser: its own cookie jar, so its own visitor id once the
    /// first response sets it.
    pub fn browser(&self) -> Browser<'_> {
        Browser { app: self, cookies: Mutex::default() }
    }

    /// How many posts the database holds.
    pub async fn post_count(&self) -> i64 {
        self.number("SELECT count(*) FROM posts", &[]).await
    }

    /// The number `query` (with `$1`, `$2`… bound to `numbers`) reads.
    pub async fn number(&self, query: &str, numbers: &[i64]) -> i64 {
        either!(Db, &self.state.db, |pool| {
            let mut query = sqlx::query_scalar(query);
            for number in numbers {
                query = query.bind(*number);
            }
            query.fetch_one(pool).await
        })
        .unwrap_or_else(|err| panic!("{query}: {err}"))
    }

    /// Runs `statement` (with `$1`, `$2`… bound to `texts`) on the
    /// database, as an out-of-band write would.
    pub async fn execute(&self, statement: &str, texts: &[&str]) -> Result<u64, sqlx::Error> {
        either!(Db, &self.state.db, |pool| {
            let mut statement = sqlx::query(statement);
            for text in texts {
                statement = statement.bind(*text);
            }
            statement.execute(pool).await.map(|done| done.rows_affected())
        })
    }

    /// A post's title and content as stored, or `None` if it is gone.
    pub async fn stored_post(&self, id: i64) -> Option<(String, String)> {
        either!(Db, &self.state.db, |pool| {
            sqlx::query_as("SELECT title, content FROM posts WHERE id = $1").bind(id).fetch_optional(pool).await
        })
        .expect("read post")
    }

    /// Inserts a post directly, returning its id. A write that bypasses the
    /// server functions, so it revalidates the read cache itself, as any
    /// out-of-band write must.
    pub async fn insert_post(&self, title: &str, content: &str) -> i64 {
        let id: i64 = either!(Db, &self.state.db, |pool| {
            sqlx::query_scalar("INSERT INTO posts (title, content, author_id) VALUES ($1, $2, 'tester') RETURNING id")
                .bind(title)
                .bind(content)
                .fetch_one(pool)
                .await
        })
        .expect("insert post");
        self.state.cache.revalidate([crate::domain::Tag::Posts]);
        id
    }
}

/// The `DATABASE_URL` of tests on SQLite, in the test's own directory.
const SQLITE_URL: &str = "sqlite://data/test.db";

/// A `DATABASE_URL` for a new application: a new database on the Postgres
/// server `BULLETIN_TEST_POSTGRES` names, or else [`SQLITE_URL`]. The
/// databases are left behind: the test command throws the whole server
/// away at the end.
pub async fn fresh_database() -> String {
    use sqlx::{Connection, Executor};
    let Ok(server) = std::env::var("BULLETIN_TEST_POSTGRES") else {
        return SQLITE_URL.to_owned();
    };
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut connection = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .unwrap_or_else(|err| panic!("BULLETIN_TEST_POSTGRES={server}: {err}"));
    connection.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create a test database");
    format!("{server}/{name}")
}

/// The key of the kept list page at `address`, in the system theme.
pub fn list_key(address: &str) -> crate::server::cache::PageKey {
    crate::server::cache::PageKey::List { address: address.into(), theme: None }
}

/// Encodes form fields as a browser does (`application/x-www-form-urlencoded`).
pub fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).expect("encodable fields")
}

/// One browser: requests carry the cookies earlier responses set, as a real
/// browser's would.
pub struct Browser<'a> {
    app: &'a TestApp,
    cookies: Mutex<BTreeMap<String, String>>,
}

impl Browser<'_> {
    /// Sends `request` with this browser's cookies and keeps the cookies the
    /// response sets (dropping those it expires).
    pub async fn send(&self, mut request: Request<Body>) -> TestResponse {
        let jar = self.cookies.lock().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        if !jar.is_empty() {
            request.headers_mut().insert(header::COOKIE, jar.parse().unwrap());
        }
        let response = self.app.send(request).await;
        let mut cookies = self.cookies.lock().unwrap();
        for set in response.headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (name, value) = set.split(';').next().unwrap().split_once('=').unwrap();
            if set.contains("Max-Age=0") {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        response
    }

    /// Navigates to a page.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Request::get(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap()).await
    }

    /// Calls a server function as the hydrated client does (wants JSON).
    pub async fn call(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(form(fields)))
                .unwrap(),
        )
        .await
    }

    /// Submits a form as a browser without JavaScript does (wants a page),
    /// claiming to come from a page on another site, which must not matter.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
                .header(header::REFERER, "https://elsewhere.example/phish")
                .body(Body::from(form(fields)))
                .unwrap(),
        )
        .await
    }

    /// Publishes a post through the server function and returns its id.
    pub async fn publish(&self, title: &str, content: &str) -> i64 {
        let key = uuid_like();
        let res = self.call("/api/create_post", &[("title", title), ("content", content), ("submission", &key)]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        serde_json::from_str(&res.body).expect("an id")
    }

    /// The same browser, with its cookies, now served by `app` (as behind a
    /// load balancer).
    pub fn moved_to(self, app: &TestApp) -> Browser<'_> {
        Browser { app, cookies: self.cookies }
    }

    /// Sets a cookie in this browser, as a script or a forger could.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies.lock().unwrap().insert(name.to_owned(), value.to_owned());
    }

    /// The value of one of this browser's cookies.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// This browser's visitor id, read from its signed cookie with the
    /// server's own key.
    pub fn visitor_id(&self) -> Option<String> {
        let signed = self.cookie(crate::server::cookies::VISITOR_COOKIE)?;
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(header::COOKIE, format!("{}={signed}", crate::server::cookies::VISITOR_COOKIE).parse().ok()?);
        self.app.state.cookie_key.verified(&headers, crate::server::cookies::VISITOR_COOKIE)
    }
}

/// A fresh submission key, shaped as the pages make them.
pub fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("test-key-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}
