//! The runtime configuration of the server, read once at start-up.
//!
//! `Leptos.toml` (every key is documented in that file) is deserialised into
//! the serde structs below, with their defaults for what it leaves out, and
//! the environment variables in [`ENV`] are layered on top by figment. The
//! result is checked once and resolved into [`Config`]. `Cargo.toml`'s
//! `[package.metadata.leptos]` is cargo-leptos's *build* configuration and is
//! not read here, so a release binary runs with only its `site/` folder and a
//! `Leptos.toml` beside it.
//!
//! Relative paths in the file are resolved against the file's own directory,
//! so the server finds its files wherever it is started from; relative paths
//! in environment variables are resolved against the working directory, as a
//! shell user expects.

mod file;
pub mod hosts;
mod load;
pub mod origin;
#[cfg(test)]
mod tests;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use leptos::config::LeptosOptions;
pub use load::ConfigError;
pub use origin::Origin;

use super::secret::SecretKey;

/// The name of the client's `.js`, `.wasm` and `.css` files under
/// `site_root/pkg`; `output-name` in Cargo.toml must say the same.
pub const OUTPUT_NAME: &str = "bulletin";

/// The directory under `site_root` that holds the client's files.
pub const SITE_PKG_DIR: &str = "pkg";

/// The configuration file's name, looked for in the working directory and
/// then beside the executable.
pub const CONFIG_FILE_NAME: &str = "Leptos.toml";

/// Names a configuration file explicitly, overriding the search.
pub const CONFIG_PATH_VAR: &str = "BULLETIN_CONFIG";

/// Each environment variable that overrides a key of the file, and whether
/// its text is parsed as a TOML-like value (numbers, booleans) or taken as
/// a string as it is.
pub const ENV: [(&str, &str, bool); 22] = [
    ("LEPTOS_SITE_ADDR", "server.site_addr", false),
    ("LEPTOS_SITE_ROOT", "server.site_root", false),
    ("BULLETIN_HTTPS", "server.https", true),
    ("BULLETIN_WORKER_THREADS", "server.worker_threads", true),
    ("BULLETIN_ALLOWED_ORIGINS", "security.allowed_origins", false),
    ("BULLETIN_ALLOWED_HOSTS", "security.allowed_hosts", false),
    ("BULLETIN_TRUSTED_PROXY", "security.trusted_proxy", true),
    ("BULLETIN_MAX_BODY_BYTES", "security.max_body_bytes", true),
    ("BULLETIN_MAX_UPLOAD_BYTES", "security.max_upload_bytes", true),
    ("BULLETIN_WRITES_PER_MINUTE_PER_VISITOR", "security.writes_per_minute_per_visitor", true),
    ("BULLETIN_WRITES_PER_MINUTE_PER_IP", "security.writes_per_minute_per_ip", true),
    ("BULLETIN_HEADER_READ_TIMEOUT_MS", "security.header_read_timeout_ms", true),
    ("BULLETIN_BODY_READ_TIMEOUT_MS", "security.body_read_timeout_ms", true),
    ("DATABASE_URL", "database.url", false),
    ("BULLETIN_DB_MAX_CONNECTIONS", "database.max_connections", true),
    ("BULLETIN_DB_BUSY_TIMEOUT_MS", "database.busy_timeout_ms", true),
    ("BULLETIN_CACHE_ENABLED", "cache.enabled", true),
    ("BULLETIN_CACHE_CAPACITY", "cache.capacity", true),
    ("BULLETIN_CACHE_FOLLOW_EVERY_MS", "cache.follow_every_ms", true),
    ("BULLETIN_LIVE_MAX_STREAMS", "live.max_streams", true),
    ("BULLETIN_LIVE_MAX_STREAMS_PER_ADDRESS", "live.max_streams_per_address", true),
    ("BULLETIN_LIVE_COALESCE_MS", "live.coalesce_ms", true),
];

