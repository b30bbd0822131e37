//! Threats only the real server process can show: signals, slow clients and
//! `kill -9`. Each test starts the `bulletin` binary that Cargo built for
//! this test run on a free port, with a fresh data directory.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

#[path = "process.rs"]
mod process;
use process::Server;

impl Server {
    fn get(&self, path: &str) -> String {
        format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr)
    }

    /// A new-post request as the hydrated client sends it, without a body.
    fn publish_head(&self, body_len: usize) -> String {
        format!(
            "POST /api/create_post HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Accept: application/json\r\nContent-Length: {body_len}\r\nConnection: close\r\n\r\n",
            self.addr
        )
    }

    /// Sends `raw` on a new connection and reads the whole answer.
    async fn request(&self, raw: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(self.addr).await?;
        stream.write_all(raw.as_bytes()).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok(String::from_utf8_lossy(&answer).into_owned())
    }

    fn signal(&self, name: &str) {
        let pid = self.child.id().expect("still running").to_string();
        let status = std::process::Command::new("kill").args([&format!("-{name}"), &pid]).status().unwrap();
        assert!(status.success());
    }
}

fn publish_body(n: usize) -> String {
    format!("title=Write+{n}&content=durable&submission=key-{n}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_accepting_finishes_the_request_in_flight_and_exits() {
    let mut server = Server::start(&[]).await;
    let body = publish_body(1);
    let (first, rest) = body.split_at(body.len() / 2);

    // A request in flight: headers and half its body sent.
    let mut in_flight = TcpStream::connect(server.addr).await.unwrap();
    in_flight.write_all(server.publish_head(body.len()).as_bytes()).await.unwrap();
    in_flight.write_all(first.as_bytes()).await.unwrap();
    server.wait_for_log("started processing request").await;

    server.signal("TERM");
    server.wait_for_log("shutting down").await;
    assert!(TcpStream::connect(server.addr).await.is_err(), "no new connections after SIGTERM");

    in_flight.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    in_flight.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "the request in flight was answered: {answer}");

    let status =
        tokio::time::timeout(Duration::from_secs(10), server.child.wait()).await.expect("exits in time").unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_the_live_streams_so_shutdown_waits_for_nothing() {
    let mut server = Server::start(&[]).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(format!("GET /live HTTP/1.0\r\nHost: {}\r\n\r\n", server.addr).as_bytes()).await.unwrap();
    let mut opened = Vec::new();
    let mut buffer = [0u8; 1024];
    while !String::from_utf8_lossy(&opened).contains("retry:") {
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(n > 0, "the stream ended before it opened: {}", String::from_utf8_lossy(&opened));
        opened.extend_from_slice(&buffer[..n]);
    }
    assert!(String::from_utf8_lossy(&opened).starts_with("HTTP/1.0 200"), "{}", String::from_utf8_lossy(&opened));

    server.signal("TERM");
    // The server ends the stream (its browser would reconnect elsewhere)...
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    // ...so shutdown has nothing in flight to wait for.
    let log = server.rest_of_log().await;
    assert!(log.iter().any(|line| line.contains("shutting down")), "{log:#?}");
    assert!(!log.iter().any(|line| line.contains("still in flight")), "a stream held shutdown up: {log:#?}");
    let status = server.child.wait().await.unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_during_writes_the_database_is_intact_and_every_acknowledged_write_is_there() {
    let mut server = Server::start(&[("BULLETIN_WRITES_PER_MINUTE_PER_IP", "0")]).await;
    let server_addr = server.addr;
    let answered = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let answered = answered.clone();
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for n in 0.. {
                    let body = publish_body(writer * 1_000_000 + n);
                    let head = format!(
                        "POST /api/create_post HTTP/1.1\r\nHost: {server_addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                         Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let Ok(mut stream) = TcpStream::connect(server_addr).await else { break };
                    if stream.write_all(head.as_bytes()).await.is_err() {
                        break;
                    }
                    let mut answer = Vec::new();
                    if stream.read_to_end(&mut answer).await.is_err() {
                        break;
                    }
                    let answer = String::from_utf8_lossy(&answer);
                    if !answer.starts_with("HTTP/1.1 200") {
                        break;
                    }
                    let id: i64 = answer.rsplit("\r\n\r\n").next().unwrap().trim().parse().unwrap();
                    acknowledged.push(id);
                    answered.add_permits(1);
                }
                acknowledged
            })
        })
        .collect();
    // Kill it once the writers have had 50 writes acknowledged.
    let fifty = tokio::time::timeout(Duration::from_secs(20), answered.acquire_many(50));
    drop(fifty.await.expect("50 writes acknowledged within 20 s").unwrap());
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();

    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    assert!(acknowledged.len() >= 50, "only {} writes before the kill", acknowledged.len());
    eprintln!("{} writes acknowledged before kill -9; all present after restart", acknowledged.len());

    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", server.dir.path().join("data/bulletin.db").display()))
        .await
        .unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&db).await.unwrap();
    assert_eq!(integrity, "ok");
    for id in &acknowledged {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM posts WHERE id = ?1").bind(id).fetch_optional(&db).await.unwrap();
        assert_eq!(found, Some(*id), "acknowledged write {id} lost");
    }
}

