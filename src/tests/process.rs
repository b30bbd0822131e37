//! The `bulletin` binary that Cargo built for this test run, started as a
//! process of its own on a free port, with a fresh working directory; for
//! the test targets that need the real server (`binary`, `scale`).

use std::{net::SocketAddr, process::Stdio, time::Duration};

use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    sync::mpsc,
};

/// A running server process, its data directory and its log.
pub struct Server {
    /// The process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its working directory, with its SQLite database unless told otherwise.
    #[allow(dead_code, reason = "kept by every test target while the server runs, read by some")]
    pub dir: tempfile::TempDir,
    log: mpsc::UnboundedReceiver<String>,
}

impl Server {
    /// Starts the binary with `vars` added to its environment and waits
    /// until it says it is listening.
    pub async fn start(vars: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let addr = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap()
        };
        let mut command = Command::new(env!("CARGO_BIN_EXE_bulletin"));
        command
            .current_dir(dir.path())
            .env_remove("BULLETIN_CONFIG")
            .env("LEPTOS_SITE_ADDR", addr.to_string())
            .env("LEPTOS_SITE_ROOT", dir.path().join("site"))
            .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("data/bulletin.db").display()))
            .env("BULLETIN_SECRET_KEY", "5e".repeat(32))
            // tower-http says at debug level when it starts on a request.
            .env("RUST_LOG", "info,tower_http=debug")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (name, value) in vars {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the server binary starts");
        let (lines, log) = mpsc::unbounded_channel();
        let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stderr.next_line().await {
                let _ = lines.send(line);
            }
        });
        let mut server = Server { child, addr, dir, log };
        server.wait_for_log("listening on").await;
        server
    }

    /// Reads the server's log until a line holds `text`, and returns it.
    pub async fn wait_for_log(&mut self, text: &str) -> String {
        let wait = async {
            while let Some(line) = self.log.recv().await {
                if line.contains(text) {
                    return line;
                }
            }
            panic!("the server's log ended before a line with {text:?}");
        };
        tokio::time::timeout(Duration::from_secs(20), wait)
            .await
            .unwrap_or_else(|_| panic!("no log line with {text:?} in 20 s"))
    }

    /// Every line the server logs from now until its log ends (it exited).
    #[allow(dead_code, reason = "used by some of the test targets that include this file")]
    pub async fn rest_of_log(&mut self) -> Vec<String> {
        let rest = async {
            let mut lines = Vec::new();
            while let Some(line) = self.log.recv().await {
                lines.push(line);
            }
            lines
        };
        tokio::time::timeout(Duration::from_secs(30), rest).await.expect("the server's log ends within 30 s")
    }
}
