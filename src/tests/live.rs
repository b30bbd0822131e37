//! The stream of changes (`server::live`, `GET /live`): what a stream is
//! sent and from where, resuming after a reconnect, the reset for a pruned
//! position, coalescing, the bounds, the end at shutdown, and delivery from
//! one instance to a stream on another.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{HeaderMap, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use super::TestApp;

/// How long a test waits for an event before it fails (the events come in
/// milliseconds; this only bounds a broken run).
const PATIENCE: Duration = Duration::from_secs(30);

/// One event, as a stream sent it.
#[derive(Debug, Clone)]
pub struct Event {
    /// Its id: the feed position it shows.
    pub id: i64,
    /// Its type: `message`, or `reload`.
    pub kind: String,
    /// Its data.
    pub data: String,
}

impl Event {
    /// What the event says of post `id`, if anything.
    pub fn about(&self, id: i64) -> Option<Value> {
        let posts: Vec<Value> = serde_json::from_str(&self.data).ok()?;
        posts.into_iter().find(|post| post["id"] == id)
    }
}

/// An open stream, read event by event.
pub struct Stream {
    pub status: StatusCode,
    pub headers: HeaderMap,
    body: Body,
    buffer: String,
}

impl Stream {
    /// Opens `/live{query}` on `app` from `peer`, resuming after
    /// `last_event_id` if given.
    pub async fn open(app: &TestApp, peer: &str, last_event_id: Option<i64>, query: &str) -> Stream {
        let mut request = Request::get(format!("/live{query}")).header(header::ACCEPT, "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let mut request = request.body(Body::empty()).unwrap();
        let peer: SocketAddr = peer.parse().expect("an address");
        request.extensions_mut().insert(ConnectInfo(peer));
        Stream::from_response(app.router.clone().oneshot(request).await.expect("router is infallible"))
    }

    /// A stream from the router's answer.
    pub fn from_response(response: axum::response::Response) -> Stream {
        let (parts, body) = response.into_parts();
        Stream { status: parts.status, headers: parts.headers, body, buffer: String::new() }
    }

    /// The next event (comments and the `retry` line are skipped), or
    /// `None` once the stream has ended.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut kind, mut data) = (None, "message".to_owned(), None);
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("id: ") {
                        id = Some(value.parse().expect("a numeric id"));
                    } else if let Some(value) = line.strip_prefix("event: ") {
                        kind = value.to_owned();
                    } else if let Some(value) = line.strip_prefix("data: ") {
                        data = Some(value.to_owned());
                    }
                }
                if let Some(data) = data {
                    return Some(Event { id: id.expect("every event has an id"), kind, data });
                }
            }
            let frame = tokio::time::timeout(PATIENCE, self.body.frame()).await.expect("an event within the patience");
            match frame {
                Some(Ok(frame)) => {
                    if let Ok(bytes) = frame.into_data() {
                        self.buffer.push_str(std::str::from_utf8(&bytes).expect("UTF-8"));
                    }
                }
                Some(Err(err)) => panic!("the stream failed: {err}"),
                None => return None,
            }
        }
    }

    /// Every event up to and including the first that `wanted` accepts.
    pub async fn until(&mut self, wanted: impl Fn(&Event) -> bool) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let event = self.next().await.expect("the stream to go on");
            let done = wanted(&event);
            events.push(event);
            if done {
                return events;
            }
        }
    }
}

/// The feed position a page says it is as of (`Server-Timing: feed;desc=N`).
pub fn page_position(headers: &HeaderMap) -> i64 {
    let timing = headers.get("server-timing").and_then(|value| value.to_str().ok()).expect("a Server-Timing header");
    timing.strip_prefix("feed;desc=").and_then(|at| at.parse().ok()).expect("feed;desc=N")
}

/// Fails unless the events' ids only grow.
fn assert_ids_grow(events: &[Event]) {
    for pair in events.windows(2) {
        assert!(pair[0].id < pair[1].id, "ids must only grow: {events:?}");
    }
}

