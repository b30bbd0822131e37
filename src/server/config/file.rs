//! The shape of `Leptos.toml`: serde structs whose defaults are the
//! documented ones, so a key left out means its default and an unknown key
//! is an error.

use std::{net::SocketAddr, path::PathBuf};

use serde::{Deserialize, Deserializer, de};

use super::Origin;

/// `Leptos.toml` as written, each table with its defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Settings {
    pub(super) server: Server,
    pub(super) security: Security,
    pub(super) database: Database,
    pub(super) cache: Cache,
    pub(super) live: Live,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Server {
    pub(super) site_addr: SocketAddr,
    pub(super) site_root: PathBuf,
    #[serde(deserialize_with = "figment::util::bool_from_str_or_int")]
    pub(super) https: bool,
    pub(super) worker_threads: u16,
}

impl Default for Server {
    fn default() -> Self {
        Server { site_addr: ([127, 0, 0, 1], 3000).into(), site_root: "site".into(), https: false, worker_threads: 0 }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Security {
    pub(super) secret_key_file: PathBuf,
    #[serde(deserialize_with = "origins")]
    pub(super) allowed_origins: Vec<Origin>,
    #[serde(deserialize_with = "hosts")]
    pub(super) allowed_hosts: Vec<String>,
    #[serde(deserialize_with = "figment::util::bool_from_str_or_int")]
    pub(super) trusted_proxy: bool,
    pub(super) max_body_bytes: u64,
    pub(super) max_upload_bytes: u64,
    pub(super) writes_per_minute_per_visitor: u32,
    pub(super) writes_per_minute_per_ip: u32,
    pub(super) header_read_timeout_ms: u64,
    pub(super) body_read_timeout_ms: u64,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            secret_key_file: "data/secret.key".into(),
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            trusted_proxy: false,
            max_body_bytes: 1 << 20,
            max_upload_bytes: 8 << 20,
            writes_per_minute_per_visitor: 120,
            writes_per_minute_per_ip: 1200,
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 10_000,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Database {
    pub(super) url: String,
    pub(super) max_connections: u32,
    pub(super) busy_timeout_ms: u64,
}

impl Default for Database {
    fn default() -> Self {
        Database { url: "sqlite://data/bulletin.db".into(), max_connections: 8, busy_timeout_ms: 5_000 }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Cache {
    #[serde(deserialize_with = "figment::util::bool_from_str_or_int")]
    pub(super) enabled: bool,
    pub(super) capacity: u32,
    pub(super) follow_every_ms: u64,
}

impl Default for Cache {
    fn default() -> Self {
        Cache { enabled: true, capacity: 1000, follow_every_ms: 10 }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Live {
    pub(super) max_streams: u32,
    pub(super) max_streams_per_address: u32,
    pub(super) coalesce_ms: u64,
    pub(super) keep_alive_ms: u64,
}

impl Default for Live {
    fn default() -> Self {
        Live { max_streams: 10_000, max_streams_per_address: 8, coalesce_ms: 25, keep_alive_ms: 15_000 }
    }
}

/// A list from the file, or one comma-separated string from the
/// environment, each item trimmed and empty ones left out.
fn listed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        List(Vec<String>),
        Joined(String),
    }
    let texts = match Written::deserialize(deserializer)? {
        Written::List(list) => list,
        Written::Joined(joined) => joined.split(',').map(str::to_owned).collect(),
    };
    Ok(texts.iter().map(|text| text.trim()).filter(|text| !text.is_empty()).map(str::to_owned).collect())
}

/// Origins, refusing any that is not `scheme://host[:port]`.
fn origins<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Origin>, D::Error> {
    listed(deserializer)?
        .iter()
        .map(|text| {
            Origin::parse(text)
                .ok_or_else(|| de::Error::custom(format!("`{text}` is not an origin such as https://example.com")))
        })
        .collect()
}

/// Host names, lower-cased, refusing anything else (a port, a scheme, a
/// path).
fn hosts<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    listed(deserializer)?
        .iter()
        .map(|text| {
            super::hosts::parse(text).ok_or_else(|| {
                de::Error::custom(format!("`{text}` is not a host name such as bulletin.example (no scheme, no port)"))
            })
        })
        .collect()
}
