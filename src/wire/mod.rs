//! How values cross between the server and the browser: the answers and
//! errors of server functions, and the props of the islands every page loads.
//!
//! On the wire it is JSON, as the HTTP API documents. The server writes and
//! reads it with serde_json. The browser uses [`json`], a small reader of
//! our own for the JSON that serde_json writes: with the islands'
//! props read the same way (`ui::island`), serde_json's parser, number
//! formatting and error messages leave the client (`bench/RESULTS.md` has
//! what that saved, and what a published reader would cost instead). The
//! browser only ever reads our own answers back.
//!
//! Invariant: whatever the server writes, the browser reads back as the same
//! value (`json`'s tests hold it to serde_json's output for every type that
//! crosses).

use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType, codec::Post};
use serde::{Serialize, de::DeserializeOwned};

#[cfg(any(not(feature = "ssr"), test))]
pub mod json;
pub mod page;

/// Why a value could not be written or read.
#[cfg(feature = "ssr")]
pub type Error = serde_json::Error;
/// Why a value could not be written or read.
#[cfg(not(feature = "ssr"))]
pub type Error = json::Error;

/// Writes `value` as JSON: on the server, the only side that writes.
#[cfg(feature = "ssr")]
pub fn to_string<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value)
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

    /// On the server: serde_json. The browser only reads answers, never
    /// writes one (server functions take their arguments as a form), so it
    /// carries no JSON writer, and this refuses.
    fn encode(value: &T) -> Result<Bytes, Error> {
        #[cfg(feature = "ssr")]
        return to_string(value).map(Bytes::from);
        #[cfg(not(feature = "ssr"))]
        {
            let _ = value;
            Err(json::Error)
        }
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
