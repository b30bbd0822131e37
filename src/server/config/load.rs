//! Reading `Leptos.toml` and the environment into [`Config`].

use std::{
    net::SocketAddr,
    ops::RangeInclusive,
    path::{Path, PathBuf},
    time::Duration,
};

use super::{
    Backend, CONFIG_FILE_NAME, CONFIG_PATH_VAR, Config, DatabaseConfig, ENV, LiveConfig, SecretSource, SecurityConfig,
    file::{self, Settings},
    hosts,
};
use crate::server::secret::SecretKey;
use figment::{
    Figment, Metadata, Profile, Provider,
    providers::{Format, Serialized, Toml},
    value::{Dict, Map, Value},
};

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
    /// A value is malformed or out of range, or a key is unknown.
    #[error("{origin}: {message}")]
    Invalid {
        /// The key in the file, or the environment variable.
        origin: String,
        /// What is wrong with it.
        message: String,
    },
}

/// One environment variable, as a figment provider whose metadata names it,
/// so an error about its value says which variable to fix.
struct EnvVar {
    var: &'static str,
    key: &'static str,
    value: Value,
}

impl Provider for EnvVar {
    fn metadata(&self) -> Metadata {
        Metadata::named(format!("environment variable {}", self.var))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Serialized::default(self.key, &self.value).data()
    }
}

impl Config {
    /// Finds and reads the configuration file, then applies the process's
    /// environment. Called once, in `main`.
    pub fn load() -> Result<Self, ConfigError> {
        let cwd = std::env::current_dir().map_err(|source| ConfigError::Read { path: ".".into(), source })?;
        let exe_dir = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf));
        let env = |name: &str| std::env::var(name).ok();
        let path = match env(CONFIG_PATH_VAR).filter(|value| !value.is_empty()) {
            Some(named) if !cwd.join(&named).is_file() => {
                return Err(invalid(
                    &format!("environment variable {CONFIG_PATH_VAR}"),
                    format!("{named} is not a file"),
                ));
            }
            Some(named) => Some(cwd.join(named)),
            None => [Some(cwd.as_path()), exe_dir.as_deref()]
                .into_iter()
                .flatten()
                .map(|dir| dir.join(CONFIG_FILE_NAME))
                .find(|path| path.is_file()),
        };
        let text = match &path {
            Some(path) => {
                Some(std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.clone(), source })?)
            }
            None => None,
        };
        Self::from_parts(path.as_deref().zip(text.as_deref()), &cwd, env)
    }

    /// Builds the configuration from a file's text (with its path) and an
    /// environment, resolving relative paths. `load` uses the real ones;
    /// tests pass their own.
    pub fn from_parts(
        file: Option<(&Path, &str)>,
        cwd: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let env = |name: &str| env(name).filter(|value| !value.is_empty());
        let file_dir = file.and_then(|(path, _)| cwd.join(path).parent().map(Path::to_path_buf));
        let mut figment = Figment::new();
        if let Some((_, text)) = file {
            figment = figment.merge(Toml::string(text));
        }
        for (var, key, parsed) in ENV {
            if let Some(text) = env(var) {
                let value =
                    if parsed { text.parse().unwrap_or_else(|never| match never {}) } else { Value::from(text) };
                figment = figment.merge(EnvVar { var, key, value });
            }
        }
        let settings: Settings = figment.extract().map_err(describe)?;
        let sources = Sources { figment, cwd, file_dir: file_dir.unwrap_or_else(|| cwd.to_path_buf()), env };
        let (server, cache) = (&settings.server, &settings.cache);
        Ok(Config {
            source: file.map(|(path, _)| cwd.join(path)),
            site_addr: server.site_addr,
            site_root: sources.base("server.site_root").join(&server.site_root),
            https: server.https,
            secret: sources.secret(&settings.security)?,
            security: sources.security(&settings.security, server.site_addr)?,
            database: sources.database(&settings.database)?,
            cache_capacity: if cache.enabled {
                sources.within("cache.capacity", cache.capacity.into(), 0..=1_000_000)? as usize
            } else {
                0
            },
            follow_every: sources.millis("cache.follow_every_ms", cache.follow_every_ms, 1..=60_000)?,
            live: LiveConfig {
                max_streams: sources.within("live.max_streams", settings.live.max_streams.into(), 0..=1_000_000)?
                    as usize,
                max_streams_per_address: sources.within(
                    "live.max_streams_per_address",
                    settings.live.max_streams_per_address.into(),
                    0..=1_000_000,
                )? as usize,
                coalesce: sources.millis("live.coalesce_ms", settings.live.coalesce_ms, 0..=10_000)?,
                keep_alive: sources.millis("live.keep_alive_ms", settings.live.keep_alive_ms, 100..=600_000)?,
            },
            worker_threads: sources.within("server.worker_threads", server.worker_threads.into(), 0..=1024)? as usize,
            hash_files: sources.env("LEPTOS_HASH_FILES").is_none_or(|value| value != "false"),
            watch: sources.env("LEPTOS_WATCH").is_some(),
            reload_port: match sources.env("LEPTOS_RELOAD_PORT") {
                Some(value) => value.parse().map_err(|_| {
                    invalid("environment variable LEPTOS_RELOAD_PORT", format!("`{value}` is not a port"))
                })?,
                None => 3001,
            },
        })
    }
}

/// Where each value came from: the file (or the default it documents) or
/// an environment variable. Tells what to resolve a path against and what
/// to name in an error.
struct Sources<'a, E> {
    figment: Figment,
    cwd: &'a Path,
    file_dir: PathBuf,
    env: E,
}

