//! A rendered page kept with holes where the counts go.
//!
//! Counts change with every like and view, far more often than the text
//! around them. So a kept page is the text of a render, cut where each count
//! was printed; serving it prints the counts of that moment into the holes.
//! A like or a view then changes no kept page, and every request still shows
//! the counts as they stand.
//!
//! How the holes are found: a render meant for keeping carries a [`Holes`]
//! in its request. The server functions the page calls while it renders
//! (`list_posts`, `get_post`) give every count as a placeholder number from
//! it instead of the count. The placeholders are 19-digit numbers starting
//! from a random base drawn for that render, so no text a visitor wrote
//! before the render can contain one, and the page is cut wherever one is
//! printed, in text and in island props alike.
//!
//! The text between holes is compressed once per encoding (brotli, gzip),
//! each piece as a stream of its own that refers to nothing before it. A
//! response is the pieces' compressed bytes with the counts between them as
//! stored (uncompressed) blocks: valid brotli and gzip, built with no
//! compressor running per request.

use std::{
    io::Write,
    sync::{Arc, Mutex, OnceLock},
};

use axum::{body::Bytes, http::HeaderValue};

use crate::domain::{PostDetail, PostPage};

/// What a hole shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hole {
    /// How many visitors like post `id`.
    Likes(i64),
    /// How many times post `id` was viewed.
    Views(i64),
}

impl Hole {
    /// The post whose count this is.
    pub fn post(self) -> i64 {
        match self {
            Hole::Likes(id) | Hole::Views(id) => id,
        }
    }
}

/// The placeholders handed out during one render, in a request's
/// extensions. Cloning shares them.
#[derive(Debug, Clone)]
pub struct Holes(Arc<Mutex<Placeholders>>);

#[derive(Debug)]
struct Placeholders {
    /// The first placeholder: 19 digits, random per render.
    base: i64,
    /// The hole of placeholder `base + i` at `i`.
    holes: Vec<Hole>,
}

impl Default for Holes {
    fn default() -> Self {
        Holes::new()
    }
}

impl Holes {
    /// A fresh set, with a random base.
    pub fn new() -> Self {
        let mut bytes = [0u8; 8];
        // Without the OS's randomness, the time still makes a base no one
        // could have typed into a post in advance.
        if getrandom::fill(&mut bytes).is_err() {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            bytes = (nanos.as_nanos() as u64).to_le_bytes();
        }
        // 10^18 ..= 9 * 10^18: always 19 digits, with room above for every
        // placeholder a page could need.
        let base = 1_000_000_000_000_000_000 + (u64::from_le_bytes(bytes) % 8_000_000_000_000_000_000) as i64;
        Holes(Arc::new(Mutex::new(Placeholders { base, holes: Vec::new() })))
    }

    /// The placeholder that stands for `hole`.
    pub fn placeholder(&self, hole: Hole) -> i64 {
        let mut placeholders = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let index = match placeholders.holes.iter().position(|known| *known == hole) {
            Some(index) => index,
            None => {
                placeholders.holes.push(hole);
                placeholders.holes.len() - 1
            }
        };
        placeholders.base + index as i64
    }

    /// `page` with placeholders for its counts.
    pub fn punch_page(&self, mut page: PostPage) -> PostPage {
        for post in &mut page.posts {
            post.like_count = self.placeholder(Hole::Likes(post.id));
            post.view_count = self.placeholder(Hole::Views(post.id));
        }
        page
    }

    /// `post` with placeholders for its counts.
    pub fn punch_post(&self, mut post: PostDetail) -> PostDetail {
        post.like_count = self.placeholder(Hole::Likes(post.id));
        post.view_count = self.placeholder(Hole::Views(post.id));
        post
    }

    /// The first placeholder, and the hole of each from there.
    fn known(&self) -> (i64, Vec<Hole>) {
        let placeholders = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        (placeholders.base, placeholders.holes.clone())
    }
}

/// A page cut at its holes, and its pieces compressed once per encoding.
#[derive(Debug)]
pub struct KeptPage {
    /// Its media type, as rendered.
    pub content_type: HeaderValue,
    pieces: Vec<Piece>,
    brotli: OnceLock<Vec<Bytes>>,
    gzip: OnceLock<Vec<Bytes>>,
}

#[derive(Debug)]
enum Piece {
    Text(Bytes),
    Hole(Hole),
}

/// The encodings a kept page is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `br`.
    Brotli,
    /// `gzip`.
    Gzip,
    /// None.
    Identity,
}

