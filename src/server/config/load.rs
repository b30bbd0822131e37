//! Reading `Leptos.toml` and the environment into [`Config`].

use std::{
    ops::RangeInclusive,
    path::{Path, PathBuf},
    time::Duration,
};

use super::{
    Backend, CONFIG_FILE_NAME, CONFIG_PATH_VAR, Config, DatabaseConfig, ENV, SecretSource, SecurityConfig,
    file::Settings,
};
use crate::server::cookies::SecretKey;
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
        let file_dir = file_dir.unwrap_or_else(|| cwd.to_path_buf());
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
        // Where a key's value came from: its environment variable, else the
        // file (or the default, which the file documents).
        let origin = |key: &str| match figment.find_metadata(key) {
            Some(metadata) if metadata.name.starts_with("environment") => metadata.name.to_string(),
            _ => format!("{CONFIG_FILE_NAME} key {key}"),
        };
        let base = |key: &str| if origin(key).starts_with("environment") { cwd } else { file_dir.as_path() };
        let within = |key: &str, value: u64, range: RangeInclusive<u64>| {
            if range.contains(&value) {
                Ok(value)
            } else {
                Err(invalid(&origin(key), format!("{value} is not from {} to {}", range.start(), range.end())))
            }
        };

        let (server, security, database) = (&settings.server, &settings.security, &settings.database);
        let secret = match env("BULLETIN_SECRET_KEY") {
            Some(hex) => SecretSource::Key(
                SecretKey::from_hex(&hex)
                    .map_err(|message| invalid("environment variable BULLETIN_SECRET_KEY", message))?,
            ),
            None => SecretSource::File(file_dir.join(&security.secret_key_file)),
        };
        let (db_url, backend) = if is_postgres(&database.url) {
            (database.url.clone(), Backend::Postgres)
        } else {
            let path = sqlite_path(&database.url).map_err(|message| invalid(&origin("database.url"), message))?;
            let path = base("database.url").join(path);
            let options = database.url.split_once('?').map(|(_, options)| format!("?{options}")).unwrap_or_default();
            (format!("sqlite://{}{options}", path.display()), Backend::Sqlite { path })
        };
        let flag = |var: &str| match env(var).as_deref() {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(other) => {
                Err(invalid(&format!("environment variable {var}"), format!("`{other}` is not true or false")))
            }
        };
        Ok(Config {
            source: file.map(|(path, _)| cwd.join(path)),
            site_addr: server.site_addr,
            site_root: base("server.site_root").join(&server.site_root),
            https: server.https,
            secret,
            security: SecurityConfig {
                allowed_origins: security.allowed_origins.clone(),
                trusted_proxy: security.trusted_proxy,
                max_body_bytes: within("security.max_body_bytes", security.max_body_bytes, 1024..=64 << 20)? as usize,
                writes_per_minute_per_visitor: within(
                    "security.writes_per_minute_per_visitor",
                    security.writes_per_minute_per_visitor.into(),
                    0..=1_000_000,
                )? as u32,
                writes_per_minute_per_ip: within(
                    "security.writes_per_minute_per_ip",
                    security.writes_per_minute_per_ip.into(),
                    0..=1_000_000,
                )? as u32,
                header_read_timeout: Duration::from_millis(within(
                    "security.header_read_timeout_ms",
                    security.header_read_timeout_ms,
                    100..=600_000,
                )?),
                body_read_timeout: Duration::from_millis(within(
                    "security.body_read_timeout_ms",
                    security.body_read_timeout_ms,
                    100..=600_000,
                )?),
            },
            database: DatabaseConfig {
                url: db_url,
                backend,
                max_connections: within("database.max_connections", database.max_connections.into(), 1..=64)? as u32,
                busy_timeout: Duration::from_millis(within(
                    "database.busy_timeout_ms",
                    database.busy_timeout_ms,
                    0..=60_000,
                )?),
            },
            cache_capacity: if settings.cache.enabled {
                within("cache.capacity", settings.cache.capacity.into(), 0..=1_000_000)? as usize
            } else {
                0
            },
            follow_every: Duration::from_millis(within(
                "cache.follow_every_ms",
                settings.cache.follow_every_ms,
                1..=60_000,
            )?),
            worker_threads: within("server.worker_threads", server.worker_threads.into(), 0..=1024)? as usize,
            bench_ceiling: flag("BULLETIN_BENCH_CEILING")?,
            hash_files: env("LEPTOS_HASH_FILES").is_none_or(|value| value != "false"),
            watch: env("LEPTOS_WATCH").is_some(),
            reload_port: match env("LEPTOS_RELOAD_PORT") {
                Some(value) => value.parse().map_err(|_| {
                    invalid("environment variable LEPTOS_RELOAD_PORT", format!("`{value}` is not a port"))
                })?,
                None => 3001,
            },
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