/// The server's configuration, validated and with every path resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file the configuration was read from; `None` when none was found
    /// and only defaults and the environment apply.
    pub source: Option<PathBuf>,
    /// The address the server listens on.
    pub site_addr: SocketAddr,
    /// The directory holding the built client (`pkg/`) and public assets.
    pub site_root: PathBuf,
    /// Whether visitors reach the site over https (directly or through a
    /// TLS-terminating proxy); cookies are then marked `Secure`.
    pub https: bool,
    /// Where the key that signs cookies comes from.
    pub secret: SecretSource,
    /// Limits and checks on what clients send.
    pub security: SecurityConfig,
    /// The database.
    pub database: DatabaseConfig,
    /// How many list pages, and how many posts, the read cache holds; 0
    /// when it is switched off.
    pub cache_capacity: usize,
    /// How often the read cache reads the feed of other instances' writes
    /// (`server::feed`).
    pub follow_every: Duration,
    /// The stream of changes for browsers (`server::live`).
    pub live: LiveConfig,
    /// Tokio worker threads; 0 for one per core.
    pub worker_threads: usize,
    /// Whether the client's file names may carry hashes, read from
    /// `site_root/hash.txt`. cargo-leptos tells the server it built
    /// without them through `LEPTOS_HASH_FILES=false`; an older `hash.txt`
    /// in the site is then ignored.
    pub hash_files: bool,
    /// Whether `cargo leptos watch` runs the server (`LEPTOS_WATCH`): it
    /// rebuilds the client without restarting the server, so the names of
    /// the client's files are read again for each page.
    pub watch: bool,
    /// The port of cargo-leptos's live-reload socket, set by `cargo leptos
    /// watch` through `LEPTOS_RELOAD_PORT`; unused in production.
    pub reload_port: u32,
}

/// Where the data lives and how the pool treats it.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseConfig {
    /// The sqlx URL of the database: for SQLite, its path made absolute and
    /// its options (`?mode=rwc` and the like) kept; a Postgres URL as given.
    pub url: String,
    /// Which database the URL names.
    pub backend: Backend,
    /// The most connections the pool opens.
    pub max_connections: u32,
    /// How long a statement waits for another writer's lock before failing
    /// (SQLite's busy timeout; Postgres's `lock_timeout`).
    pub busy_timeout: Duration,
}

/// The two databases the server runs on.
#[derive(Debug, Clone, PartialEq)]
pub enum Backend {
    /// An embedded SQLite file (`sqlite://…`), the default; created, with
    /// its directory, on first start.
    Sqlite {
        /// The database file, made absolute.
        path: PathBuf,
    },
    /// A Postgres server (`postgres://…`), which several instances can
    /// share.
    Postgres,
}

impl DatabaseConfig {
    /// Where the database is, for the log: the SQLite file, or the Postgres
    /// server and database without the user and password.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Sqlite { path } => path.display().to_string(),
            Backend::Postgres => {
                let rest = self.url.split_once("://").map_or("", |(_, rest)| rest);
                let place = rest.rsplit_once('@').map_or(rest, |(_, place)| place);
                format!("postgres://{}", place.split('?').next().unwrap_or_default())
            }
        }
    }

    /// The SQLite file, if the database is one.
    pub fn sqlite_file(&self) -> Option<&std::path::Path> {
        match &self.backend {
            Backend::Sqlite { path } => Some(path),
            Backend::Postgres => None,
        }
    }
}

/// Limits and checks on what clients send (see docs/SECURITY.md).
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityConfig {
    /// Origins besides the site's own whose pages may post to it.
    pub allowed_origins: Vec<Origin>,
    /// The host names requests may be for (their `Host`, or behind a
    /// trusted proxy `X-Forwarded-Host`), lower-cased, without ports.
    pub allowed_hosts: Vec<String>,
    /// Whether a proxy in front sets `X-Forwarded-Host`, `X-Forwarded-Proto`
    /// and `X-Forwarded-For`; only then are those headers believed.
    pub trusted_proxy: bool,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The largest image accepted with a post, in bytes; the body of a form
    /// that carries one may be this and [`Self::max_body_bytes`] more.
    pub max_upload_bytes: usize,
    /// Writes one visitor may make per minute (0: no limit).
    pub writes_per_minute_per_visitor: u32,
    /// Writes one IP address may make per minute (0: no limit).
    pub writes_per_minute_per_ip: u32,
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's body.
    pub body_read_timeout: Duration,
}

/// The bounds of the stream of changes that pages follow (`server::live`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveConfig {
    /// The most streams open at once on this instance; over it, 503.
    pub max_streams: usize,
    /// The most streams open at once from one address; over it, 503.
    pub max_streams_per_address: usize,
    /// How long changes are gathered before they are sent, so that each
    /// post changes at most once per this window in a stream.
    pub coalesce: Duration,
    /// How long a stream may stay silent before a comment is sent, so that
    /// proxies do not close it as idle.
    pub keep_alive: Duration,
}

/// Where the cookie-signing key comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SecretSource {
    /// Given in the environment (`BULLETIN_SECRET_KEY`).
    Key(SecretKey),
    /// Read from this file, which is created with a fresh random key on
    /// first start (readable by its owner only).
    File(PathBuf),
}

impl Config {
    /// The options Leptos renders with: where the client's files are and
    /// what they are called.
    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(OUTPUT_NAME)
            .site_root(self.site_root.to_string_lossy().into_owned())
            .site_pkg_dir(SITE_PKG_DIR)
            .site_addr(self.site_addr)
            .reload_port(self.reload_port)
            .build()
    }
}
