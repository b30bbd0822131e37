//! The reader: serde's `Deserializer` over JSON text.

use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::{Error, Result};

/// A reader over one JSON text.
pub(super) struct Reader<'de> {
    text: &'de str,
    at: usize,
}

impl<'de> Reader<'de> {
    /// A reader at the start of `text`.
    pub(super) fn new(text: &'de str) -> Self {
        Reader { text, at: 0 }
    }

    /// Succeeds when nothing but whitespace is left.
    pub(super) fn finish(&mut self) -> Result<()> {
        self.skip_whitespace();
        if self.at == self.text.len() { Ok(()) } else { Err(Error) }
    }

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
