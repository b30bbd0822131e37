//! The browser's JSON: a reader and a writer for the values that cross
//! between server and browser, as serde (de)serializers.
//!
//! It covers what those values are made of: `null`, booleans, integers that
//! fit in 64 bits, strings with every JSON escape, arrays, objects, options
//! and enums in serde's default (externally tagged) form. Numbers with a
//! fraction or an exponent are refused: nothing that crosses holds a float,
//! and leaving them out keeps float parsing and formatting out of the client.
//! An object's unknown fields are skipped, floats among them. The writer
//! writes exactly what serde_json writes for the same value.
//!
//! Errors carry no message: the browser turns any of them into
//! `AppError::Network` ("could not read the server's answer"), and messages
//! would bring serde's formatting of what was expected back into the client.

use std::borrow::Cow;

use serde::{
    Serialize,
    de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor},
    ser,
};

/// The text was not JSON of the expected shape, or a value cannot be
/// written as JSON (a float, bytes, a map with keys that are not strings).
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

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Error
    }
}

type Result<T> = std::result::Result<T, Error>;

/// Reads a `T` from `text`, which must hold one JSON value and nothing else
/// but whitespace.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T> {
    let mut reader = Reader { text, at: 0 };
    let value = T::deserialize(&mut reader)?;
    reader.skip_whitespace();
    if reader.at == text.len() { Ok(value) } else { Err(Error) }
}

/// Writes `value` as JSON, as serde_json would.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut writer = Writer { out: String::new() };
    value.serialize(&mut writer)?;
    Ok(writer.out)
}

struct Reader<'de> {
    text: &'de str,
    at: usize,
}

impl<'de> Reader<'de> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Result<u8> {
        let byte = self.peek().ok_or(Error)?;
        self.at += 1;
        Ok(byte)
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    /// The first byte of the next value, after whitespace.
    fn start(&mut self) -> Result<u8> {
        self.skip_whitespace();
        self.peek().ok_or(Error)
    }

    /// Consumes `byte`, after whitespace.
    fn expect(&mut self, byte: u8) -> Result<()> {
        if self.start()? == byte {
            self.at += 1;
            Ok(())
        } else {
            Err(Error)
        }
    }

