//! The app's cookie policy, on the `cookie` crate, and signing with the
//! key ([`super::secret`]) the cookies that carry identity.
//!
//! Every cookie the app sets is made by [`set`] or [`SecretKey::set_signed`],
//! which always write `Path=/`, `SameSite=Lax`, `HttpOnly` and, over https,
//! `Secure`, and never a `Domain`: the policy lives in one place. Signing is
//! the crate's signed jar (HMAC-SHA256 over the cookie's value).

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, CookieJar, SameSite};

use super::secret::SecretKey;

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

/// Signing and checking cookies; the key itself is [`super::secret`]'s.
impl SecretKey {
    /// The value of the signed cookie `name` in the request, when its
    /// signature is this key's.
    pub fn verified(&self, headers: &HeaderMap, name: &str) -> Option<String> {
        let mut jar = CookieJar::new();
        jar.add_original(find(headers, name)?.into_owned());
        jar.signed(self.signing()).get(name).map(|cookie| cookie.value().to_owned())
    }

    /// A `Set-Cookie` header for cookie `name` holding `value`, signed, with
    /// the app's policy (see [`set`]).
    pub fn set_signed(&self, name: &str, value: &str, max_age: Duration, secure: bool) -> HeaderValue {
        let mut jar = CookieJar::new();
        jar.signed_mut(self.signing()).add(with_policy(
            Cookie::new(name.to_owned(), value.to_owned()),
            max_age,
            secure,
        ));
        let signed = jar.get(name).map(ToString::to_string).unwrap_or_default();
        HeaderValue::from_str(&signed).expect("a signed cookie is base64 and the app's own name")
    }
}

/// Every cookie of the request's `Cookie` headers, parsed without copying.
fn sent(headers: &HeaderMap) -> impl Iterator<Item = Cookie<'_>> {
    let lines = headers.get_all(header::COOKIE).iter().filter_map(|value| value.to_str().ok());
    lines.flat_map(Cookie::split_parse).flatten()
}

/// The cookie `name` among all the request's `Cookie` headers.
fn find<'a>(headers: &'a HeaderMap, name: &str) -> Option<Cookie<'a>> {
    sent(headers).find(|cookie| cookie.name() == name)
}

/// Takes cookie `name` out of the request's `Cookie` headers, leaving the
/// others as they were sent.
pub fn strip(headers: &mut HeaderMap, name: &str) {
    let others: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && pair.split('=').next().map(str::trim) != Some(name))
        .map(str::to_owned)
        .collect();
    headers.remove(header::COOKIE);
    if let Ok(value) = HeaderValue::from_str(&others.join("; "))
        && !others.is_empty()
    {
        headers.insert(header::COOKIE, value);
    }
}

/// The value of the cookie `name` in the request's `Cookie` headers.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    find(headers, name).map(|cookie| cookie.value().to_owned())
}

/// The `Cookie` header a browser sends after it has kept what `answer` set:
/// the request's cookies, changed, added to or removed by the answer's
/// `Set-Cookie` headers (all of them the app's, for this host and `/`).
/// `None` when no cookie is left.
pub fn jar_after(request: &HeaderMap, answer: &HeaderMap) -> Option<HeaderValue> {
    let mut jar: Vec<Cookie<'_>> = sent(request).collect();
    for set in answer.get_all(header::SET_COOKIE).iter().filter_map(|value| value.to_str().ok()) {
        let Ok(cookie) = Cookie::parse(set) else { continue };
        jar.retain(|kept| kept.name() != cookie.name());
        if !cookie.max_age().is_some_and(|age| age.is_zero()) {
            jar.push(cookie);
        }
    }
    let line = jar.iter().map(|cookie| format!("{}={}", cookie.name(), cookie.value())).collect::<Vec<_>>().join("; ");
    (!line.is_empty()).then(|| HeaderValue::from_str(&line).ok()).flatten()
}

/// The `Set-Cookie` headers of `first` for cookies that `then` does not set
/// again: what a browser keeps of two answers in a row, as one answer.
pub fn not_set_again(first: &HeaderMap, then: &HeaderMap) -> Vec<HeaderValue> {
    let name =
        |value: &HeaderValue| value.to_str().ok().and_then(|set| Cookie::parse(set).ok()).map(|c| c.name().to_owned());
    let set_again: Vec<String> = then.get_all(header::SET_COOKIE).iter().filter_map(name).collect();
    first
        .get_all(header::SET_COOKIE)
        .iter()
        .filter(|value| name(value).is_none_or(|cookie| !set_again.contains(&cookie)))
        .cloned()
        .collect()
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
    fn a_stripped_cookie_is_gone_and_the_others_stay() {
        let mut headers = request_with("a=1; bulletin_flash=junk;theme=dark");
        headers.append(header::COOKIE, HeaderValue::from_static("bulletin_flash=more; b=2"));
        strip(&mut headers, "bulletin_flash");
        assert_eq!(get(&headers, "bulletin_flash"), None);
        assert_eq!(headers.get_all(header::COOKIE).iter().count(), 1);
        assert_eq!(headers[header::COOKIE], "a=1; theme=dark; b=2");
        let mut only = request_with("bulletin_flash=x");
        strip(&mut only, "bulletin_flash");
        assert!(!only.contains_key(header::COOKIE));
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

    #[test]
    fn the_jar_after_an_answer_is_what_a_browser_sends_next() {
        let mut sent = HeaderMap::new();
        sent.append(header::COOKIE, HeaderValue::from_static("a=1; gone=2"));
        sent.append(header::COOKIE, HeaderValue::from_static("b=3"));
        let mut answer = HeaderMap::new();
        answer.append(header::SET_COOKIE, set("a", "new", Duration::from_secs(60), false));
        answer.append(header::SET_COOKIE, removal("gone", false));
        answer.append(header::SET_COOKIE, set("fresh", "4", Duration::from_secs(60), false));
        assert_eq!(jar_after(&sent, &answer).unwrap(), "b=3; a=new; fresh=4");
        assert_eq!(jar_after(&HeaderMap::new(), &HeaderMap::new()), None);

        // Of two answers in a row, the second's cookies win.
        let mut then = HeaderMap::new();
        then.append(header::SET_COOKIE, removal("fresh", false));
        let kept: Vec<String> = not_set_again(&answer, &then).iter().map(sent_back).collect();
        assert_eq!(kept, ["a=new", "gone="]);
    }
}
