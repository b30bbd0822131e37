//! Reading the cookies a request carries, writing the ones a response sets,
//! and the key that signs those that carry identity.
//!
//! Every cookie the app sets goes through [`SetCookie`], which always writes
//! `Path=/`, `SameSite=Lax`, `HttpOnly` and, over https, `Secure`, and never
//! a `Domain`: the policy lives in one place.

use std::{io::Write, path::Path, time::Duration};

use axum::http::{HeaderMap, HeaderValue, header};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The key that signs cookies. Its bytes never appear in `Debug` output or
/// in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(redacted)")
    }
}

impl SecretKey {
    /// Parses a key written as 64 hexadecimal digits. The error never
    /// repeats the input.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes)
            .map_err(|_| "the secret key must be 64 hexadecimal digits (32 bytes)".to_owned())?;
        Ok(SecretKey(bytes))
    }

    /// A fresh key from the operating system's random source.
    pub fn generate() -> std::io::Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
        Ok(SecretKey(bytes))
    }

    /// Reads the key from `path`, or, when there is no such file, generates
    /// one and writes it there (owner-only permissions), so the key survives
    /// restarts without ever being written in the code or the config.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => SecretKey::from_hex(&text).map_err(|message| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {message}", path.display()))
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let key = SecretKey::generate()?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path)?;
                writeln!(file, "{}", hex::encode(key.0))?;
                file.sync_all()?;
                Ok(key)
            }
            Err(err) => Err(err),
        }
    }

    /// `value.signature`: the value with an HMAC-SHA256 tag over it and
    /// `purpose`, so a signature made for one cookie is worthless for another.
    pub fn sign(&self, purpose: &str, value: &str) -> String {
        format!("{value}.{}", hex::encode(self.mac(purpose, value).finalize().into_bytes()))
    }

    /// The value inside `signed` when its signature is this key's, for this
    /// purpose. Compared in constant time.
    pub fn verify<'a>(&self, purpose: &str, signed: &'a str) -> Option<&'a str> {
        let (value, signature) = signed.rsplit_once('.')?;
        let signature = hex::decode(signature).ok()?;
        self.mac(purpose, value).verify_slice(&signature).ok()?;
        Some(value)
    }

    fn mac(&self, purpose: &str, value: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        mac
    }
}

/// The value of the cookie `name` in the request's `Cookie` headers.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

/// A `Set-Cookie` header with the app's policy applied.
#[derive(Debug, Clone)]
pub struct SetCookie<'a> {
    /// The cookie's name.
    pub name: &'a str,
    /// Its value: only characters a cookie value allows (no spaces, `;`, `,`).
    pub value: &'a str,
    /// How long the browser keeps it.
    pub max_age: Duration,
    /// Whether to add `Secure` (the site is served over https).
    pub secure: bool,
}

impl SetCookie<'_> {
    /// The header value: `Path=/; HttpOnly; SameSite=Lax`, plus `Secure`
    /// over https, and never a `Domain`, so it stays with this exact host.
    pub fn header(&self) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let text = format!(
            "{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
            self.name,
            self.value,
            self.max_age.as_secs()
        );
        HeaderValue::from_str(&text).expect("cookie names and values are chosen by the app from safe characters")
    }

    /// The header that makes the browser forget cookie `name`.
    pub fn removal(name: &str, secure: bool) -> HeaderValue {
        SetCookie { name, value: "", max_age: Duration::ZERO, secure }.header()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::from_hex(&"42".repeat(32)).unwrap()
    }

    #[test]
    fn a_signed_value_verifies_and_yields_the_value() {
        let signed = key().sign("visitor", "abc123");
        assert_eq!(key().verify("visitor", &signed), Some("abc123"));
    }

    #[test]
    fn a_tampered_value_or_signature_does_not_verify() {
        let signed = key().sign("visitor", "abc123");
        assert_eq!(key().verify("visitor", &signed.replace("abc123", "abc124")), None);
        let mut chars: Vec<char> = signed.chars().collect();
        let last = chars.len() - 1;
        chars[last] = if chars[last] == '0' { '1' } else { '0' };
        assert_eq!(key().verify("visitor", &chars.into_iter().collect::<String>()), None);
        assert_eq!(key().verify("visitor", "abc123"), None);
        assert_eq!(key().verify("visitor", "abc123.zz"), None);
    }

    #[test]
    fn a_signature_made_with_another_key_or_for_another_purpose_does_not_verify() {
        let other = SecretKey::from_hex(&"43".repeat(32)).unwrap();
        assert_eq!(key().verify("visitor", &other.sign("visitor", "abc")), None);
        assert_eq!(key().verify("visitor", &key().sign("flash", "abc")), None);
    }

    #[test]
    fn the_key_is_never_shown_in_debug_output() {
        assert_eq!(format!("{:?}", key()), "SecretKey(redacted)");
    }

    #[test]
    fn a_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/secret.key");
        let first = SecretKey::load_or_create(&path).unwrap();
        let second = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_cookie_is_found_among_several_headers_and_pairs() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; theme=dark"));
        headers.append(header::COOKIE, HeaderValue::from_static("b=2;c=3"));
        assert_eq!(get(&headers, "theme"), Some("dark"));
        assert_eq!(get(&headers, "c"), Some("3"));
        assert_eq!(get(&headers, "the"), None);
    }

    #[test]
    fn every_cookie_is_http_only_lax_site_wide_and_secure_only_over_https() {
        let plain = SetCookie { name: "n", value: "v", max_age: Duration::from_secs(60), secure: false }.header();
        assert_eq!(plain, "n=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
        let secure = SetCookie { name: "n", value: "v", max_age: Duration::from_secs(60), secure: true }.header();
        assert!(secure.to_str().unwrap().ends_with("; Secure"));
        assert!(!secure.to_str().unwrap().contains("Domain"));
        assert!(SetCookie::removal("n", false).to_str().unwrap().contains("Max-Age=0"));
    }
}
