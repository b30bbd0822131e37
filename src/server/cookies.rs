//! The app's cookie policy, on the `cookie` crate, and the key that signs
//! the cookies that carry identity.
//!
//! Every cookie the app sets is made by [`set`] or [`SecretKey::set_signed`],
//! which always write `Path=/`, `SameSite=Lax`, `HttpOnly` and, over https,
//! `Secure`, and never a `Domain`: the policy lives in one place. Signing is
//! the crate's signed jar (HMAC-SHA256 over the cookie's value).

use std::{io::Write, path::Path, time::Duration};

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, CookieJar, Key, SameSite};

/// The signed visitor id (see the visitor middleware).
pub const VISITOR_COOKIE: &str = "bulletin_visitor";
/// The message the page after a plain-form write shows once.
pub const FLASH_COOKIE: &str = "bulletin_flash";
/// The token of a rejected plain-form post's draft.
pub const DRAFT_COOKIE: &str = "bulletin_draft";
/// The theme the visitor chose.
pub const THEME_COOKIE: &str = "theme";
/// A choice of theme lasts a year.
pub const THEME_MAX_AGE: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// The key that signs cookies: 32 secret bytes, expanded into the signing
/// key the jar wants. Its bytes never appear in `Debug` output or in logs.
#[derive(Clone)]
pub struct SecretKey {
    master: [u8; 32],
    signing: Key,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(redacted)")
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.master == other.master
    }
}

impl SecretKey {
    fn from_bytes(master: [u8; 32]) -> Self {
        SecretKey { master, signing: Key::derive_from(&master) }
    }

    /// Parses a key written as 64 hexadecimal digits. The error never
    /// repeats the input.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let mut bytes = [0u8; 32];
        let valid = text.len() == 64
            && text.is_ascii()
            && bytes.iter_mut().enumerate().all(|(at, byte)| {
                u8::from_str_radix(&text[2 * at..2 * at + 2], 16).map(|parsed| *byte = parsed).is_ok()
            });
        if valid {
            Ok(SecretKey::from_bytes(bytes))
        } else {
            Err("the secret key must be 64 hexadecimal digits (32 bytes)".into())
        }
    }

    /// A fresh key from the operating system's random source.
    pub fn generate() -> std::io::Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
        Ok(SecretKey::from_bytes(bytes))
    }

    /// Reads the key from `path`, or, when there is no such file, generates
    /// one and writes it there (owner-only permissions), so the key survives
    /// restarts without ever being written in the code or the config.
    ///
    /// Instances started together may all find no file: each writes its key
    /// to a file of its own and links it to `path`, which only the first
    /// link creates, whole; the others read that one. So they all end up
    /// with the same key, and none ever reads a half-written file.
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
                let mut own = path.as_os_str().to_owned();
                own.push(format!(".{}", uuid::Uuid::new_v4().simple()));
                let own = std::path::PathBuf::from(own);
                let written = key.write_new(&own).and_then(|()| std::fs::hard_link(&own, path));
                let _ = std::fs::remove_file(&own);
                match written {
                    Ok(()) => Ok(key),
                    Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => SecretKey::load_or_create(path),
                    Err(err) => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// Writes the key to a new file at `path`, readable by its owner only,
    /// and waits until it is on disk.
    fn write_new(&self, path: &Path) -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        let hex: String = self.master.iter().map(|byte| format!("{byte:02x}")).collect();
        writeln!(file, "{hex}")?;
        file.sync_all()
    }

    /// The value of the signed cookie `name` in the request, when its
    /// signature is this key's.
    pub fn verified(&self, headers: &HeaderMap, name: &str) -> Option<String> {
        let mut jar = CookieJar::new();
        jar.add_original(find(headers, name)?.into_owned());
        jar.signed(&self.signing).get(name).map(|cookie| cookie.value().to_owned())
    }

    /// A `Set-Cookie` header for cookie `name` holding `value`, signed, with
    /// the app's policy (see [`set`]).
    pub fn set_signed(&self, name: &str, value: &str, max_age: Duration, secure: bool) -> HeaderValue {
        let mut jar = CookieJar::new();
        jar.signed_mut(&self.signing).add(with_policy(Cookie::new(name.to_owned(), value.to_owned()), max_age, secure));
        let signed = jar.get(name).map(ToString::to_string).unwrap_or_default();
        HeaderValue::from_str(&signed).expect("a signed cookie is base64 and the app's own name")
    }
}

/// The cookie `name` among all the request's `Cookie` headers, parsed
/// without copying the others.
fn find<'a>(headers: &'a HeaderMap, name: &str) -> Option<Cookie<'a>> {
    let lines = headers.get_all(header::COOKIE).iter().filter_map(|value| value.to_str().ok());
    lines.flat_map(Cookie::split_parse).flatten().find(|cookie| cookie.name() == name)
}

