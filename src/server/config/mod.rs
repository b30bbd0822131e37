//! The runtime configuration of the server, read once at start-up.
//!
//! It comes from `Leptos.toml` (every key is documented in that file) with
//! environment variables layered on top. `Cargo.toml`'s
//! `[package.metadata.leptos]` is cargo-leptos's *build* configuration and is
//! not read here, so a release binary runs with only its `site/` folder and a
//! `Leptos.toml` beside it.
//!
//! Relative paths in the file are resolved against the file's own directory,
//! so the server finds its files wherever it is started from; relative paths
//! in environment variables are resolved against the working directory, as a
//! shell user expects.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use leptos::config::LeptosOptions;
use serde::Deserialize;

use super::{cookies::SecretKey, security::origin::Origin};

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
    /// Tokio worker threads; 0 for one per core.
    pub worker_threads: usize,
    /// Whether `/__ceiling` serves a copy of `/` rendered once at start-up,
    /// from a bare handler: the benchmark's ceiling (`bench/run.sh`). Off
    /// unless `BULLETIN_BENCH_CEILING` is true.
    pub bench_ceiling: bool,
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
    /// The SQLite database file; created, with its directory, on first start.
    pub path: PathBuf,
    /// The most connections the pool opens.
    pub max_connections: u32,
    /// How long a statement waits for another writer's lock before failing.
    pub busy_timeout: Duration,
}

/// Limits and checks on what clients send (see the README's Security
/// section).
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityConfig {
    /// Origins besides the site's own whose pages may post to it.
    pub allowed_origins: Vec<Origin>,
    /// Whether a proxy in front sets `X-Forwarded-Host`, `X-Forwarded-Proto`
    /// and `X-Forwarded-For`; only then are those headers believed.
    pub trusted_proxy: bool,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Writes one visitor may make per minute (0: no limit).
    pub writes_per_minute_per_visitor: u32,
    /// Writes one IP address may make per minute (0: no limit).
    pub writes_per_minute_per_ip: u32,
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's body.
    pub body_read_timeout: Duration,
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

/// Why the configuration could not be loaded. Each names the file or
/// variable at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's explanation.
        message: String,
    },
    /// A value is out of range or malformed.
    #[error("{origin}: {message}")]
    Invalid {
        /// The key in the file, or the environment variable.
        origin: String,
        /// What is wrong with it.
        message: String,
    },
}

/// `Leptos.toml` as written; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    server: ServerSection,
    security: SecuritySection,
    database: DatabaseSection,
    cache: CacheSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct CacheSection {
    enabled: Option<bool>,
    capacity: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ServerSection {
    site_addr: Option<String>,
    site_root: Option<String>,
    https: Option<bool>,
    worker_threads: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SecuritySection {
    secret_key_file: Option<String>,
    allowed_origins: Option<Vec<String>>,
    trusted_proxy: Option<bool>,
    max_body_bytes: Option<u64>,
    writes_per_minute_per_visitor: Option<u32>,
    writes_per_minute_per_ip: Option<u32>,
    header_read_timeout_ms: Option<u64>,
    body_read_timeout_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct DatabaseSection {
    url: Option<String>,
    max_connections: Option<u32>,
    busy_timeout_ms: Option<u64>,
}

/// A setting's raw value and where it came from, so errors can name the
/// origin and relative paths resolve against the right directory.
struct Setting<'a> {
    value: String,
    origin: String,
    base: &'a Path,
}

impl Setting<'_> {
    /// The value as a number within `range`, or an error naming the origin
    /// and saying what was expected.
    fn number_in<N>(&self, range: std::ops::RangeInclusive<N>, expected: &str) -> Result<N, ConfigError>
    where
        N: std::str::FromStr + PartialOrd,
    {
        match self.value.parse::<N>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(invalid(&self.origin, format!("`{}` is not {expected}", self.value))),
        }
    }
}