impl<E: Fn(&str) -> Option<String>> Sources<'_, E> {
    /// An environment variable's value; an empty one counts as unset.
    fn env(&self, name: &str) -> Option<String> {
        (self.env)(name)
    }

    /// The name of where `key`'s value came from: its environment variable,
    /// else the file's key.
    fn origin(&self, key: &str) -> String {
        match self.figment.find_metadata(key) {
            Some(metadata) if metadata.name.starts_with("environment") => metadata.name.to_string(),
            _ => format!("{CONFIG_FILE_NAME} key {key}"),
        }
    }

    /// What a relative path in `key` is relative to: the working directory
    /// for the environment's, the file's directory for the file's.
    fn base(&self, key: &str) -> &Path {
        if self.origin(key).starts_with("environment") { self.cwd } else { &self.file_dir }
    }

    /// `value` of `key`, if it is in `range`.
    fn within(&self, key: &str, value: u64, range: RangeInclusive<u64>) -> Result<u64, ConfigError> {
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(invalid(&self.origin(key), format!("{value} is not from {} to {}", range.start(), range.end())))
        }
    }

    /// [`Sources::within`], as milliseconds.
    fn millis(&self, key: &str, value: u64, range: RangeInclusive<u64>) -> Result<Duration, ConfigError> {
        self.within(key, value, range).map(Duration::from_millis)
    }

    /// The cookie-signing key: given in the environment, or kept in a file.
    fn secret(&self, security: &file::Security) -> Result<SecretSource, ConfigError> {
        Ok(match self.env("BULLETIN_SECRET_KEY") {
            Some(hex) => SecretSource::Key(
                SecretKey::from_hex(&hex)
                    .map_err(|message| invalid("environment variable BULLETIN_SECRET_KEY", message))?,
            ),
            None => SecretSource::File(self.file_dir.join(&security.secret_key_file)),
        })
    }

    /// The limits and checks on what clients send.
    fn security(&self, security: &file::Security, site_addr: SocketAddr) -> Result<SecurityConfig, ConfigError> {
        let per_minute = |key: &str, value: u32| self.within(key, value.into(), 0..=1_000_000).map(|n| n as u32);
        Ok(SecurityConfig {
            allowed_origins: security.allowed_origins.clone(),
            allowed_hosts: if security.allowed_hosts.is_empty() {
                hosts::defaults(site_addr)
            } else {
                security.allowed_hosts.clone()
            },
            trusted_proxy: security.trusted_proxy,
            max_body_bytes: self.within("security.max_body_bytes", security.max_body_bytes, 1024..=64 << 20)? as usize,
            max_upload_bytes: self.within("security.max_upload_bytes", security.max_upload_bytes, 1024..=64 << 20)?
                as usize,
            writes_per_minute_per_visitor: per_minute(
                "security.writes_per_minute_per_visitor",
                security.writes_per_minute_per_visitor,
            )?,
            writes_per_minute_per_ip: per_minute(
                "security.writes_per_minute_per_ip",
                security.writes_per_minute_per_ip,
            )?,
            header_read_timeout: self.millis(
                "security.header_read_timeout_ms",
                security.header_read_timeout_ms,
                100..=600_000,
            )?,
            body_read_timeout: self.millis(
                "security.body_read_timeout_ms",
                security.body_read_timeout_ms,
                100..=600_000,
            )?,
        })
    }

    /// The database: a Postgres URL as given, or a SQLite file made absolute.
    fn database(&self, database: &file::Database) -> Result<DatabaseConfig, ConfigError> {
        let (url, backend) = if is_postgres(&database.url) {
            (database.url.clone(), Backend::Postgres)
        } else {
            let path = sqlite_path(&database.url).map_err(|message| invalid(&self.origin("database.url"), message))?;
            let path = self.base("database.url").join(path);
            let options = database.url.split_once('?').map(|(_, options)| format!("?{options}")).unwrap_or_default();
            (format!("sqlite://{}{options}", path.display()), Backend::Sqlite { path })
        };
        Ok(DatabaseConfig {
            url,
            backend,
            max_connections: self.within("database.max_connections", database.max_connections.into(), 1..=64)? as u32,
            busy_timeout: self.millis("database.busy_timeout_ms", database.busy_timeout_ms, 0..=60_000)?,
        })
    }
}

/// Whether `url` names a Postgres server (`postgres://` or `postgresql://`).
fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The file path in a sqlx SQLite URL (`sqlite://data/app.db?mode=rwc`).
/// Only file databases are accepted: an in-memory one would vanish with its
/// connection.
fn sqlite_path(url: &str) -> Result<PathBuf, String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| format!("`{url}` is neither a sqlite: nor a postgres: URL (write sqlite://data/bulletin.db)"))?;
    let (path, options) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path.starts_with(":memory:") || options.split('&').any(|option| option == "mode=memory") {
        return Err("name a database file, such as sqlite://data/bulletin.db".into());
    }
    Ok(PathBuf::from(path))
}

/// A figment error as one of ours, naming the variable or key at fault.
fn describe(err: figment::Error) -> ConfigError {
    let key = err.path.join(".");
    let origin = match &err.metadata {
        Some(metadata) if metadata.name.starts_with("environment") => metadata.name.to_string(),
        _ if key.is_empty() => CONFIG_FILE_NAME.to_owned(),
        _ => format!("{CONFIG_FILE_NAME} key {key}"),
    };
    invalid(&origin, err.kind.to_string())
}

fn invalid(origin: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { origin: origin.to_owned(), message: message.into() }
}