    fn word(&mut self, word: &str) -> Result<()> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(Error)
        }
    }

    /// Checks that an object's key (a string) comes next, after whitespace.
    fn key_next(&mut self) -> Result<()> {
        if self.start()? == b'"' { Ok(()) } else { Err(Error) }
    }

    /// A string, the reader at its opening quote. Borrowed from the text
    /// when it has no escapes.
    fn string(&mut self) -> Result<Cow<'de, str>> {
        self.at += 1;
        let start = self.at;
        let mut owned = String::new();
        let mut run = start;
        loop {
            match self.next()? {
                b'"' => {
                    let tail = self.text.get(run..self.at - 1).ok_or(Error)?;
                    if run == start {
                        return Ok(Cow::Borrowed(tail));
                    }
                    owned.push_str(tail);
                    return Ok(Cow::Owned(owned));
                }
                b'\\' => {
                    owned.push_str(self.text.get(run..self.at - 1).ok_or(Error)?);
                    owned.push(self.escape()?);
                    run = self.at;
                }
                0..0x20 => return Err(Error),
                _ => {}
            }
        }
    }

    /// The character an escape stands for, the reader after its backslash.
    fn escape(&mut self) -> Result<char> {
        Ok(match self.next()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&unit) {
                    // A leading surrogate must be followed by its trailing one.
                    self.word("\\u")?;
                    let low = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return Err(Error);
                    }
                    0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    unit
                };
                char::from_u32(code).ok_or(Error)?
            }
            _ => return Err(Error),
        })
    }

    fn hex4(&mut self) -> Result<u32> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = char::from(self.next()?).to_digit(16).ok_or(Error)?;
            value = value * 16 + digit;
        }
        Ok(value)
    }

    /// An integer, given to the visitor as `i64` if negative, else `u64`.
    fn integer<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let digits = self.digits();
        if digits.is_empty() || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return Err(Error);
        }
        let mut magnitude: u64 = 0;
        for digit in digits.bytes() {
            magnitude = magnitude.checked_mul(10).and_then(|m| m.checked_add(u64::from(digit - b'0'))).ok_or(Error)?;
        }
        if !negative {
            visitor.visit_u64(magnitude)
        } else if magnitude <= i64::MIN.unsigned_abs() {
            visitor.visit_i64(0i64.wrapping_sub_unsigned(magnitude))
        } else {
            Err(Error)
        }
    }

    fn digits(&mut self) -> &'de str {
        let start = self.at;
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
        &self.text[start..self.at]
    }

    /// Skips one value of any kind, floats included.
    fn skip(&mut self) -> Result<()> {
        match self.start()? {
            b'"' => self.string().map(drop),
            b'[' | b'{' => {
                let close = if self.next()? == b'[' { b']' } else { b'}' };
                let mut first = true;
                while self.start()? != close {
                    if !first {
                        self.expect(b',')?;
                    }
                    first = false;
                    if close == b'}' {
                        self.key_next()?;
                        self.string()?;
                        self.expect(b':')?;
                    }
                    self.skip()?;
                }
                self.at += 1;
                Ok(())
            }
            b'-' | b'0'..=b'9' => {
                if self.peek() == Some(b'-') {
                    self.at += 1;
                }
                if self.digits().is_empty() {
                    return Err(Error);
                }
                if self.peek() == Some(b'.') {
                    self.at += 1;
                    if self.digits().is_empty() {
                        return Err(Error);
                    }
                }
                if matches!(self.peek(), Some(b'e' | b'E')) {
                    self.at += 1;
                    if matches!(self.peek(), Some(b'+' | b'-')) {
                        self.at += 1;
                    }
                    if self.digits().is_empty() {
                        return Err(Error);
                    }
                }
                Ok(())
            }
            b't' => self.word("true"),
            b'f' => self.word("false"),
            b'n' => self.word("null"),
            _ => Err(Error),
        }
    }
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.start()? {
            b'n' => {
                self.word("null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.word("true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.word("false")?;
                visitor.visit_bool(false)
            }
            b'"' => match self.string()? {
                Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
                Cow::Owned(text) => visitor.visit_string(text),
            },
            b'-' | b'0'..=b'9' => self.integer(visitor),
            b'[' => {
                self.at += 1;
                let value = visitor.visit_seq(Items { reader: &mut *self, close: b']', first: true })?;
                self.expect(b']')?;
                Ok(value)
            }
            b'{' => {
                self.at += 1;
                let value = visitor.visit_map(Items { reader: &mut *self, close: b'}', first: true })?;
                self.expect(b'}')?;
                Ok(value)
            }
            _ => Err(Error),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.start()? == b'n' {
            self.word("null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.start()? {
            // A unit variant: its name.
            b'"' => match self.string()? {
                Cow::Borrowed(name) => visitor.visit_enum(name.into_deserializer()),
                Cow::Owned(name) => visitor.visit_enum(name.into_deserializer()),
            },
            // Any other variant: an object with one key, its name.
            b'{' => {
                self.at += 1;
                let value = visitor.visit_enum(Variant { reader: &mut *self })?;
                self.expect(b'}')?;
                Ok(value)
            }
            _ => Err(Error),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip()?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier
    }
}

/// The elements of an array or the entries of an object.
struct Items<'a, 'de> {
    reader: &'a mut Reader<'de>,
    close: u8,
    first: bool,
}

impl Items<'_, '_> {
    /// Whether another item follows, consuming the comma before it.
    fn more(&mut self) -> Result<bool> {
        if self.reader.start()? == self.close {
            return Ok(false);
        }
        if !self.first {
            self.reader.expect(b',')?;
        }
        self.first = false;
        Ok(true)
    }
}

impl<'de> de::SeqAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.more()? { seed.deserialize(&mut *self.reader).map(Some) } else { Ok(None) }
    }
}

