//! Web origins, as the configuration lists them (`security.allowed_origins`)
//! and as the origin check compares them.

use std::fmt;

/// A web origin: scheme, host and port, normalised (lower case, default
/// port left out) so equal origins compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: &'static str,
    host: String,
    port: Option<u16>,
}

impl Origin {
    /// Parses `scheme://host[:port]` for http and https, with nothing after.
    pub fn parse(text: &str) -> Option<Origin> {
        let (scheme, rest) = text.split_once("://")?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => "http",
            "https" => "https",
            _ => return None,
        };
        Origin::from_authority(scheme, rest)
    }

    /// The origin of `authority` (`host[:port]`, as in a `Host` header)
    /// reached over `scheme`.
    pub(crate) fn from_authority(scheme: &'static str, authority: &str) -> Option<Origin> {
        let authority = authority.to_ascii_lowercase();
        let (host, port) = match authority.rsplit_once(':') {
            // An IPv6 literal holds colons of its own: [::1]:8080.
            Some((host, port)) if !port.contains(']') => (host.to_owned(), Some(port.parse::<u16>().ok()?)),
            _ => (authority, None),
        };
        let valid_host = !host.is_empty()
            && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
        if !valid_host {
            return None;
        }
        let default = if scheme == "https" { 443 } else { 80 };
        Some(Origin { scheme, host, port: port.filter(|port| *port != default) })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_before_they_are_compared() {
        assert_eq!(Origin::parse("HTTPS://Example.COM:443"), Origin::parse("https://example.com"));
        assert_eq!(Origin::parse("http://localhost:3000").unwrap().to_string(), "http://localhost:3000");
        assert_ne!(Origin::parse("http://example.com"), Origin::parse("https://example.com"));
        assert_ne!(Origin::parse("http://example.com:8080"), Origin::parse("http://example.com"));
        assert_eq!(Origin::parse("http://[::1]:3000").unwrap().to_string(), "http://[::1]:3000");
    }

    #[test]
    fn anything_but_a_bare_http_origin_is_not_an_origin() {
        for text in ["null", "example.com", "ftp://example.com", "http://", "http://exa mple.com", "http://x:99999"] {
            assert_eq!(Origin::parse(text), None, "{text}");
        }
        assert_eq!(Origin::parse("http://example.com/path"), None);
    }
}
