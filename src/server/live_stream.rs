//! `GET /live`: the stream of changes ([`crate::server::live`]) as
//! server-sent events, a plain GET that any proxy passes.
//!
//! A stream starts after a position: the `Last-Event-ID` a reconnecting
//! browser sends, else `?after=` (the position the page was served at,
//! which the page's script reads from its `Server-Timing`), else the last
//! frame this instance sent. It is sent first what happened after that
//! position, read from the database, then every frame with a higher id.
//! Over the bounds, 503 with `Retry-After`: `EventSource` does not retry
//! that, and the page goes on without live updates.

use std::time::Duration;

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Uri, header},
    response::Response,
};
use bytes::Bytes;
use futures::StreamExt as _;
use tokio::sync::broadcast::{self, error::RecvError};

use super::{
    AppState,
    live::{Admitted, Frame, Since, event},
    middleware::errors::respond,
    request::client_ip,
};
use crate::error::AppError;

/// The stream's address.
pub const PATH: &str = "/live";

/// What a refused stream is told to wait before trying again.
pub const RETRY_AFTER_SECS: u64 = 30;

/// How long a browser waits before reconnecting a stream that ended, in
/// milliseconds; sent as the stream's first line.
const RECONNECT_MS: u32 = 1_000;

/// Opens a stream, or refuses it with 503 when this instance or the
/// caller's address has as many as it may.
pub async fn live_stream(State(state): State<AppState>, request: Request) -> Response {
    let address = client_ip(&request, state.config.security.trusted_proxy);
    let Some(admitted) = state.live.admit(address) else {
        if let Some(left_out) = state.refusals_logged.line() {
            tracing::warn!(left_out, open = state.live.open(), "live stream refused: too many open");
        }
        return unavailable();
    };
    let after = last_event_id(request.headers()).or_else(|| after_query(request.uri()));
    // Subscribed before the database is read, so no frame falls between.
    let frames = state.live.subscribe();
    let (first, sent) = match after {
        Some(after) => match state.live.since(after).await {
            Ok(since @ Since::Reload { at }) => (Some(event(&since)), at),
            Ok(since @ Since::Changes { at, .. }) if at > after => (Some(event(&since)), at),
            Ok(Since::Changes { .. }) => (None, after),
            Err(err) => {
                tracing::warn!(cause = %err, "could not read the changes to resume a live stream");
                return unavailable();
            }
        },
        None => (None, state.live.sent()),
    };
    let mut opening = format!("retry: {RECONNECT_MS}\n\n").into_bytes();
    if let Some(Frame::Changes { text, .. }) = &first {
        opening.extend_from_slice(text);
    }
    let stream = Stream { frames, sent, keep_alive: state.live.keep_alive(), _admitted: admitted };
    let body = futures::stream::once(std::future::ready(Ok::<_, std::convert::Infallible>(Bytes::from(opening))))
        .chain(futures::stream::unfold(stream, Stream::next));
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // nginx would otherwise hold events back in its buffer.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// One open stream: what it has been sent, and its place among the open.
struct Stream {
    frames: broadcast::Receiver<Frame>,
    sent: i64,
    keep_alive: Duration,
    _admitted: Admitted,
}

impl Stream {
    /// The next bytes to send: a frame newer than the last one sent, or a
    /// comment after `keep_alive` of silence. The stream ends when the
    /// server stops, or when this reader fell [`super::live::BACKLOG`]
    /// frames behind (its browser reconnects and resumes from the
    /// database).
    async fn next(mut self) -> Option<(Result<Bytes, std::convert::Infallible>, Self)> {
        loop {
            let frame = tokio::select! {
                frame = self.frames.recv() => frame,
                () = tokio::time::sleep(self.keep_alive) => return Some((Ok(Bytes::from_static(b": \n\n")), self)),
            };
            match frame {
                Ok(Frame::Changes { at, text }) if at > self.sent => {
                    self.sent = at;
                    return Some((Ok(text), self));
                }
                Ok(Frame::Changes { .. }) => {}
                Ok(Frame::Closing) | Err(RecvError::Closed | RecvError::Lagged(_)) => return None,
            }
        }
    }
}

/// 503 with `Retry-After`.
fn unavailable() -> Response {
    let mut response = respond(AppError::Unavailable, false);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    response
}

/// The position a reconnecting browser resumes after.
fn last_event_id(headers: &HeaderMap) -> Option<i64> {
    headers.get("last-event-id")?.to_str().ok()?.trim().parse().ok().filter(|at: &i64| *at >= 0)
}

/// The position in `?after=N`.
fn after_query(uri: &Uri) -> Option<i64> {
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("after="))
        .and_then(|value| value.parse().ok())
        .filter(|at: &i64| *at >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::TestApp;

    #[tokio::test]
    async fn a_reader_that_falls_behind_is_closed_not_buffered_for() {
        let app = TestApp::spawn().await;
        let admitted = app.state.live.admit(None).expect("a place");
        let (sender, frames) = broadcast::channel(2);
        let stream = Stream { frames, sent: 0, keep_alive: Duration::from_secs(3600), _admitted: admitted };
        for at in 1..=3 {
            sender.send(Frame::Changes { at, text: Bytes::from_static(b"data: x\n\n") }).expect("a reader");
        }
        assert!(Stream::next(stream).await.is_none(), "three frames behind with room for two: closed");
        assert_eq!(app.state.live.open(), 0, "its place given back");
    }

    #[tokio::test]
    async fn an_idle_stream_sends_a_comment_and_skips_frames_it_has() {
        let app = TestApp::spawn().await;
        let admitted = app.state.live.admit(None).expect("a place");
        let (sender, frames) = broadcast::channel(4);
        let stream = Stream { frames, sent: 5, keep_alive: Duration::from_millis(10), _admitted: admitted };
        let (comment, stream) = Stream::next(stream).await.expect("a comment");
        assert_eq!(comment.unwrap(), Bytes::from_static(b": \n\n"));
        sender.send(Frame::Changes { at: 5, text: Bytes::from_static(b"id: 5\n\n") }).expect("a reader");
        sender.send(Frame::Changes { at: 6, text: Bytes::from_static(b"id: 6\n\n") }).expect("a reader");
        let (frame, _) = Stream::next(stream).await.expect("a frame");
        assert_eq!(frame.unwrap(), Bytes::from_static(b"id: 6\n\n"), "the frame it had already is skipped");
    }
}