impl Config {
    /// Finds and reads the configuration file, then applies the process's
    /// environment. Called once, in `main`.
    pub fn load() -> Result<Self, ConfigError> {
        let cwd = std::env::current_dir().map_err(|source| ConfigError::Read { path: ".".into(), source })?;
        let exe_dir = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf));
        let env = |name: &str| std::env::var(name).ok();
        let path = find_file(&env, &cwd, exe_dir.as_deref())?;
        let text = match &path {
            Some(path) => {
                Some(std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.clone(), source })?)
            }
            None => None,
        };
        let file = path.as_deref().zip(text.as_deref());
        Self::from_parts(file, &cwd, env)
    }

    /// Builds the configuration from a file's text (with its path) and an
    /// environment, resolving relative paths. `load` uses the real ones;
    /// tests pass their own.
    pub fn from_parts(
        file: Option<(&Path, &str)>,
        cwd: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let (parsed, file_dir) = match file {
            Some((path, text)) => {
                let parsed: FileConfig = toml::from_str(text).map_err(|err| ConfigError::Parse {
                    path: path.to_path_buf(),
                    message: err.message().to_owned(),
                })?;
                let dir = cwd.join(path).parent().map(Path::to_path_buf).unwrap_or_else(|| cwd.to_path_buf());
                (parsed, dir)
            }
            None => (FileConfig::default(), cwd.to_path_buf()),
        };
        let env = |name: &'static str| env(name).filter(|value| !value.is_empty());
        // The environment wins over the file, the file over the default.
        let pick = |var: &'static str, key: &'static str, from_file: Option<String>| -> Option<Setting<'_>> {
            if let Some(value) = env(var) {
                Some(Setting { value, origin: format!("environment variable {var}"), base: cwd })
            } else {
                from_file.map(|value| Setting {
                    value,
                    origin: format!("{CONFIG_FILE_NAME} key {key}"),
                    base: &file_dir,
                })
            }
        };

        let site_addr = match pick("LEPTOS_SITE_ADDR", "server.site_addr", parsed.server.site_addr) {
            Some(s) => s
                .value
                .parse()
                .map_err(|_| invalid(&s.origin, format!("`{}` is not an address such as 127.0.0.1:3000", s.value)))?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let site_root = match pick("LEPTOS_SITE_ROOT", "server.site_root", parsed.server.site_root) {
            Some(s) => s.base.join(&s.value),
            None => file_dir.join("site"),
        };
        let flag = |s: Setting<'_>| match s.value.as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(invalid(&s.origin, format!("`{other}` is not true or false"))),
        };
        let https = match pick("BULLETIN_HTTPS", "server.https", parsed.server.https.map(|b| b.to_string())) {
            Some(s) => flag(s)?,
            None => false,
        };
        let secret = match env("BULLETIN_SECRET_KEY") {
            Some(value) => SecretSource::Key(
                SecretKey::from_hex(&value)
                    .map_err(|message| invalid("environment variable BULLETIN_SECRET_KEY", message))?,
            ),
            None => SecretSource::File(
                file_dir.join(parsed.security.secret_key_file.as_deref().unwrap_or("data/secret.key")),
            ),
        };
        let sec = parsed.security;
        let allowed_origins = match pick(
            "BULLETIN_ALLOWED_ORIGINS",
            "security.allowed_origins",
            sec.allowed_origins.map(|list| list.join(",")),
        ) {
            Some(s) => s
                .value
                .split(',')
                .map(str::trim)
                .filter(|origin| !origin.is_empty())
                .map(|origin| {
                    Origin::parse(origin).ok_or_else(|| {
                        invalid(&s.origin, format!("`{origin}` is not an origin such as https://example.com"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let trusted_proxy =
            match pick("BULLETIN_TRUSTED_PROXY", "security.trusted_proxy", sec.trusted_proxy.map(|b| b.to_string())) {
                Some(s) => flag(s)?,
                None => false,
            };
        let number =
            |var: &'static str, key: &'static str, value: Option<u64>, range, expected: &str, default| match pick(
                var,
                key,
                value.map(|n| n.to_string()),
            ) {
                Some(s) => s.number_in::<u64>(range, expected),
                None => Ok(default),
            };
        let max_body_bytes = number(
            "BULLETIN_MAX_BODY_BYTES",
            "security.max_body_bytes",
            sec.max_body_bytes,
            1024..=(64 << 20),
            "a number of bytes from 1024 to 67108864",
            1 << 20,
        )?;
        let per_visitor = number(
            "BULLETIN_WRITES_PER_MINUTE_PER_VISITOR",
            "security.writes_per_minute_per_visitor",
            sec.writes_per_minute_per_visitor.map(u64::from),
            0..=1_000_000,
            "a whole number from 0 to 1000000",
            120,
        )?;
        let per_ip = number(
            "BULLETIN_WRITES_PER_MINUTE_PER_IP",
            "security.writes_per_minute_per_ip",
            sec.writes_per_minute_per_ip.map(u64::from),
            0..=1_000_000,
            "a whole number from 0 to 1000000",
            1200,
        )?;
        let header_ms = number(
            "BULLETIN_HEADER_READ_TIMEOUT_MS",
            "security.header_read_timeout_ms",
            sec.header_read_timeout_ms,
            100..=600_000,
            "a number of milliseconds from 100 to 600000",
            10_000,
        )?;
        let body_ms = number(
            "BULLETIN_BODY_READ_TIMEOUT_MS",
            "security.body_read_timeout_ms",
            sec.body_read_timeout_ms,
            100..=600_000,
            "a number of milliseconds from 100 to 600000",
            10_000,
        )?;
        let security = SecurityConfig {
            allowed_origins,
            trusted_proxy,
            max_body_bytes: max_body_bytes as usize,
            writes_per_minute_per_visitor: per_visitor as u32,
            writes_per_minute_per_ip: per_ip as u32,
            header_read_timeout: Duration::from_millis(header_ms),
            body_read_timeout: Duration::from_millis(body_ms),
        };
        let path = match pick("DATABASE_URL", "database.url", parsed.database.url) {
            Some(s) => s.base.join(sqlite_path(&s.value).map_err(|message| invalid(&s.origin, message))?),
            None => file_dir.join("data/bulletin.db"),
        };
        let max_connections = match pick(
            "BULLETIN_DB_MAX_CONNECTIONS",
            "database.max_connections",
            parsed.database.max_connections.map(|n| n.to_string()),
        ) {
            Some(s) => s.number_in(1..=64, "a whole number from 1 to 64")?,
            None => 8,
        };
        let busy_timeout_ms = match pick(
            "BULLETIN_DB_BUSY_TIMEOUT_MS",
            "database.busy_timeout_ms",
            parsed.database.busy_timeout_ms.map(|n| n.to_string()),
        ) {
            Some(s) => s.number_in(0..=60_000, "a number of milliseconds from 0 to 60000")?,
            None => 5_000,
        };
        let cache_enabled =
            match pick("BULLETIN_CACHE_ENABLED", "cache.enabled", parsed.cache.enabled.map(|b| b.to_string())) {
                Some(s) => flag(s)?,
                None => true,
            };
        let cache_capacity =
            match pick("BULLETIN_CACHE_CAPACITY", "cache.capacity", parsed.cache.capacity.map(|n| n.to_string())) {
                Some(s) => s.number_in::<u64>(0..=1_000_000, "a whole number from 0 to 1000000")?,
                None => 1000,
            };
        let worker_threads = match pick(
            "BULLETIN_WORKER_THREADS",
            "server.worker_threads",
            parsed.server.worker_threads.map(|n| n.to_string()),
        ) {
            Some(s) => s.number_in::<u64>(0..=1024, "a whole number from 0 to 1024")? as usize,
            None => 0,
        };
        let bench_ceiling = match pick("BULLETIN_BENCH_CEILING", "", None) {
            Some(s) => flag(s)?,
            None => false,
        };
        let reload_port = match env("LEPTOS_RELOAD_PORT") {
            Some(value) => value
                .parse()
                .map_err(|_| invalid("environment variable LEPTOS_RELOAD_PORT", format!("`{value}` is not a port")))?,
            None => 3001,
        };

        Ok(Config {
            source: file.map(|(path, _)| cwd.join(path)),
            site_addr,
            site_root,
            https,
            secret,
            security,
            cache_capacity: if cache_enabled { cache_capacity as usize } else { 0 },
            database: DatabaseConfig { path, max_connections, busy_timeout: Duration::from_millis(busy_timeout_ms) },
            worker_threads,
            bench_ceiling,
            hash_files: env("LEPTOS_HASH_FILES").is_none_or(|value| value != "false"),
            watch: env("LEPTOS_WATCH").is_some(),
            reload_port,
        })
    }

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

/// Finds the configuration file: the one `BULLETIN_CONFIG` names (which
/// must exist), else `Leptos.toml` in the working directory, else beside the
/// executable.
fn find_file(
    env: &impl Fn(&str) -> Option<String>,
    cwd: &Path,
    exe_dir: Option<&Path>,
) -> Result<Option<PathBuf>, ConfigError> {
    if let Some(named) = env(CONFIG_PATH_VAR).filter(|value| !value.is_empty()) {
        let path = cwd.join(named);
        if !path.is_file() {
            return Err(invalid(
                &format!("environment variable {CONFIG_PATH_VAR}"),
                format!("{} is not a file", path.display()),
            ));
        }
        return Ok(Some(path));
    }
    Ok([Some(cwd), exe_dir].into_iter().flatten().map(|dir| dir.join(CONFIG_FILE_NAME)).find(|path| path.is_file()))
}

/// The file path in a `sqlite:` URL. Only file databases are accepted: an
/// in-memory database would vanish with its connection.
fn sqlite_path(url: &str) -> Result<PathBuf, String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| format!("`{url}` is not a sqlite: URL (write sqlite://data/bulletin.db)"))?;
    if rest.contains('?') {
        return Err("URL options are not supported; use the keys of the [database] table instead".into());
    }
    if rest.is_empty() || rest.starts_with(":memory:") {
        return Err("name a database file, such as sqlite://data/bulletin.db".into());
    }
    Ok(PathBuf::from(rest))
}

fn invalid(origin: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { origin: origin.to_owned(), message: message.into() }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(file: Option<(&str, &str)>, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_parts(file.map(|(p, t)| (Path::new(p), t)), Path::new("/srv/app"), |name| vars.get(name).cloned())
    }

    #[test]
    fn with_no_file_and_no_environment_the_defaults_apply() {
        let config = load(None, &[]).unwrap();
        assert_eq!(config.site_addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(config.site_root, Path::new("/srv/app/site"));
        assert_eq!(config.database.path, Path::new("/srv/app/data/bulletin.db"));
        assert_eq!(config.database.max_connections, 8);
        assert_eq!(config.source, None);
    }

    #[test]
    fn relative_paths_in_the_file_resolve_against_the_files_directory() {
        let text = "[server]\nsite_root = \"site\"\n[database]\nurl = \"sqlite://db/b.db\"\n";
        let config = load(Some(("/opt/bulletin/Leptos.toml", text)), &[]).unwrap();
        assert_eq!(config.site_root, Path::new("/opt/bulletin/site"));
        assert_eq!(config.database.path, Path::new("/opt/bulletin/db/b.db"));
        assert_eq!(config.source.as_deref(), Some(Path::new("/opt/bulletin/Leptos.toml")));
    }

    #[test]
    fn the_environment_overrides_the_file_and_resolves_against_the_working_directory() {
        let text = "[server]\nsite_addr = \"0.0.0.0:80\"\nsite_root = \"site\"\n[database]\nurl = \"sqlite:a.db\"\n";
        let config = load(
            Some(("/opt/bulletin/Leptos.toml", text)),
            &[
                ("LEPTOS_SITE_ADDR", "127.0.0.1:4000"),
                ("LEPTOS_SITE_ROOT", "target/site"),
                ("DATABASE_URL", "sqlite:///var/lib/b.db"),
            ],
        )
        .unwrap();
        assert_eq!(config.site_addr, "127.0.0.1:4000".parse().unwrap());
        assert_eq!(config.site_root, Path::new("/srv/app/target/site"));
        assert_eq!(config.database.path, Path::new("/var/lib/b.db"));
    }

    #[test]
    fn an_unknown_key_is_rejected_with_the_file_named() {
        let err = load(Some(("Leptos.toml", "[server]\nsite_adr = \"x\"\n")), &[]).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("Leptos.toml") && message.contains("site_adr"), "{message}");
    }

    #[test]
    fn a_malformed_address_names_its_origin() {
        let err = load(None, &[("LEPTOS_SITE_ADDR", "localhost")]).unwrap_err();
        assert!(err.to_string().contains("LEPTOS_SITE_ADDR"), "{err}");
    }

    #[test]
    fn a_database_url_that_is_not_sqlite_is_rejected() {
        let err = load(None, &[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert!(err.to_string().contains("not a sqlite: URL"), "{err}");
    }

    #[test]
    fn an_in_memory_database_is_rejected() {
        assert!(load(None, &[("DATABASE_URL", "sqlite::memory:")]).is_err());
    }

    #[test]
    fn a_pool_of_zero_connections_is_rejected() {
        let err = load(Some(("Leptos.toml", "[database]\nmax_connections = 0\n")), &[]).unwrap_err();
        assert!(err.to_string().contains("database.max_connections"), "{err}");
    }

    #[test]
    fn an_empty_environment_variable_counts_as_unset() {
        let config = load(None, &[("LEPTOS_SITE_ADDR", "")]).unwrap();
        assert_eq!(config.site_addr.port(), 3000);
    }

    #[test]
    fn the_secret_key_lives_in_a_file_beside_the_database_unless_the_environment_gives_one() {
        let config = load(Some(("/opt/bulletin/Leptos.toml", "")), &[]).unwrap();
        assert_eq!(config.secret, SecretSource::File("/opt/bulletin/data/secret.key".into()));

        let key = "ab".repeat(32);
        let config = load(None, &[("BULLETIN_SECRET_KEY", &key)]).unwrap();
        assert_eq!(config.secret, SecretSource::Key(SecretKey::from_hex(&key).unwrap()));
    }

    #[test]
    fn a_short_secret_key_is_rejected_without_echoing_it() {
        let err = load(None, &[("BULLETIN_SECRET_KEY", "abcd")]).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("BULLETIN_SECRET_KEY") && !message.contains("abcd"), "{message}");
    }

    #[test]
    fn the_shipped_leptos_toml_parses_and_states_the_defaults() {
        let shipped = load(Some(("/srv/app/Leptos.toml", include_str!("../../Leptos.toml"))), &[]).unwrap();
        let mut defaults = load(None, &[]).unwrap();
        defaults.source = shipped.source.clone();
        assert_eq!(shipped, defaults, "every value written in Leptos.toml is the default it documents");
    }

    #[test]
    fn security_defaults_are_a_mebibyte_and_generous_write_limits() {
        let security = load(None, &[]).unwrap().security;
        assert_eq!(security.max_body_bytes, 1 << 20);
        assert_eq!((security.writes_per_minute_per_visitor, security.writes_per_minute_per_ip), (120, 1200));
        assert!(security.allowed_origins.is_empty() && !security.trusted_proxy);
    }

    #[test]
    fn allowed_origins_are_parsed_and_a_malformed_one_is_rejected() {
        let text = "[security]\nallowed_origins = [\"https://Example.com:443\", \"http://localhost:8080\"]\n";
        let config = load(Some(("Leptos.toml", text)), &[]).unwrap();
        let shown: Vec<String> = config.security.allowed_origins.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["https://example.com", "http://localhost:8080"]);
        let err = load(None, &[("BULLETIN_ALLOWED_ORIGINS", "example.com")]).unwrap_err();
        assert!(err.to_string().contains("BULLETIN_ALLOWED_ORIGINS"), "{err}");
    }

    #[test]
    fn https_is_off_by_default_and_can_be_switched_on() {
        assert!(!load(None, &[]).unwrap().https);
        assert!(load(Some(("Leptos.toml", "[server]\nhttps = true\n")), &[]).unwrap().https);
        assert!(load(None, &[("BULLETIN_HTTPS", "true")]).unwrap().https);
        assert!(load(None, &[("BULLETIN_HTTPS", "yes please")]).is_err());
    }

    #[test]
    fn the_leptos_options_point_at_the_built_client() {
        let config = load(None, &[("LEPTOS_SITE_ROOT", "/x/site")]).unwrap();
        let options = config.leptos_options();
        assert_eq!(&*options.output_name, OUTPUT_NAME);
        assert_eq!(&*options.site_root, "/x/site");
        assert_eq!(options.css_path(), "/pkg/bulletin.css");
    }
}