fn has(event: &Event, id: i64, field: &str, value: impl Into<Value>) -> bool {
    event.about(id).is_some_and(|post| post[field] == value.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_from_a_pages_position_shows_every_kind_of_change_in_order() {
    let app = TestApp::spawn().await;
    let page = app.get("/").await;
    let at = page_position(&page.headers);
    let mut stream = Stream::open(&app, "10.0.0.1:1", None, &format!("?after={at}")).await;
    assert_eq!(stream.status, StatusCode::OK);
    assert_eq!(stream.headers[header::CONTENT_TYPE], "text/event-stream");
    assert_eq!(stream.headers[header::CACHE_CONTROL], "no-store");

    let author = app.browser();
    let id = author.publish("Live", "first words").await;
    let mut events = stream.until(|event| has(event, id, "title", "Live")).await;
    let first = events.last().unwrap().about(id).unwrap();
    assert_eq!((first["likes"].as_i64(), first["views"].as_i64()), (Some(0), Some(0)));
    assert_eq!(first["excerpt"], "first words");

    let fan = app.browser();
    let liked = fan.call("/api/set_like", &[("id", &id.to_string()), ("liked", "true")]).await;
    assert_eq!(liked.status, StatusCode::OK, "{}", liked.body);
    events.extend(stream.until(|event| has(event, id, "likes", 1)).await);
    // Counts alone change no text: none is sent.
    assert!(events.last().unwrap().about(id).unwrap().get("title").is_none());

    assert_eq!(fan.call("/api/record_view", &[("id", &id.to_string())]).await.status, StatusCode::OK);
    events.extend(stream.until(|event| has(event, id, "views", 1)).await);

    let edited =
        author.call("/api/update_post", &[("id", &id.to_string()), ("title", "Edited"), ("content", "new")]).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    events.extend(stream.until(|event| has(event, id, "title", "Edited")).await);

    assert_eq!(author.call("/api/delete_post", &[("id", &id.to_string())]).await.status, StatusCode::OK);
    events.extend(stream.until(|event| has(event, id, "gone", true)).await);
    assert_ids_grow(&events);
    assert!(events.iter().all(|event| event.kind == "message" && event.id > at));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_that_reconnects_gets_what_it_missed_and_nothing_twice() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let first = author.publish("Before", "text").await;
    let at = page_position(&app.get("/").await.headers);

    let mut stream = Stream::open(&app, "10.0.0.1:1", None, &format!("?after={at}")).await;
    let liked = [("id", first.to_string()), ("liked", "true".to_owned())];
    let liked: Vec<(&str, &str)> = liked.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.browser().call("/api/set_like", &liked).await;
    let seen = stream.until(|event| has(event, first, "likes", 1)).await;
    let last_seen = seen.last().unwrap().id;
    drop(stream);

    // While it is away: another like, a new post.
    app.browser().call("/api/set_like", &liked).await;
    let second = author.publish("While away", "text").await;

    let mut stream = Stream::open(&app, "10.0.0.1:1", Some(last_seen), "").await;
    let caught_up = stream.next().await.expect("what it missed");
    assert!(caught_up.id > last_seen, "{caught_up:?} after {last_seen}");
    assert!(has(&caught_up, first, "likes", 2), "{caught_up:?}");
    assert!(has(&caught_up, second, "title", "While away"), "{caught_up:?}");

    // And it goes on from there, with nothing sent twice.
    app.browser().call("/api/set_like", &liked).await;
    let more = stream.until(|event| has(event, first, "likes", 3)).await;
    assert!(more.iter().all(|event| event.id > caught_up.id), "{more:?}");
    assert_ids_grow(&more);

    // A position it already has: nothing to catch up, nothing repeated.
    let mut again = Stream::open(&app, "10.0.0.1:1", Some(more.last().unwrap().id), "").await;
    app.browser().call("/api/record_view", &[("id", &first.to_string())]).await;
    let next = again.next().await.expect("the view");
    assert!(next.id > more.last().unwrap().id && has(&next, first, "views", 1), "{next:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pruned_or_unknown_position_gets_one_reload_event() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    for title in ["One", "Two", "Three"] {
        author.publish(title, "text").await;
    }
    let head = app.number("SELECT max(seq) FROM changes", &[]).await;
    app.execute("DELETE FROM changes WHERE seq < (SELECT max(seq) FROM changes)", &[]).await.expect("prune");

    for (position, what) in [(1, "pruned"), (head + 1000, "from another database")] {
        let mut stream = Stream::open(&app, "10.0.0.1:1", Some(position), "").await;
        let event = stream.next().await.expect("an event");
        assert_eq!((event.kind.as_str(), event.id), ("reload", head), "{what}");
    }

    // The newest position kept is still whole: no reload.
    let mut stream = Stream::open(&app, "10.0.0.1:1", Some(head - 1), "").await;
    let event = stream.next().await.expect("an event");
    assert_eq!(event.kind, "message", "{event:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_within_the_window_come_as_one_line_per_post() {
    const WINDOW: Duration = Duration::from_millis(200);
    const VIEWS: i64 = 40;
    let app = TestApp::spawn_with(&[("BULLETIN_LIVE_COALESCE_MS", "200")]).await;
    let id = app.browser().publish("Hot", "text").await;
    let at = page_position(&app.get("/").await.headers);
    let mut stream = Stream::open(&app, "10.0.0.1:1", None, &format!("?after={at}")).await;

    let started = Instant::now();
    for _ in 0..VIEWS {
        assert_eq!(app.browser().call("/api/record_view", &[("id", &id.to_string())]).await.status, StatusCode::OK);
    }
    let events = stream.until(|event| has(event, id, "views", VIEWS)).await;
    let elapsed = started.elapsed();
    let lines = events.iter().filter(|event| event.about(id).is_some()).count();
    // A frame is read at most once per window, and names a post once.
    let windows = (elapsed.as_millis() / WINDOW.as_millis()) as usize + 2;
    assert!(lines <= windows, "{lines} lines about the post in {elapsed:?} ({windows} windows at most)");
    assert!((lines as i64) < VIEWS, "{VIEWS} views in {lines} lines");
    assert_ids_grow(&events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_over_the_bounds_are_refused_with_retry_after() {
    let app =
        TestApp::spawn_with(&[("BULLETIN_LIVE_MAX_STREAMS", "3"), ("BULLETIN_LIVE_MAX_STREAMS_PER_ADDRESS", "2")])
            .await;
    let a1 = Stream::open(&app, "10.0.0.1:1", None, "").await;
    let a2 = Stream::open(&app, "10.0.0.1:2", None, "").await;
    assert_eq!((a1.status, a2.status), (StatusCode::OK, StatusCode::OK));
    let a3 = Stream::open(&app, "10.0.0.1:3", None, "").await;
    assert_eq!(a3.status, StatusCode::SERVICE_UNAVAILABLE, "a third from one address");
    assert!(a3.headers.contains_key(header::RETRY_AFTER));

    let b1 = Stream::open(&app, "10.0.0.2:1", None, "").await;
    assert_eq!(b1.status, StatusCode::OK, "another address");
    let c1 = Stream::open(&app, "10.0.0.3:1", None, "").await;
    assert_eq!(c1.status, StatusCode::SERVICE_UNAVAILABLE, "a fourth on the instance");
    assert!(c1.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(app.state.live.open(), 3);

    // A closed stream gives its place back.
    drop(a1);
    assert_eq!(app.state.live.open(), 2);
    assert_eq!(Stream::open(&app, "10.0.0.3:1", None, "").await.status, StatusCode::OK);
    // And pages go on being served meanwhile.
    assert_eq!(app.get("/").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_end_when_the_server_stops() {
    let app = TestApp::spawn().await;
    let mut stream = Stream::open(&app, "10.0.0.1:1", None, "").await;
    app.state.live.close();
    assert!(stream.next().await.is_none(), "the stream ends");
    assert_eq!(app.state.live.open(), 0);
    let late = Stream::open(&app, "10.0.0.1:1", None, "").await;
    assert_eq!(late.status, StatusCode::SERVICE_UNAVAILABLE, "no stream opens on a stopping server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_instance_reaches_a_stream_on_another() {
    let one = TestApp::spawn().await;
    let other = one.another_instance().await;
    let at = page_position(&other.get("/").await.headers);
    let mut stream = Stream::open(&other, "10.0.0.1:1", None, &format!("?after={at}")).await;

    let id = one.browser().publish("Elsewhere", "text").await;
    one.browser().call("/api/set_like", &[("id", &id.to_string()), ("liked", "true")]).await;
    let events = stream.until(|event| has(event, id, "likes", 1)).await;
    assert!(events.iter().any(|event| has(event, id, "title", "Elsewhere")), "{events:?}");
    assert_ids_grow(&events);

    // The other instance's stream resumes on the first one, missing nothing.
    let last = events.last().unwrap().id;
    drop(stream);
    other.browser().call("/api/record_view", &[("id", &id.to_string())]).await;
    let mut moved = Stream::open(&one, "10.0.0.1:1", Some(last), "").await;
    let next = moved.until(|event| has(event, id, "views", 1)).await;
    assert!(next.iter().all(|event| event.id > last), "{next:?}");
}

/// Each post in a frame carries its own position, and its text's: a page
/// served between two changes that one frame gathers can tell which of
/// them it shows already, and does not fetch a text it has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_post_in_a_frame_says_how_recent_its_change_and_its_text_are() {
    use crate::server::live::{Since, since};

    let app = TestApp::spawn().await;
    let author = app.browser();
    let start = app.number("SELECT coalesce(max(seq), 0) FROM changes", &[]).await;
    let published = author.publish("Published first", "text").await;
    let after_publish = app.number("SELECT max(seq) FROM changes", &[]).await;
    let other = author.publish("Liked later", "text").await;
    let res = author.call("/api/set_like", &[("id", &other.to_string()), ("liked", "true")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let head = app.number("SELECT max(seq) FROM changes", &[]).await;
    let Since::Changes { at, posts } = since(&app.state.db, start).await.expect("read the feed") else {
        panic!("a reload");
    };
    assert_eq!(at, head);
    let first = posts.iter().find(|post| post.id == published).expect("the first post");
    assert_eq!((first.at, first.text_at), (after_publish, Some(after_publish)));
    let second = posts.iter().find(|post| post.id == other).expect("the second post");
    assert_eq!(second.at, head, "its like came last");
    assert!(second.text_at.is_some_and(|text_at| text_at > after_publish && text_at < head));
    assert!(first.at < at, "a page served at {after_publish} has the first post as it is");
}
