//! Joining compressed pieces into one brotli or gzip stream, with no
//! compressor running per response.
//!
//! The text between a kept page's holes is compressed once per encoding,
//! each piece as a stream of its own that refers to nothing before it and
//! ends on a byte boundary ([`brotli_piece`], [`deflate_piece`]). A response
//! is those pieces' bytes with the counts between them as stored
//! (uncompressed) blocks, framed as one stream ([`BrotliJoin`],
//! [`GzipJoin`]): valid brotli and gzip that any decoder reads.
//!
//! Both formats are written least significant bit first; each constant and
//! header below says which bits it sets.

use std::io::Write;

use bytes::Bytes;

// A brotli stream (RFC 7932) starts with its window size; `0x6b 0x00` is a
// 4 MiB window (the bits 1, 101), then an empty metadata meta-block (0, 11,
// 0, 00) and zero padding, which leaves the stream byte aligned for the
// first piece.
const BROTLI_START: [u8; 2] = [0x6b, 0x00];
// The last meta-block: ISLAST and ISLASTEMPTY, then padding.
const BROTLI_END: u8 = 0x03;

// A gzip member's header (RFC 1952): deflate, no flags, no time, unknown OS.
const GZIP_START: [u8; 10] = [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];
// The last deflate block: BFINAL 1, stored, empty.
const DEFLATE_END: [u8; 5] = [0x01, 0x00, 0x00, 0xff, 0xff];

/// The most bytes one stored block holds in either format.
pub const MAX_STORED: usize = 1 << 16;

/// One piece of text as brotli meta-blocks with no stream header and no end,
/// starting and ending on a byte boundary, referring to nothing before
/// itself ("catable"): pieces and stored blocks can follow one another.
pub fn brotli_piece(text: &[u8]) -> Bytes {
    // Quality 3: measured on a list item (380 bytes), the same size as
    // quality 5 in half the time (16 against 32 µs), which a list page pays
    // for 41 pieces after every publish. From quality 5 with a window of
    // 64 KiB or less, brotli switches to a hasher that costs 500 µs a piece.
    let params = brotli::enc::BrotliEncoderParams {
        quality: 3,
        lgwin: 22,
        size_hint: text.len(),
        catable: true,
        bare_stream: true,
        byte_align: true,
        appendable: true,
        use_dictionary: false,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(text.len() / 3 + 16);
    {
        let mut writer = brotli::CompressorWriter::with_params(&mut out, 4096, &params);
        // Writing into a Vec cannot fail.
        let _ = writer.write_all(text);
    }
    Bytes::from(out)
}

/// One piece of text as raw deflate blocks from a compressor of its own,
/// ending with a sync flush: byte aligned, referring to nothing before it.
pub fn deflate_piece(text: &[u8]) -> Bytes {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::with_capacity(text.len() / 3 + 16), flate2::Compression::new(6));
    // Writing into a Vec cannot fail; `flush` ends on a byte boundary.
    let _ = encoder.write_all(text);
    let _ = encoder.flush();
    // Taken before the encoder is dropped: dropping it would write a final
    // block, into the emptied vector.
    Bytes::from(std::mem::take(encoder.get_mut()))
}

/// A response being joined from a kept page's pieces: text compressed
/// ahead of time, and bytes stored as they are between the pieces.
pub trait Join {
    /// Adds a piece of `text`, as `compressed` ahead of time for this
    /// encoding.
    fn piece(&mut self, text: &[u8], compressed: &[u8]);
    /// Adds `bytes` as they are.
    fn stored(&mut self, bytes: &[u8]);
    /// The whole response.
    fn finish(self) -> Bytes;
}

/// No encoding: the text itself, and the stored bytes between.
impl Join for Vec<u8> {
    fn piece(&mut self, text: &[u8], _: &[u8]) {
        self.extend_from_slice(text);
    }

    fn stored(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    fn finish(self) -> Bytes {
        Bytes::from(self)
    }
}

/// A brotli stream being joined from pieces and stored bytes.
pub struct BrotliJoin(Vec<u8>);

impl BrotliJoin {
    /// A new stream, with room for about `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity + BROTLI_START.len() + 1);
        out.extend_from_slice(&BROTLI_START);
        BrotliJoin(out)
    }
}

impl Join for BrotliJoin {
    /// Adds a piece made by [`brotli_piece`].
    fn piece(&mut self, _: &[u8], compressed: &[u8]) {
        self.0.extend_from_slice(compressed);
    }

    /// Adds `bytes` (1 to [`MAX_STORED`] of them) as an uncompressed
    /// meta-block: ISLAST 0 (bit 0), four length nibbles (MNIBBLES 0, bits 1
    /// and 2), MLEN - 1 in bits 3 to 18, ISUNCOMPRESSED 1 (bit 19), padding
    /// to the byte; then the bytes themselves.
    fn stored(&mut self, bytes: &[u8]) {
        debug_assert!(!bytes.is_empty() && bytes.len() <= MAX_STORED);
        let header = (((bytes.len() - 1) as u32) << 3) | (1 << 19);
        self.0.extend_from_slice(&header.to_le_bytes()[..3]);
        self.0.extend_from_slice(bytes);
    }