impl KeptPage {
    /// Cuts `html` wherever a placeholder of `holes` is printed: at every
    /// run of exactly 19 digits that is one of its numbers.
    pub fn cut(content_type: HeaderValue, html: &[u8], holes: &Holes) -> KeptPage {
        let (base, known) = holes.known();
        let mut found: Vec<(usize, usize, Hole)> = Vec::new();
        let mut at = 0;
        while at < html.len() {
            if !html[at].is_ascii_digit() {
                at += 1;
                continue;
            }
            let start = at;
            while at < html.len() && html[at].is_ascii_digit() {
                at += 1;
            }
            if at - start != 19 {
                continue;
            }
            // 19 ASCII digits always parse as a u64.
            let number = std::str::from_utf8(&html[start..at]).ok().and_then(|digits| digits.parse::<u64>().ok());
            let index = number.and_then(|number| number.checked_sub(base as u64));
            if let Some(hole) = index.and_then(|index| known.get(index as usize)) {
                found.push((start, at, *hole));
            }
        }
        let mut pieces = Vec::with_capacity(found.len() * 2 + 1);
        let mut at = 0;
        for (start, end, hole) in found {
            if start > at {
                pieces.push(Piece::Text(Bytes::copy_from_slice(&html[at..start])));
            }
            pieces.push(Piece::Hole(hole));
            at = end;
        }
        if at < html.len() {
            pieces.push(Piece::Text(Bytes::copy_from_slice(&html[at..])));
        }
        KeptPage { content_type, pieces, brotli: OnceLock::new(), gzip: OnceLock::new() }
    }

    /// The holes, in page order (a post's may come more than once).
    pub fn holes(&self) -> impl Iterator<Item = Hole> + '_ {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Hole(hole) => Some(*hole),
            Piece::Text(_) => None,
        })
    }

    /// How many bytes the page keeps in memory at most: its text, and a
    /// compressed copy per encoding once asked for.
    pub fn weight(&self) -> usize {
        let text: usize = self.texts().map(|text| text.len()).sum();
        let compressed =
            |copy: &OnceLock<Vec<Bytes>>| copy.get().map_or(0, |pieces| pieces.iter().map(Bytes::len).sum());
        text + compressed(&self.brotli) + compressed(&self.gzip)
    }

    fn texts(&self) -> impl Iterator<Item = &Bytes> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Text(text) => Some(text),
            Piece::Hole(_) => None,
        })
    }

    /// The page with `count` of each hole printed in it, in `encoding`.
    pub fn fill(&self, encoding: Encoding, count: impl Fn(Hole) -> i64) -> Bytes {
        match encoding {
            Encoding::Identity => {
                let mut out = Vec::with_capacity(self.texts().map(Bytes::len).sum::<usize>() + 64);
                for piece in &self.pieces {
                    match piece {
                        Piece::Text(text) => out.extend_from_slice(text),
                        Piece::Hole(hole) => out.extend_from_slice(count(*hole).to_string().as_bytes()),
                    }
                }
                Bytes::from(out)
            }
            Encoding::Brotli => {
                let texts = self.brotli.get_or_init(|| self.texts().map(|text| brotli_piece(text)).collect());
                let mut out = Vec::with_capacity(texts.iter().map(Bytes::len).sum::<usize>() + 64);
                out.extend_from_slice(&BROTLI_START);
                let mut texts = texts.iter();
                for piece in &self.pieces {
                    match piece {
                        Piece::Text(_) => out.extend_from_slice(texts.next().map_or(&[][..], |text| text)),
                        Piece::Hole(hole) => brotli_stored(&mut out, count(*hole).to_string().as_bytes()),
                    }
                }
                out.push(BROTLI_END);
                Bytes::from(out)
            }
            Encoding::Gzip => {
                let texts = self.gzip.get_or_init(|| self.texts().map(|text| deflate_piece(text)).collect());
                let mut out = Vec::with_capacity(texts.iter().map(Bytes::len).sum::<usize>() + 64);
                out.extend_from_slice(&GZIP_START);
                let mut crc = flate2::Crc::new();
                let mut raw = self.texts();
                let mut texts = texts.iter();
                for piece in &self.pieces {
                    match piece {
                        Piece::Text(_) => {
                            crc.update(raw.next().map_or(&[][..], |text| text));
                            out.extend_from_slice(texts.next().map_or(&[][..], |text| text));
                        }
                        Piece::Hole(hole) => {
                            let digits = count(*hole).to_string();
                            crc.update(digits.as_bytes());
                            deflate_stored(&mut out, digits.as_bytes());
                        }
                    }
                }
                // The last block (empty, stored), then the CRC and length.
                out.extend_from_slice(&[0x01, 0x00, 0x00, 0xff, 0xff]);
                out.extend_from_slice(&crc.sum().to_le_bytes());
                out.extend_from_slice(&crc.amount().to_le_bytes());
                Bytes::from(out)
            }
        }
    }
}