impl<'de> de::MapAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if !self.more()? {
            return Ok(None);
        }
        self.reader.key_next()?;
        seed.deserialize(&mut *self.reader).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        self.reader.expect(b':')?;
        seed.deserialize(&mut *self.reader)
    }
}

/// A variant written as `{"Name": value}`, the reader after the `{`.
struct Variant<'a, 'de> {
    reader: &'a mut Reader<'de>,
}

impl<'de> de::EnumAccess<'de> for Variant<'_, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        self.reader.key_next()?;
        let name = seed.deserialize(&mut *self.reader)?;
        self.reader.expect(b':')?;
        Ok((name, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        de::Deserialize::deserialize(&mut *self.reader)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(&mut *self.reader)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_any(&mut *self.reader, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_any(&mut *self.reader, visitor)
    }
}

struct Writer {
    out: String,
}

impl Writer {
    fn string(&mut self, text: &str) {
        self.out.push('"');
        for c in text.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                '\u{8}' => self.out.push_str("\\b"),
                '\u{c}' => self.out.push_str("\\f"),
                '\0'..='\u{1f}' => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let byte = c as usize;
                    self.out.push_str("\\u00");
                    self.out.push(char::from(HEX[byte >> 4]));
                    self.out.push(char::from(HEX[byte & 15]));
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn integer(&mut self, value: impl std::fmt::Display) {
        use std::fmt::Write;
        let _ = write!(self.out, "{value}");
    }

    /// Opens `{"variant":`, for the variants that are not unit variants.
    fn open_variant(&mut self, variant: &str) {
        self.out.push('{');
        self.string(variant);
        self.out.push(':');
    }
}

/// The writer inside an array or an object: whether a comma comes first,
/// and how many closing brackets end it (two for a variant's).
struct Compound<'a> {
    writer: &'a mut Writer,
    first: bool,
    close: &'static str,
}

impl Compound<'_> {
    /// The comma before every item but the first.
    fn separate(&mut self) {
        if !self.first {
            self.writer.out.push(',');
        }
        self.first = false;
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.separate();
        value.serialize(&mut *self.writer)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<()> {
        self.separate();
        self.writer.string(key);
        self.writer.out.push(':');
        value.serialize(&mut *self.writer)
    }

    fn close(self) -> Result<()> {
        self.writer.out.push_str(self.close);
        Ok(())
    }
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, value: bool) -> Result<()> {
        self.out.push_str(if value { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, value: i8) -> Result<()> {
        self.serialize_i64(value.into())
    }
    fn serialize_i16(self, value: i16) -> Result<()> {
        self.serialize_i64(value.into())
    }
    fn serialize_i32(self, value: i32) -> Result<()> {
        self.serialize_i64(value.into())
    }
    fn serialize_i64(self, value: i64) -> Result<()> {
        self.integer(value);
        Ok(())
    }
    fn serialize_u8(self, value: u8) -> Result<()> {
        self.serialize_u64(value.into())
    }
    fn serialize_u16(self, value: u16) -> Result<()> {
        self.serialize_u64(value.into())
    }
    fn serialize_u32(self, value: u32) -> Result<()> {
        self.serialize_u64(value.into())
    }
    fn serialize_u64(self, value: u64) -> Result<()> {
        self.integer(value);
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<()> {
        Err(Error)
    }
    fn serialize_f64(self, _: f64) -> Result<()> {
        Err(Error)
    }
    fn serialize_char(self, value: char) -> Result<()> {
        self.string(value.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, value: &str) -> Result<()> {
        self.string(value);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<()> {
        Err(Error)
    }
    fn serialize_none(self) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.string(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push('}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>> {
        self.out.push('[');
        Ok(Compound { writer: self, first: true, close: "]" })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Compound<'a>> {
        self.open_variant(variant);
        self.out.push('[');
        Ok(Compound { writer: self, first: true, close: "]}" })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        // Nothing that crosses holds a map, and JSON would need its keys to
        // be strings, which a map's type does not promise: refused.
        Err(Error)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>> {
        self.out.push('{');
        Ok(Compound { writer: self, first: true, close: "}" })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>> {
        self.open_variant(variant);
        self.out.push('{');
        Ok(Compound { writer: self, first: true, close: "}}" })
    }
}

// Arrays (sequences, tuples and a tuple variant's fields) and objects (a
// struct's or a struct variant's fields): the same writer behind serde's
// seven names for them, less maps, which are refused above.
macro_rules! items {
    ($($kind:ident :: $method:ident),*) => {$(
        impl ser::$kind for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.item(value)
            }
            fn end(self) -> Result<()> {
                self.close()
            }
        }
    )*};
}

macro_rules! fields {
    ($($kind:ident),*) => {$(
        impl ser::$kind for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
                self.field(key, value)
            }
            fn end(self) -> Result<()> {
                self.close()
            }
        }
    )*};
}

items!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);
fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use serde::{Deserialize, de::DeserializeOwned};

    use super::*;
    use crate::{
        domain::{Flash, LikeState, PostDetail, PostDraft, PostFieldErrors, PostPage, PostSummary, Theme},
        error::AppError,
    };

    /// Text that needs every kind of escape, and characters outside the
    /// basic plane (written as themselves by serde_json, but accepted as
    /// surrogate pairs too).
    const AWKWARD: &str = "\"quoted\" \\ back / slash\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f} é ✓ 🦀 </script>";

    /// serde_json writes `value`; `json` reads it back as the same value,
    /// and writes it exactly as serde_json does.
    fn crosses<T: Serialize + DeserializeOwned + PartialEq + Clone + std::fmt::Debug>(value: T) {
        let written = serde_json::to_string(&value).unwrap();
        assert_eq!(from_str::<T>(&written), Ok(value.clone()) as Result<T>, "reading {written}");
        assert_eq!(to_string(&value).unwrap(), written);
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        assert_eq!(from_str::<T>(&pretty), Ok(value) as Result<T>, "reading {pretty}");
    }

    fn summary(id: i64, title: &str) -> PostSummary {
        PostSummary { id, title: title.into(), excerpt: AWKWARD.into(), like_count: i64::MAX, view_count: 0 }
    }

    #[test]
    fn every_answer_a_server_function_gives_crosses_unchanged() {
        crosses(LikeState { liked: true, like_count: 42 });
        crosses(LikeState { liked: false, like_count: -1 });
        crosses(7_i64);
        crosses(i64::MIN);
        crosses(Some(Theme::Dark));
        crosses(None::<Theme>);
        crosses(PostPage {
            posts: vec![summary(3, AWKWARD), summary(2, ""), summary(1, "plain")],
            next_before: Some(1),
        });
        crosses(PostPage { posts: Vec::new(), next_before: None });
        crosses(PostDetail {
            id: 9,
            title: AWKWARD.into(),
            content: "line one\n\nline two".into(),
            like_count: 1,
            view_count: 2,
            liked: true,
            is_author: false,
        });
        crosses(PostDraft {
            title: AWKWARD.into(),
            content: String::new(),
            errors: PostFieldErrors { title: Some("Title is required".into()), content: None },
            alert: Some(AppError::TooManyRequests { retry_after_secs: 3 }),
        });
        crosses(Flash::Published);
        crosses(());
    }

    #[test]
    fn every_error_crosses_unchanged() {
        for error in [
            AppError::BadRequest(AWKWARD.into()),
            AppError::Invalid(PostFieldErrors { title: None, content: Some("Content is required".into()) }),
            AppError::Forbidden,
            AppError::NotFound,
            AppError::Conflict,
            AppError::PayloadTooLarge,
            AppError::UnsupportedMediaType,
            AppError::RequestTimeout,
            AppError::TooManyRequests { retry_after_secs: u64::MAX },
            AppError::Unavailable,
            AppError::Internal { reference: "0f3a".into() },
            AppError::Network,
        ] {
            crosses(error);
        }
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    enum Shapes {
        Pair(i8, u16),
        Chars(Vec<char>),
    }

    #[test]
    fn tuple_variants_and_small_integers_cross_and_out_of_range_ones_are_refused() {
        crosses(Shapes::Pair(-128, 65535));
        crosses(Shapes::Chars(vec!['a', '"', '🦀']));
        assert_eq!(from_str::<Shapes>(r#"{"Pair":[128,0]}"#), Err(Error));
        assert_eq!(from_str::<u8>("-1"), Err(Error));
        assert_eq!(from_str::<i64>("9223372036854775808"), Err(Error));
        assert_eq!(from_str::<i64>("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(from_str::<u64>("18446744073709551616"), Err(Error));
    }

    #[test]
    fn surrogate_pairs_are_read_and_lone_surrogates_refused() {
        assert_eq!(from_str::<String>(r#""\ud83e\udd80 \u00e9\u0041""#).as_deref(), Ok("🦀 éA"));
        assert_eq!(from_str::<String>(r#""\ud83e""#), Err(Error));
        assert_eq!(from_str::<String>(r#""\ud83e\u0041""#), Err(Error));
        assert_eq!(from_str::<String>(r#""\udd80""#), Err(Error));
        assert_eq!(from_str::<String>(r#""\u12""#), Err(Error));
    }

    #[test]
    fn malformed_text_is_refused_rather_than_misread() {
        for text in [
            "",
            " ",
            r#"{"liked":true,"like_count":1"#,
            r#"{"liked":true,"like_count":1}}"#,
            r#"{"liked":true,"like_count":1} x"#,
            r#"{"liked":true,,"like_count":1}"#,
            r#"{"liked":true,"like_count":1,}"#,
            r#"{"liked":tru,"like_count":1}"#,
            r#"{"liked":true "like_count":1}"#,
            r#"{liked:true,"like_count":1}"#,
            r#"{"liked":true,"like_count":1.5}"#,
            r#"{"liked":true,"like_count":1e3}"#,
            r#"{"liked":true,"like_count":"1"}"#,
            r#"{"liked":true,"like_count":-}"#,
            r#"{"liked":true}"#,
            r#"[true,1]x"#,
        ] {
            assert_eq!(from_str::<LikeState>(text), Err(Error), "{text:?}");
        }
        for text in ["\"tab\there\"", "\"unterminated", r#""bad \x escape""#, "\"\\"] {
            assert_eq!(from_str::<String>(text), Err(Error), "{text:?}");
        }
        assert_eq!(from_str::<AppError>(r#""Teapot""#), Err(Error));
        assert_eq!(from_str::<AppError>(r#"{"Internal":{"reference":"r"},"NotFound":null}"#), Err(Error));
    }

    #[test]
    fn unknown_fields_of_any_kind_are_skipped() {
        let text = r#"{"extra":[1.5e-3,{"a":[null,true,false,"x\"y"]},-0.25E+2],
            "liked" : true , "like_count" : 3, "more": {}}"#;
        assert_eq!(from_str::<LikeState>(text), Ok(LikeState { liked: true, like_count: 3 }));
        assert_eq!(from_str::<LikeState>(r#"{"extra":1.,"liked":true,"like_count":3}"#), Err(Error));
    }

    #[test]
    fn floats_and_maps_are_refused_when_written() {
        assert_eq!(to_string(&1.5_f64), Err(Error));
        assert_eq!(to_string(&std::collections::BTreeMap::from([("a", 1)])), Err(Error));
    }
}
