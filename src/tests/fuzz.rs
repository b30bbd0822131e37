//! A fuzz test of every server function's form decoding and validation:
//! thousands of generated forms, from plausible to hostile, and none may
//! get a 5xx or bring the server down.
//!
//! The generator is a seeded xorshift, so a failure names its seed and
//! replays exactly.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};

use super::TestApp;
use crate::server::registry;

/// Cases per server function. Enough to hit every piece below many times
/// in every position; a few seconds in all.
const CASES: u64 = 400;

/// Values that have broken decoders before: numbers at and past the edges,
/// booleans spelled oddly, escapes that decode to invalid UTF-8 or NUL,
/// markup, very long text, nested and empty keys.
const NASTY: [&str; 24] = [
    "",
    "0",
    "1",
    "-1",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1e3",
    "0x10",
    "true",
    "false",
    "TRUE",
    "%FF%FE",
    "%00",
    "%C3",
    "%E2%82",
    "<script>alert(1)</script>",
    "%2F%2Fevil.example",
    "dark",
    "system",
    "+",
    "%25",
    "a&b=c",
    "é😀",
];

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One generated form body for a function whose fields are `fields`.
fn generate(rng: &mut XorShift, fields: &[&str]) -> Vec<u8> {
    if rng.below(10) == 0 {
        // Raw bytes, anything at all.
        return (0..rng.below(300)).map(|_| rng.next() as u8).collect();
    }
    let mut parts = Vec::new();
    for _ in 0..rng.below(6) {
        let name = match rng.below(8) {
            0 => "id[]".to_owned(),
            1 => format!("{}[x][y]", fields[rng.below(fields.len())]),
            2 => "unknown".to_owned(),
            3 => String::new(),
            _ => fields[rng.below(fields.len())].to_owned(),
        };
        let value = match rng.below(4) {
            0 => "x".repeat(rng.below(12_000)),
            _ => NASTY[rng.below(NASTY.len())].to_owned(),
        };
        parts.push(format!("{name}={value}"));
    }
    parts.join("&").into_bytes()
}

/// The same form as a `multipart/form-data` body, as a browser sends a form
/// that can carry a file: each `name=value` a part (its bytes as they
/// are), sometimes a file part with an image, a hostile file or noise, and
/// sometimes the body cut short or its parts malformed.
fn as_multipart(rng: &mut XorShift, form: &[u8]) -> (String, Vec<u8>) {
    use crate::server::services::images::tests::{html_behind_png_signature, jpeg, png_claiming, truncated_jpeg};

    const BOUNDARY: &str = "fuzzBoundary7MA4YWxk";
    let mut body = Vec::new();
    for pair in form.split(|byte| *byte == b'&').filter(|pair| !pair.is_empty()) {
        let at = pair.iter().position(|byte| *byte == b'=').unwrap_or(pair.len());
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"").as_bytes());
        body.extend_from_slice(&pair[..at]);
        body.extend_from_slice(b"\"\r\n\r\n");
        body.extend_from_slice(pair.get(at + 1..).unwrap_or_default());
        body.extend_from_slice(b"\r\n");
    }
    if rng.below(2) == 0 {
        let file = match rng.below(5) {
            0 => jpeg(8 + rng.below(40) as u32, 8 + rng.below(40) as u32),
            1 => html_behind_png_signature(),
            2 => png_claiming(30_000, 30_000),
            3 => truncated_jpeg(),
            _ => (0..rng.below(2_000)).map(|_| rng.next() as u8).collect(),
        };
        let name = if rng.below(4) == 0 { "photo" } else { "image" };
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"a.jpg\"\r\n\
                 Content-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&file);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    if rng.below(8) == 0 {
        body.truncate(rng.below(body.len() + 1));
    }
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_generated_form_gets_a_server_error_from_any_server_function() {
    let app = TestApp::spawn().await;
    app.insert_post("Existing", "text").await;
    let mut seen = std::collections::BTreeMap::<u16, u64>::new();
    // Every server function in the registry, with the fields it declares.
    for (index, endpoint) in registry::all().iter().enumerate() {
        let (path, fields) = (endpoint.path, endpoint.fields);
        for case in 0..CASES {
            let seed = 0x9E37_79B9_7F4A_7C15 ^ ((index as u64) << 32 | case);
            let mut rng = XorShift(seed);
            let body = generate(&mut rng, fields);
            let accept = if rng.below(2) == 0 { "application/json" } else { "text/html" };
            // A form for a function that takes a file is often multipart;
            // one for any other, now and then (it must be a 415).
            let multipart = rng.below(if endpoint.file.is_some() { 2 } else { 20 }) == 0;
            let (content_type, body) = if multipart {
                as_multipart(&mut rng, &body)
            } else {
                ("application/x-www-form-urlencoded".to_owned(), body)
            };
            let res = app
                .send(
                    Request::post(path)
                        .header(header::CONTENT_TYPE, content_type)
                        .header(header::ACCEPT, accept)
                        .body(Body::from(body.clone()))
                        .unwrap(),
                )
                .await;
            assert!(
                !res.status.is_server_error(),
                "seed {seed:#x}: {path} answered {} to {:?}: {}",
                res.status,
                String::from_utf8_lossy(&body).chars().take(200).collect::<String>(),
                res.body
            );
            *seen.entry(res.status.as_u16()).or_default() += 1;
        }
    }
    // The generator must reach both sides of the checks, or it proves little.
    assert!(seen.contains_key(&StatusCode::BAD_REQUEST.as_u16()), "{seen:?}");
    assert!(seen.contains_key(&StatusCode::UNSUPPORTED_MEDIA_TYPE.as_u16()), "{seen:?}");
    assert!(seen.keys().any(|status| (200..400).contains(status)), "{seen:?}");
    eprintln!("statuses over {} generated forms: {seen:?}", CASES * registry::all().len() as u64);
}