/// A browser posting a form over the size limit sends the whole body
/// without waiting for an answer. Every send completes and every answer is
/// read: a server that answered and closed while the body still arrived
/// would break the send (here an 8 MiB form outgrows the socket buffers,
/// and the send failed every time before the body was drained), and the
/// reset that follows can take the answer with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_over_the_limit_sent_without_waiting_reads_its_413_every_time() {
    let server = Server::start(&[]).await;
    let body = format!("title=Big&content={}&submission=big", "a".repeat(8 << 20));
    for round in 0..10 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        let head = format!(
            "POST /api/create_post HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Accept: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            server.addr,
            body.len()
        );
        let (mut reader, mut writer) = stream.split();
        let send = async {
            writer.write_all(head.as_bytes()).await?;
            writer.write_all(body.as_bytes()).await
        };
        let mut answer = Vec::new();
        let (sent, read) = tokio::join!(send, reader.read_to_end(&mut answer));
        let answer = String::from_utf8_lossy(&answer);
        assert!(sent.is_ok(), "round {round}: sending failed: {sent:?}");
        assert!(read.is_ok(), "round {round}: reading failed: {read:?}");
        assert!(answer.starts_with("HTTP/1.1 413"), "round {round}: {answer}");
    }
}

/// A client that never ends its request's head, sending it a line at a
/// time, holds no worker: others are answered while it sends, and the
/// server closes its connection once the head has taken longer than the
/// header timeout, without ever answering it. Nothing here depends on how
/// fast the machine is: the slow client goes on until the server closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_ends_its_request_is_cut_off_without_slowing_others() {
    let server = Server::start(&[("BULLETIN_HEADER_READ_TIMEOUT_MS", "1000")]).await;
    let slow = TcpStream::connect(server.addr).await.unwrap();
    let (mut reader, mut writer) = slow.into_split();
    writer.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n").await.unwrap();
    let drip = tokio::spawn(async move {
        let mut lines = 0;
        // The attacker's pace: a header line every 100 ms, for ever.
        let mut pace = tokio::time::interval(Duration::from_millis(100));
        loop {
            pace.tick().await;
            if writer.write_all(b"X-Slow: 1\r\n").await.is_err() {
                return lines;
            }
            lines += 1;
        }
    });

    for _ in 0..8 {
        let answer = server.request(&server.get("/healthz")).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    // Until the server closes (the guard only reports a server that never does).
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), reader.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server never closed the slow client's connection");
    drip.abort();
    let answer = String::from_utf8_lossy(&answer);
    assert!(!answer.contains("200 OK"), "the slow request was never served: {answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standard_sqlx_url_with_options_starts_the_server_on_that_file() {
    let server = Server::start(&[("DATABASE_URL", "sqlite://data/app.db?mode=rwc")]).await;
    let answer = server.request(&server.get("/healthz")).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(server.dir.path().join("data/app.db").is_file(), "the database is where the URL says");
}
