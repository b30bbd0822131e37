//! Every log line written while a request is handled names that request:
//! the access log's line, and warnings and errors from deep inside a
//! service (an internal error's line is checked in `threats.rs`).

use std::sync::{Arc, Mutex, OnceLock};

use axum::http::StatusCode;
use tracing_subscriber::fmt::MakeWriter;

use super::TestApp;

/// Every log line the tests' servers write, from the moment a test here
/// first asks for them. Tests find their own lines by request id.
#[derive(Clone, Default)]
pub(super) struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    /// The process's log, installed as the global subscriber once, as `main`
    /// installs its own. (A per-thread subscriber is not enough: other tests
    /// running meanwhile change what tracing's callsites think is enabled.)
    pub(super) fn global() -> &'static Captured {
        static LOG: OnceLock<Captured> = OnceLock::new();
        LOG.get_or_init(|| {
            let log = Captured::default();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(log.clone())
                .with_ansi(false)
                .with_env_filter("info,sqlx=warn,leptos_axum=warn")
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("no other test installs a subscriber");
            log
        })
    }

    /// The lines logged so far that hold `text`.
    pub(super) fn lines_with(&self, text: &str) -> Vec<String> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8_lossy(&bytes).lines().filter(|line| line.contains(text)).map(str::to_owned).collect()
    }
}

#[tokio::test]
async fn a_warning_from_inside_a_service_and_the_access_log_line_carry_the_request_id() {
    let logs = Captured::global();
    let app = TestApp::spawn().await;
    app.state.db.close().await;
    let res = app.browser().call("/api/create_post", &[("title", "t"), ("content", "c"), ("submission", "k-1")]).await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
    let request_id = res.headers["x-request-id"].to_str().unwrap().to_owned();

    let ours = logs.lines_with(&format!("id={request_id} "));
    let warning = ours.iter().filter(|line| line.contains("WARN") && line.contains("database unavailable")).count();
    assert_eq!(warning, 1, "the service's warning names the request: {ours:#?}");
    let access: Vec<&String> = ours.iter().filter(|line| line.contains("bulletin::request")).collect();
    assert_eq!(access.len(), 1, "one access line for the request: {ours:#?}");
    assert!(access[0].contains("status=503") && access[0].contains("path=/api/create_post"), "{}", access[0]);
}

#[tokio::test]
async fn a_request_id_a_client_sends_is_replaced_by_the_servers_own() {
    let app = TestApp::spawn().await;
    let request = axum::http::Request::get("/healthz")
        .header("x-request-id", "chosen-by-client")
        .body(axum::body::Body::empty())
        .unwrap();
    let res = app.send(request).await;
    let id = res.headers["x-request-id"].to_str().unwrap();
    assert!(id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
}

/// Refusals are logged at most once a second, whatever their rate: a burst
/// of cross-site posts and of writes over the limit leaves a line or two,
/// each saying how many it left out.
#[tokio::test]
async fn a_burst_of_refusals_leaves_a_line_a_second_not_one_each() {
    let logs = Captured::global();
    let app = TestApp::spawn_with(&[("BULLETIN_WRITES_PER_MINUTE_PER_VISITOR", "1")]).await;
    let browser = app.browser();
    let id = browser.publish("Refused often", "text").await.to_string();
    let started = std::time::Instant::now();
    let mut ids = Vec::new();
    for n in 0..100 {
        let mut request = axum::http::Request::post("/api/set_like")
            .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(axum::http::header::ACCEPT, "application/json");
        if n % 2 == 0 {
            request = request.header(axum::http::header::ORIGIN, "http://elsewhere.example");
        }
        let res = browser
            .send(request.body(axum::body::Body::from(super::form(&[("id", &id), ("liked", "true")]))).unwrap())
            .await;
        let expected = if n % 2 == 0 { StatusCode::FORBIDDEN } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(res.status, expected, "request {n}");
        ids.push(res.headers["x-request-id"].to_str().unwrap().to_owned());
    }
    let seconds = started.elapsed().as_secs() + 1;
    let refusals: Vec<String> = ["cross-site request refused", "write rate limit reached"]
        .iter()
        .flat_map(|text| logs.lines_with(text))
        .filter(|line| ids.iter().any(|id| line.contains(&format!("id={id} "))))
        .collect();
    assert!(!refusals.is_empty(), "the first refusal is logged");
    assert!(refusals.len() as u64 <= seconds, "{} lines in under {seconds} s: {refusals:#?}", refusals.len());
}
