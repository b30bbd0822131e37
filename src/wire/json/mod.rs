//! The browser's JSON: a reader for the values the server sends, as a serde
//! deserializer. The browser never writes JSON (the server writes it with
//! serde_json), so there is no writer here.
//!
//! It covers what those values are made of: `null`, booleans, integers that
//! fit in 64 bits, strings with every JSON escape, arrays, objects, options
//! and enums in serde's default (externally tagged) form. Numbers with a
//! fraction or an exponent are refused: nothing that crosses holds a float,
//! and leaving them out keeps float parsing and formatting out of the client.
//! An object's unknown fields are skipped, floats among them.
//!
//! Errors carry no message: the browser turns any of them into
//! `AppError::Network` ("could not read the server's answer"), and messages
//! would bring serde's formatting of what was expected back into the client.

mod read;
#[cfg(test)]
mod tests;

use serde::de::{self, DeserializeOwned};

use self::read::Reader;

/// The text was not JSON of the expected shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not JSON of the expected shape")
    }
}

impl std::error::Error for Error {}

// Every constructor is overridden so that none formats its arguments.
impl de::Error for Error {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Error
    }
    fn invalid_type(_: de::Unexpected, _: &dyn de::Expected) -> Self {
        Error
    }
    fn invalid_value(_: de::Unexpected, _: &dyn de::Expected) -> Self {
        Error
    }
    fn invalid_length(_: usize, _: &dyn de::Expected) -> Self {
        Error
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        Error
    }
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        Error
    }
    fn missing_field(_: &'static str) -> Self {
        Error
    }
    fn duplicate_field(_: &'static str) -> Self {
        Error
    }
}

type Result<T> = std::result::Result<T, Error>;

/// Reads a `T` from `text`, which must hold one JSON value and nothing else
/// but whitespace.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T> {
    let mut reader = Reader::new(text);
    let value = T::deserialize(&mut reader)?;
    reader.finish()?;
    Ok(value)
}