/// The value of the cookie `name` in the request's `Cookie` headers.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    find(headers, name).map(|cookie| cookie.value().to_owned())
}

fn with_policy(mut cookie: Cookie<'static>, max_age: Duration, secure: bool) -> Cookie<'static> {
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(secure.then_some(true));
    cookie.set_max_age(cookie::time::Duration::try_from(max_age).ok());
    cookie
}

/// A `Set-Cookie` header: `Path=/; HttpOnly; SameSite=Lax`, plus `Secure`
/// over https, and never a `Domain`, so it stays with this exact host.
/// `value` holds only characters a cookie value allows (the app's own).
pub fn set(name: &str, value: &str, max_age: Duration, secure: bool) -> HeaderValue {
    let cookie = with_policy(Cookie::new(name.to_owned(), value.to_owned()), max_age, secure);
    HeaderValue::from_str(&cookie.to_string())
        .expect("cookie names and values are chosen by the app from safe characters")
}

/// The header that makes the browser forget cookie `name`.
pub fn removal(name: &str, secure: bool) -> HeaderValue {
    set(name, "", Duration::ZERO, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::from_hex(&"42".repeat(32)).unwrap()
    }

    fn request_with(cookie: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        headers
    }

    /// The `name=value` part of a `Set-Cookie` header, as a browser sends it back.
    fn sent_back(set_cookie: &HeaderValue) -> String {
        set_cookie.to_str().unwrap().split(';').next().unwrap().to_owned()
    }

    #[test]
    fn a_signed_value_verifies_and_yields_the_value() {
        let set = key().set_signed("visitor", "abc123", Duration::from_secs(60), false);
        assert_eq!(key().verified(&request_with(&sent_back(&set)), "visitor").as_deref(), Some("abc123"));
    }

    #[test]
    fn a_tampered_value_an_unsigned_value_or_another_keys_signature_does_not_verify() {
        let signed = sent_back(&key().set_signed("visitor", "abc123", Duration::from_secs(60), false));
        assert_eq!(key().verified(&request_with(&signed.replace("abc123", "abc124")), "visitor"), None);
        assert_eq!(key().verified(&request_with("visitor=abc123"), "visitor"), None);
        let other = SecretKey::from_hex(&"43".repeat(32)).unwrap();
        let forged = sent_back(&other.set_signed("visitor", "abc123", Duration::from_secs(60), false));
        assert_eq!(key().verified(&request_with(&forged), "visitor"), None);
    }

    #[test]
    fn a_malformed_hex_key_is_refused_without_echoing_it() {
        for text in ["abcd", &"zz".repeat(32), &"é".repeat(32)] {
            let message = SecretKey::from_hex(text).unwrap_err();
            assert!(!message.contains(text), "{message}");
        }
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
        assert_eq!(std::fs::read_to_string(&path).unwrap().trim().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    /// Instances started together on a new machine all end up with one key,
    /// and no file but the key is left behind.
    #[test]
    fn instances_creating_the_key_file_at_once_share_one_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("data/secret.key");
            let start = std::sync::Barrier::new(8);
            let keys: Vec<SecretKey> = std::thread::scope(|scope| {
                let racers: Vec<_> = (0..8)
                    .map(|_| {
                        scope.spawn(|| {
                            start.wait();
                            SecretKey::load_or_create(&path).unwrap()
                        })
                    })
                    .collect();
                racers.into_iter().map(|racer| racer.join().unwrap()).collect()
            });
            assert!(keys.iter().all(|key| *key == keys[0]));
            assert_eq!(SecretKey::load_or_create(&path).unwrap(), keys[0]);
            assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 1);
        }
    }

    #[test]
    fn a_cookie_is_found_among_several_headers_and_pairs() {
        let mut headers = request_with("a=1; theme=dark");
        headers.append(header::COOKIE, HeaderValue::from_static("b=2;c=3"));
        assert_eq!(get(&headers, "theme").as_deref(), Some("dark"));
        assert_eq!(get(&headers, "c").as_deref(), Some("3"));
        assert_eq!(get(&headers, "the"), None);
    }

    #[test]
    fn every_cookie_is_http_only_lax_site_wide_and_secure_only_over_https() {
        for header in
            [set("n", "v", Duration::from_secs(60), false), key().set_signed("n", "v", Duration::from_secs(60), false)]
        {
            let text = header.to_str().unwrap();
            for part in ["Path=/", "Max-Age=60", "HttpOnly", "SameSite=Lax"] {
                assert!(text.split("; ").any(|p| p == part), "{part} missing from {text}");
            }
            assert!(!text.contains("Secure") && !text.contains("Domain"), "{text}");
        }
        let secure = set("n", "v", Duration::from_secs(60), true);
        assert!(secure.to_str().unwrap().split("; ").any(|p| p == "Secure"), "{secure:?}");
        assert!(removal("n", false).to_str().unwrap().contains("Max-Age=0"));
    }
}