    /// The whole stream, with its last meta-block.
    fn finish(mut self) -> Bytes {
        self.0.push(BROTLI_END);
        Bytes::from(self.0)
    }
}

/// A gzip member being joined from pieces and stored bytes.
pub struct GzipJoin {
    out: Vec<u8>,
    crc: flate2::Crc,
}

impl GzipJoin {
    /// A new member, with room for about `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity + GZIP_START.len() + DEFLATE_END.len() + 8);
        out.extend_from_slice(&GZIP_START);
        GzipJoin { out, crc: flate2::Crc::new() }
    }
}

impl Join for GzipJoin {
    /// Adds a piece made by [`deflate_piece`] from `text`, which the
    /// member's checksum covers.
    fn piece(&mut self, text: &[u8], compressed: &[u8]) {
        self.crc.update(text);
        self.out.extend_from_slice(compressed);
    }

    /// Adds `bytes` (at most [`MAX_STORED`] - 1 of them) as a stored block:
    /// BFINAL 0, BTYPE 00, padding, then LEN and its complement.
    fn stored(&mut self, bytes: &[u8]) {
        debug_assert!(bytes.len() < MAX_STORED);
        self.crc.update(bytes);
        let len = bytes.len() as u16;
        self.out.push(0x00);
        self.out.extend_from_slice(&len.to_le_bytes());
        self.out.extend_from_slice(&(!len).to_le_bytes());
        self.out.extend_from_slice(bytes);
    }

    /// The whole member: the last block, then the checksum and the length.
    fn finish(mut self) -> Bytes {
        self.out.extend_from_slice(&DEFLATE_END);
        self.out.extend_from_slice(&self.crc.sum().to_le_bytes());
        self.out.extend_from_slice(&self.crc.amount().to_le_bytes());
        Bytes::from(self.out)
    }
}

/// Decoders that share no code with the encoders above (brotli's
/// reference C library; libflate's own inflater), so a mistake common to
/// an encoder and its own decoder cannot pass these tests.
#[cfg(test)]
pub(super) mod decode {
    use std::io::Read;

    /// `stream` decoded as brotli.
    pub fn brotli(stream: &[u8]) -> Result<Vec<u8>, std::io::Error> {
        let mut out = Vec::new();
        brotlic::DecompressorReader::new(stream).read_to_end(&mut out)?;
        Ok(out)
    }

    /// `member` decoded as gzip, its checksum and length checked.
    pub fn gzip(member: &[u8]) -> Result<Vec<u8>, std::io::Error> {
        let mut out = Vec::new();
        libflate::gzip::Decoder::new(member)?.read_to_end(&mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parts` joined both ways: text parts compressed, the others stored.
    fn joined(parts: &[(bool, &[u8])]) -> (Bytes, Bytes) {
        let mut brotli = BrotliJoin::new(0);
        let mut gzip = GzipJoin::new(0);
        for (compressed, bytes) in parts {
            if *compressed {
                brotli.piece(bytes, &brotli_piece(bytes));
                gzip.piece(bytes, &deflate_piece(bytes));
            } else {
                brotli.stored(bytes);
                gzip.stored(bytes);
            }
        }
        (brotli.finish(), gzip.finish())
    }

    fn check(parts: &[(bool, &[u8])]) {
        let expected: Vec<u8> = parts.iter().flat_map(|(_, bytes)| bytes.iter().copied()).collect();
        let (brotli, gzip) = joined(parts);
        assert_eq!(decode::brotli(&brotli).expect("valid brotli"), expected);
        assert_eq!(decode::gzip(&gzip).expect("valid gzip, checksum included"), expected);
    }

    #[test]
    fn pieces_and_stored_bytes_join_into_one_stream_in_order() {
        check(&[(true, b"<p>"), (false, b"1234"), (true, b" likes</p><p>"), (false, b"7"), (true, b"</p>")]);
    }

    #[test]
    fn a_stream_of_nothing_or_of_stored_bytes_alone_decodes() {
        check(&[]);
        check(&[(false, b"0")]);
        check(&[(false, b"12"), (false, b"34")]);
        check(&[(true, b"")]);
    }

    #[test]
    fn long_pieces_that_repeat_within_themselves_and_the_largest_stored_blocks_decode() {
        let long = "<p>words that repeat, and some that do not: 1, 2, 3.</p>".repeat(2_000);
        let stored = vec![b'9'; MAX_STORED - 1];
        check(&[(true, long.as_bytes()), (false, &stored), (true, long.as_bytes())]);
        // Brotli's stored block holds one byte more than deflate's.
        let mut brotli = BrotliJoin::new(0);
        brotli.stored(&vec![b'8'; MAX_STORED]);
        assert_eq!(decode::brotli(&brotli.finish()).unwrap(), vec![b'8'; MAX_STORED]);
    }

    #[test]
    fn a_wrong_checksum_is_caught_by_the_other_decoder() {
        let (_, gzip) = joined(&[(true, b"text"), (false, b"1")]);
        let mut broken = gzip.to_vec();
        let at = broken.len() - 8;
        broken[at] ^= 1;
        assert!(decode::gzip(&broken).is_err());
    }
}
