//! Integration tests: the whole application through `build_router`, with no
//! port, each test on a fresh SQLite file in its own temporary directory.

mod foundation;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use bulletin::server::{AppState, Config, build_router, build_state};
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
}

/// A response, with its body read to the end.
pub struct TestResponse {
    /// The status code.
    pub status: StatusCode,
    /// The headers.
    pub headers: axum::http::HeaderMap,
    /// The body, decoded as UTF-8 (lossily).
    pub body: String,
}

impl TestApp {
    /// A fresh application on a new, empty database (migrations applied).
    pub async fn spawn() -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let root = dir.path().to_path_buf();
        let config = Config::from_parts(None, &root, |name| match name {
            "DATABASE_URL" => Some("sqlite://data/test.db".to_owned()),
            _ => None,
        })
        .expect("test configuration");
        let state = build_state(config).await.expect("state");
        TestApp { router: build_router(state.clone()), state, dir }
    }

    /// Sends `request` through the router.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
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

    /// Inserts a post directly, returning its id.
    pub async fn insert_post(&self, title: &str, content: &str) -> i64 {
        sqlx::query_scalar("INSERT INTO posts (title, content, author_id) VALUES (?1, ?2, 'tester') RETURNING id")
            .bind(title)
            .bind(content)
            .fetch_one(&self.state.db)
            .await
            .expect("insert post")
    }
}
