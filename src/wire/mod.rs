//! How values cross between the server and the browser: the answers and
//! errors of server functions, and the props of the islands every page loads.
//!
//! On the wire it is JSON, as the HTTP API documents. The server writes and
//! reads it with serde_json. The browser uses [`json`], a small reader and
//! writer of our own for the JSON that serde_json writes: with the islands'
//! props read the same way (`ui::island`), serde_json's parser, number
//! formatting and error messages leave the client, 22 KB of its 126 KB of
//! brotli'd `.wasm` (README, "What the client is made of"). The browser only
//! ever reads our own answers back.
//!
//! Invariant: whatever the server writes, the browser reads back as the same
//! value (`json`'s tests hold it to serde_json's output for every type that
//! crosses).

use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType, codec::Post};
use serde::{Serialize, de::DeserializeOwned};

#[cfg(any(not(feature = "ssr"), test))]
pub mod json;

/// Why a value could not be written or read.
#[cfg(feature = "ssr")]
pub type Error = serde_json::Error;
/// Why a value could not be written or read.
#[cfg(not(feature = "ssr"))]
pub type Error = json::Error;

/// Writes `value` as JSON.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, Error> {
    #[cfg(feature = "ssr")]
    return serde_json::to_string(value);
    #[cfg(not(feature = "ssr"))]
    return json::to_string(value);
}

/// Reads a `T` from JSON.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    #[cfg(feature = "ssr")]
    return serde_json::from_str(text);
    #[cfg(not(feature = "ssr"))]
    return json::from_str(text);
}

/// The encoding of server functions' answers and of [`crate::error::AppError`]:
/// `application/json`, read in the browser without serde_json.
pub struct Json;

/// The `output` of every server function: a POST answered with [`Json`].
pub type JsonAnswer = Post<Json>;

impl ContentType for Json {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for Json {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for Json {
    type Error = Error;

    fn encode(value: &T) -> Result<Bytes, Error> {
        to_string(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for Json {
    type Error = Error;

    fn decode(bytes: Bytes) -> Result<T, Error> {
        #[cfg(feature = "ssr")]
        return serde_json::from_slice(&bytes);
        #[cfg(not(feature = "ssr"))]
        return std::str::from_utf8(&bytes).map_err(|_| json::Error).and_then(json::from_str);
    }
}