/// The live stream's one input is the position it resumes after, in
/// `Last-Event-ID` or `?after=`: whatever a client puts there, the stream
/// opens (an unreadable position counts as none) or is told to reload, and
/// nothing gets a 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_position_a_client_sends_gets_a_server_error_from_the_live_stream() {
    let app = TestApp::spawn().await;
    app.browser().publish("Existing", "text").await;
    let head = app.number("SELECT max(seq) FROM changes", &[]).await;
    let mut rng = XorShift(0x51_7E_A4_11);
    let mut seen = std::collections::BTreeMap::<String, u64>::new();
    for case in 0..CASES {
        let nasty = NASTY[rng.below(NASTY.len())];
        let digits = rng.next().to_string();
        let value =
            if rng.below(2) == 0 { nasty.to_owned() } else { format!("{}{nasty}", &digits[..rng.below(digits.len())]) };
        let (header_value, query) = if case % 2 == 0 {
            (axum::http::HeaderValue::from_str(&value).ok(), String::new())
        } else {
            (None, format!("?after={value}"))
        };
        let Ok(uri) = format!("/live{query}").parse::<axum::http::Uri>() else {
            continue;
        };
        let mut request = Request::get(uri).body(Body::empty()).unwrap();
        if let Some(header_value) = header_value {
            request.headers_mut().insert("last-event-id", header_value);
        }
        request.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([10, 0, 0, 1], 1))));
        let mut stream = super::live::Stream::from_response(
            tower::ServiceExt::oneshot(app.router.clone(), request).await.expect("router is infallible"),
        );
        assert!(!stream.status.is_server_error(), "case {case}: {value:?} got {}", stream.status);
        assert_eq!(stream.status, StatusCode::OK, "case {case}: {value:?}");
        // A readable position gets what came after it, or a reload; an
        // unreadable one, nothing until the next change.
        let opened = match value.trim().parse::<i64>() {
            Ok(at) if at == head => Some("nothing to catch up".to_owned()),
            Ok(at) if at >= 0 => Some(stream.next().await.map(|event| event.kind).unwrap_or_default()),
            _ => None,
        };
        *seen.entry(format!("{opened:?}")).or_default() += 1;
    }
    // Both kinds of answer were reached.
    assert!(seen.keys().any(|kind| kind.contains("reload")), "{seen:?}");
    assert!(seen.contains_key("None"), "{seen:?}");
    eprintln!("live stream positions: {seen:?}");
}
