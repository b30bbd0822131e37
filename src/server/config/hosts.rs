//! The hosts the site answers for (`security.allowed_hosts`): the names a
//! request's `Host` may carry. A request for any other host is refused
//! before any handler runs (`middleware::hosts`), so a page on another
//! domain that points its name at this server (DNS rebinding) reaches
//! nothing.

use std::net::{IpAddr, SocketAddr};

/// A host name as the configuration may list it, lower-cased: a DNS name,
/// an IPv4 address, or an IPv6 address in brackets. `None` for anything
/// with a scheme, a port, a path or other characters.
pub fn parse(text: &str) -> Option<String> {
    let host = text.trim().to_ascii_lowercase();
    let bracketed =
        host.starts_with('[') && host.ends_with(']') && host[1..host.len() - 1].parse::<std::net::Ipv6Addr>().is_ok();
    let named = !host.is_empty()
        && !host.starts_with('.')
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'));
    (bracketed || named).then_some(host)
}

/// The host part of an authority as a `Host` header carries it
/// (`example.com:3000`, `[::1]:3000`), lower-cased, without its port.
pub fn name_of(authority: &str) -> String {
    let authority = authority.trim();
    let host = match authority.rfind(']') {
        Some(end) if authority.starts_with('[') => &authority[..=end],
        _ => authority.split(':').next().unwrap_or(authority),
    };
    host.to_ascii_lowercase()
}

/// The hosts a site at `site_addr` answers for when the configuration names
/// none: the loopback names, and the address it listens on unless that is
/// every address (then only a list says which names are its own).
pub fn defaults(site_addr: SocketAddr) -> Vec<String> {
    let mut hosts = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "[::1]".to_owned()];
    let own = match site_addr.ip() {
        ip if ip.is_unspecified() || ip.is_loopback() => None,
        IpAddr::V4(ip) => Some(ip.to_string()),
        IpAddr::V6(ip) => Some(format!("[{ip}]")),
    };
    hosts.extend(own);
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_a_name_or_an_address_without_scheme_or_port() {
        assert_eq!(parse("Bulletin.Example").as_deref(), Some("bulletin.example"));
        assert_eq!(parse("192.0.2.7").as_deref(), Some("192.0.2.7"));
        assert_eq!(parse("[::1]").as_deref(), Some("[::1]"));
        for text in
            ["", "https://bulletin.example", "bulletin.example:443", "bulletin.example/x", ".example", "[nope]", "a b"]
        {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn the_name_of_an_authority_leaves_out_its_port() {
        assert_eq!(name_of("Example.COM:3000"), "example.com");
        assert_eq!(name_of("[::1]:3000"), "[::1]");
        assert_eq!(name_of("[::1]"), "[::1]");
        assert_eq!(name_of("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn by_default_the_loopback_names_and_the_listening_address() {
        assert_eq!(defaults("127.0.0.1:3000".parse().unwrap()), ["localhost", "127.0.0.1", "[::1]"]);
        assert_eq!(defaults("192.0.2.7:80".parse().unwrap()), ["localhost", "127.0.0.1", "[::1]", "192.0.2.7"]);
        assert_eq!(defaults("0.0.0.0:80".parse().unwrap()), ["localhost", "127.0.0.1", "[::1]"]);
    }
}
