//! The loader against files and environments made up for each case.

use std::{collections::HashMap, path::Path};

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
    assert_eq!(config.database.sqlite_file(), Some(Path::new("/srv/app/data/bulletin.db")));
    assert_eq!(config.database.max_connections, 8);
    assert_eq!(config.source, None);
}

#[test]
fn relative_paths_in_the_file_resolve_against_the_files_directory() {
    let text = "[server]\nsite_root = \"site\"\n[database]\nurl = \"sqlite://db/b.db\"\n";
    let config = load(Some(("/opt/bulletin/Leptos.toml", text)), &[]).unwrap();
    assert_eq!(config.site_root, Path::new("/opt/bulletin/site"));
    assert_eq!(config.database.sqlite_file(), Some(Path::new("/opt/bulletin/db/b.db")));
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
    assert_eq!(config.database.sqlite_file(), Some(Path::new("/var/lib/b.db")));
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
fn a_database_url_that_is_neither_sqlite_nor_postgres_is_rejected() {
    let err = load(None, &[("DATABASE_URL", "mysql://x")]).unwrap_err();
    assert!(err.to_string().contains("neither a sqlite: nor a postgres: URL"), "{err}");
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
    let shipped = load(Some(("/srv/app/Leptos.toml", include_str!("../../../Leptos.toml"))), &[]).unwrap();
    let mut defaults = load(None, &[]).unwrap();
    defaults.source = shipped.source.clone();
    assert_eq!(shipped, defaults, "every value written in Leptos.toml is the default it documents");
}

#[test]
fn security_defaults_are_a_mebibyte_and_generous_write_limits() {
    let security = load(None, &[]).unwrap().security;
    assert_eq!(security.max_body_bytes, 1 << 20);
    assert_eq!(security.max_upload_bytes, 8 << 20);
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

#[test]
fn a_standard_sqlx_url_keeps_its_options_and_resolves_its_path() {
    let config = load(None, &[("DATABASE_URL", "sqlite://data/app.db?mode=rwc")]).unwrap();
    assert_eq!(config.database.sqlite_file(), Some(Path::new("/srv/app/data/app.db")));
    assert_eq!(config.database.url, "sqlite:///srv/app/data/app.db?mode=rwc");
    let absolute = load(None, &[("DATABASE_URL", "sqlite:///var/lib/b.db?mode=rw&cache=private")]).unwrap();
    assert_eq!(absolute.database.url, "sqlite:///var/lib/b.db?mode=rw&cache=private");
}

#[test]
fn a_postgres_url_is_kept_as_given_and_names_no_file() {
    for url in ["postgres://app@127.0.0.1:5432/bulletin", "postgresql:///bulletin?host=/run/pg"] {
        let config = load(None, &[("DATABASE_URL", url)]).unwrap();
        assert_eq!(config.database.url, url);
        assert_eq!(config.database.backend, Backend::Postgres);
        assert_eq!(config.database.sqlite_file(), None);
    }
    let config =
        load(None, &[("DATABASE_URL", "postgres://app:s3cret@db.internal:5432/bulletin?sslmode=require")]).unwrap();
    assert_eq!(config.database.describe(), "postgres://db.internal:5432/bulletin", "no password in the log");
}

#[test]
fn an_in_memory_database_is_rejected_however_it_is_written() {
    for url in ["sqlite::memory:", "sqlite://data/x.db?mode=memory"] {
        let err = load(None, &[("DATABASE_URL", url)]).unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL") && err.to_string().contains("database file"), "{err}");
    }
}

#[test]
fn a_number_out_of_range_names_its_variable_and_the_range() {
    let err = load(None, &[("BULLETIN_MAX_BODY_BYTES", "10")]).unwrap_err();
    assert_eq!(err.to_string(), "environment variable BULLETIN_MAX_BODY_BYTES: 10 is not from 1024 to 67108864");
    let err = load(Some(("Leptos.toml", "[database]\nbusy_timeout_ms = 70000\n")), &[]).unwrap_err();
    assert_eq!(err.to_string(), "Leptos.toml key database.busy_timeout_ms: 70000 is not from 0 to 60000");
}

#[test]
fn a_value_of_the_wrong_type_names_its_variable() {
    let err = load(None, &[("BULLETIN_DB_MAX_CONNECTIONS", "many")]).unwrap_err();
    assert!(err.to_string().starts_with("environment variable BULLETIN_DB_MAX_CONNECTIONS:"), "{err}");
    let err = load(Some(("Leptos.toml", "[cache]\nenabled = \"sometimes\"\n")), &[]).unwrap_err();
    assert!(err.to_string().starts_with("Leptos.toml key cache.enabled:"), "{err}");
}

#[test]
fn switches_accept_true_false_1_and_0_and_the_cache_can_be_switched_off() {
    assert!(load(None, &[("BULLETIN_TRUSTED_PROXY", "1")]).unwrap().security.trusted_proxy);
    assert_eq!(load(None, &[("BULLETIN_CACHE_ENABLED", "false")]).unwrap().cache_capacity, 0);
    assert_eq!(load(None, &[("BULLETIN_CACHE_ENABLED", "0")]).unwrap().cache_capacity, 0);
    assert_eq!(load(None, &[("BULLETIN_CACHE_CAPACITY", "5")]).unwrap().cache_capacity, 5);
}

#[test]
fn worker_threads_and_write_limits_keep_their_documented_ranges() {
    let err = load(None, &[("BULLETIN_WORKER_THREADS", "5000")]).unwrap_err();
    assert_eq!(err.to_string(), "environment variable BULLETIN_WORKER_THREADS: 5000 is not from 0 to 1024");
    let err = load(Some(("Leptos.toml", "[security]\nwrites_per_minute_per_ip = 2000000\n")), &[]).unwrap_err();
    assert!(err.to_string().starts_with("Leptos.toml key security.writes_per_minute_per_ip:"), "{err}");
    assert_eq!(load(None, &[("BULLETIN_WORKER_THREADS", "1")]).unwrap().worker_threads, 1);
}

#[test]
fn allowed_hosts_default_to_the_loopback_names_and_a_list_replaces_them() {
    let config = load(None, &[]).unwrap();
    assert_eq!(config.security.allowed_hosts, ["localhost", "127.0.0.1", "[::1]"]);
    let config = load(None, &[("BULLETIN_ALLOWED_HOSTS", "Bulletin.Example, www.bulletin.example")]).unwrap();
    assert_eq!(config.security.allowed_hosts, ["bulletin.example", "www.bulletin.example"]);
    let file = "[security]\nallowed_hosts = [\"bulletin.example\"]\n";
    assert_eq!(load(Some(("Leptos.toml", file)), &[]).unwrap().security.allowed_hosts, ["bulletin.example"]);
    let error = load(None, &[("BULLETIN_ALLOWED_HOSTS", "https://bulletin.example")]).unwrap_err().to_string();
    assert!(error.contains("BULLETIN_ALLOWED_HOSTS") && error.contains("not a host name"), "{error}");
}