// Brotli (RFC 7932) is written least significant bit first.
//
// A stream starts with its window size; `0x6b 0x00` is a 4 MiB window (the
// bits 1, 101), then an empty metadata meta-block (0, 11, 0, 00) and zero
// padding, which leaves the stream byte aligned for the first piece.
const BROTLI_START: [u8; 2] = [0x6b, 0x00];
// The last meta-block: ISLAST and ISLASTEMPTY, then padding.
const BROTLI_END: u8 = 0x03;

/// One piece of text as brotli meta-blocks with no stream header and no end,
/// starting and ending on a byte boundary, referring to nothing before
/// itself ("catable"): pieces and stored blocks can follow one another.
fn brotli_piece(text: &[u8]) -> Bytes {
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

/// `bytes` (at most 64 KiB) as an uncompressed brotli meta-block: ISLAST 0
/// (bit 0), four length nibbles (MNIBBLES 0, bits 1 and 2), MLEN - 1 in
/// bits 3 to 18, ISUNCOMPRESSED 1 (bit 19), padding to the byte; then the
/// bytes themselves.
fn brotli_stored(out: &mut Vec<u8>, bytes: &[u8]) {
    debug_assert!(!bytes.is_empty() && bytes.len() <= 1 << 16);
    let header = (((bytes.len() - 1) as u32) << 3) | (1 << 19);
    out.extend_from_slice(&header.to_le_bytes()[..3]);
    out.extend_from_slice(bytes);
}

// A gzip member's header (RFC 1952): deflate, no flags, no time, unknown OS.
const GZIP_START: [u8; 10] = [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];

/// One piece of text as raw deflate blocks from a compressor of its own,
/// ending with a sync flush: byte aligned, referring to nothing before it.
fn deflate_piece(text: &[u8]) -> Bytes {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::with_capacity(text.len() / 3 + 16), flate2::Compression::new(6));
    // Writing into a Vec cannot fail; `flush` ends on a byte boundary.
    let _ = encoder.write_all(text);
    let _ = encoder.flush();
    // Taken before the encoder is dropped: dropping it would write a final
    // block, into the emptied vector.
    Bytes::from(std::mem::take(encoder.get_mut()))
}

/// `bytes` (at most 64 KiB) as a stored deflate block: BFINAL 0, BTYPE 00,
/// padding, then LEN and its complement.
fn deflate_stored(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = bytes.len() as u16;
    out.push(0x00);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::domain::PostSummary;

    fn page_with(ids: &[i64]) -> PostPage {
        PostPage {
            posts: ids
                .iter()
                .map(|&id| PostSummary {
                    id,
                    title: format!("Post {id}"),
                    excerpt: "text".into(),
                    like_count: 7,
                    view_count: 9,
                })
                .collect(),
            next_before: None,
        }
    }

    /// A page rendered from `page` the way the views print counts, some of
    /// them twice (as text and inside an island's props).
    fn render(page: &PostPage) -> String {
        let mut html = String::from("<!DOCTYPE html><html><body><ol>");
        for post in &page.posts {
            html.push_str(&format!(
                "<li><a href=\"/posts/{id}\">{title}</a> <span>{likes} likes</span> <span>{views} views</span>\
                 <leptos-island data-props='{{\"like_count\":{likes}}}'></leptos-island></li>",
                id = post.id,
                title = post.title,
                likes = post.like_count,
                views = post.view_count,
            ));
        }
        html.push_str("</ol></body></html>");
        html
    }

    fn counts(hole: Hole) -> i64 {
        match hole {
            Hole::Likes(id) => id * 10,
            Hole::Views(id) => id * 100 + 1,
        }
    }

    fn kept(ids: &[i64]) -> (KeptPage, String) {
        let holes = Holes::new();
        let punched = holes.punch_page(page_with(ids));
        let kept = KeptPage::cut(HeaderValue::from_static("text/html"), render(&punched).as_bytes(), &holes);
        let mut filled = page_with(ids);
        for post in &mut filled.posts {
            post.like_count = counts(Hole::Likes(post.id));
            post.view_count = counts(Hole::Views(post.id));
        }
        (kept, render(&filled))
    }

    #[test]
    fn a_kept_page_serves_the_counts_it_is_given_in_every_encoding() {
        let (kept, expected) = kept(&[3, 2, 1]);
        assert_eq!(kept.holes().count(), 9, "likes twice and views once per post");

        let identity = kept.fill(Encoding::Identity, counts);
        assert_eq!(String::from_utf8(identity.to_vec()).unwrap(), expected);

        let brotli = kept.fill(Encoding::Brotli, counts);
        let mut decoded = String::new();
        brotli::Decompressor::new(&brotli[..], 4096).read_to_string(&mut decoded).expect("valid brotli");
        assert_eq!(decoded, expected);

        let gzip = kept.fill(Encoding::Gzip, counts);
        let mut decoded = String::new();
        flate2::read::GzDecoder::new(&gzip[..]).read_to_string(&mut decoded).expect("valid gzip, CRC included");
        assert_eq!(decoded, expected);

        // Other counts, the same pieces.
        let other = kept.fill(Encoding::Brotli, |_| 0);
        let mut decoded = String::new();
        brotli::Decompressor::new(&other[..], 4096).read_to_string(&mut decoded).unwrap();
        assert!(decoded.contains("<span>0 likes</span>") && !decoded.contains("30 likes"));
    }

    #[test]
    fn a_page_without_holes_or_with_nothing_between_them_still_decodes() {
        let holes = Holes::new();
        let a = holes.placeholder(Hole::Likes(1));
        let b = holes.placeholder(Hole::Views(1));
        for html in ["<p>no counts</p>".to_string(), format!("{a}<b>{b}"), format!("{a} {b}"), String::new()] {
            let kept = KeptPage::cut(HeaderValue::from_static("text/html"), html.as_bytes(), &holes);
            let expected = html.replace(&a.to_string(), "10").replace(&b.to_string(), "101");
            let mut decoded = String::new();
            brotli::Decompressor::new(&kept.fill(Encoding::Brotli, counts)[..], 4096)
                .read_to_string(&mut decoded)
                .unwrap();
            assert_eq!(decoded, expected, "brotli of {html:?}");
            let mut decoded = String::new();
            flate2::read::GzDecoder::new(&kept.fill(Encoding::Gzip, counts)[..]).read_to_string(&mut decoded).unwrap();
            assert_eq!(decoded, expected, "gzip of {html:?}");
        }
    }

    #[test]
    fn a_long_page_in_many_pieces_decodes() {
        let holes = Holes::new();
        let ids: Vec<i64> = (1..=40).rev().collect();
        let punched = holes.punch_page(page_with(&ids));
        let mut html = render(&punched);
        html.insert_str(
            0,
            &"<p>A paragraph of a long page, with words that repeat and some that do not: 1, 2, 3.</p>".repeat(300),
        );
        let kept = KeptPage::cut(HeaderValue::from_static("text/html"), html.as_bytes(), &holes);
        let mut decoded = String::new();
        brotli::Decompressor::new(&kept.fill(Encoding::Brotli, counts)[..], 4096).read_to_string(&mut decoded).unwrap();
        assert_eq!(decoded.as_bytes(), &kept.fill(Encoding::Identity, counts)[..]);
        let mut decoded = String::new();
        flate2::read::GzDecoder::new(&kept.fill(Encoding::Gzip, counts)[..]).read_to_string(&mut decoded).unwrap();
        assert_eq!(decoded.as_bytes(), &kept.fill(Encoding::Identity, counts)[..]);
    }

    #[test]
    fn digits_that_only_contain_a_placeholder_are_not_a_hole() {
        let holes = Holes::new();
        let likes = holes.placeholder(Hole::Likes(1));
        let html = format!("<p>{likes}</p><p>9{likes}</p><p>{likes}0</p>");
        let kept = KeptPage::cut(HeaderValue::from_static("text/html"), html.as_bytes(), &holes);
        assert_eq!(kept.holes().count(), 1);
        let filled = kept.fill(Encoding::Identity, |_| 5);
        assert_eq!(filled, format!("<p>5</p><p>9{likes}</p><p>{likes}0</p>"));
    }

    #[test]
    fn placeholders_are_nineteen_digits_and_one_per_hole() {
        let holes = Holes::new();
        let first = holes.placeholder(Hole::Likes(4));
        assert_eq!(first.to_string().len(), 19);
        assert_eq!(holes.placeholder(Hole::Likes(4)), first);
        assert_eq!(holes.placeholder(Hole::Views(4)), first + 1);
        assert_ne!(Holes::new().placeholder(Hole::Likes(4)), first, "a fresh base per render");
    }
}
