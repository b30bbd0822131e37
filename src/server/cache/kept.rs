//! Pages kept whole, with holes for the counts.
//!
//! A list page (`/`, `/?before=N`) is the same for every visitor in the same
//! theme; a post's page (`/posts/{id}`) is the same for every visitor in the
//! same theme who likes it or not and wrote it or not. So the first request
//! for such a page after a change to what it shows renders it, with
//! placeholders for its counts ([`super::holes`]), and keeps it; the next
//! ones get the kept page with the counts of the moment printed in its
//! holes, until a write revalidates what it shows (`Tag::Posts` for the
//! lists, `Tag::Post(id)` for a post). Likes and views change only counts,
//! so they change no kept page. The ticket rule of the read cache holds here
//! too: a page is kept only if no write revalidated what it shows while it
//! was rendered.
//!
//! However many requests ask at once for a page that is not kept, one
//! renders it and the others wait for it ([`ReadCache::kept_or_render`]).
//! The middleware that serves kept pages is `middleware::kept_pages`.

use std::{
    ops::Range,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU32, Ordering},
    },
};

use bytes::Bytes;
use http::HeaderValue;

use super::{
    ReadCache, Ticket,
    holes::{self, Hole, Holes, Piece},
    splice::{BrotliJoin, GzipJoin, Join, brotli_piece, deflate_piece},
};
use crate::domain::Tag;

/// Which kept page a request is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageKey {
    /// A list page: its address (path and query) and theme.
    List {
        /// `/` or `/?before=N`.
        address: String,
        /// The theme it is rendered in.
        theme: Option<&'static str>,
    },
    /// A post's page, as seen by visitors who do (`liked`) or do not like
    /// it, and who wrote it (`is_author`: Edit and Delete) or did not.
    Post {
        /// The post.
        id: i64,
        /// The theme it is rendered in.
        theme: Option<&'static str>,
        /// Whether the visitor likes it.
        liked: bool,
        /// Whether the visitor wrote it.
        is_author: bool,
    },
}

impl PageKey {
    /// The tag of what the page shows, besides counts.
    pub fn tag(&self) -> Tag {
        match self {
            PageKey::List { .. } => Tag::Posts,
            PageKey::Post { id, .. } => Tag::Post(*id),
        }
    }
}

/// A page cut at its holes, and its pieces compressed once per encoding.
#[derive(Debug)]
pub struct KeptPage {
    /// Its media type, as rendered.
    pub content_type: HeaderValue,
    pieces: Vec<Piece>,
    /// The pieces of the part that can be served alone, if it has one (a
    /// list page's list: `domain::paths::LIST_PART`).
    part: Option<Range<usize>>,
    brotli: OnceLock<Vec<Bytes>>,
    gzip: OnceLock<Vec<Bytes>>,
    /// How many times the texts were compressed: once per encoding asked
    /// for, however many requests ask.
    compressions: AtomicU32,
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
    /// `html`, as rendered with `holes`, cut at them, and at the edges of
    /// `part` (bytes of `html`), which can then be served alone. Neither
    /// edge may fall inside a count (they are at tags).
    pub fn cut(content_type: HeaderValue, html: &[u8], holes: &Holes, part: Option<Range<usize>>) -> KeptPage {
        let part = part.filter(|part| part.start <= part.end && part.end <= html.len());
        let (pieces, part) = match part {
            Some(part) => {
                let mut pieces = holes::cut(&html[..part.start], holes);
                let first = pieces.len();
                pieces.extend(holes::cut(&html[part.clone()], holes));
                let last = pieces.len();
                pieces.extend(holes::cut(&html[part.end..], holes));
                (pieces, Some(first..last))
            }
            None => (holes::cut(html, holes), None),
        };
        let compressions = AtomicU32::new(0);
        KeptPage { content_type, pieces, part, brotli: OnceLock::new(), gzip: OnceLock::new(), compressions }
    }

    /// How many times the page's texts were compressed, in any encoding.
    pub fn compressions(&self) -> u32 {
        self.compressions.load(Ordering::Relaxed)
    }

    /// The texts compressed with `compress`, counted.
    fn compressed(&self, compress: fn(&[u8]) -> Bytes) -> Vec<Bytes> {
        self.compressions.fetch_add(1, Ordering::Relaxed);
        self.texts().map(|text| compress(text)).collect()
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
    /// A count is printed as its decimal digits, whole.
    pub fn fill(&self, encoding: Encoding, count: impl Fn(Hole) -> i64) -> Bytes {
        self.fill_pieces(0..self.pieces.len(), encoding, count)
    }

    /// The part that can be served alone, filled as [`Self::fill`] fills
    /// the page; `None` if the page has none. The same compressed pieces
    /// serve both.
    pub fn fill_part(&self, encoding: Encoding, count: impl Fn(Hole) -> i64) -> Option<Bytes> {
        let part = self.part.clone()?;
        Some(self.fill_pieces(part, encoding, count))
    }

    fn fill_pieces(&self, range: Range<usize>, encoding: Encoding, count: impl Fn(Hole) -> i64) -> Bytes {
        let capacity = |texts: &[Bytes]| texts.iter().map(Bytes::len).sum::<usize>() + 64;
        match encoding {
            Encoding::Identity => {
                let text = self.texts().map(Bytes::len).sum::<usize>() + 64;
                self.join(range, Vec::with_capacity(text), &[], count)
            }
            Encoding::Brotli => {
                let compressed = self.brotli.get_or_init(|| self.compressed(brotli_piece));
                self.join(range, BrotliJoin::new(capacity(compressed)), compressed, count)
            }
            Encoding::Gzip => {
                let compressed = self.gzip.get_or_init(|| self.compressed(deflate_piece));
                self.join(range, GzipJoin::new(capacity(compressed)), compressed, count)
            }
        }
    }

    /// The pieces in `range` into `out`: each text with its `compressed`
    /// copy (none for the identity), each hole's count stored between them.
    fn join(
        &self,
        range: Range<usize>,
        mut out: impl Join,
        compressed: &[Bytes],
        count: impl Fn(Hole) -> i64,
    ) -> Bytes {
        // The compressed copies are of the texts alone, in order.
        let texts_before = self.pieces[..range.start].iter().filter(|piece| matches!(piece, Piece::Text(_))).count();
        let mut compressed = compressed.iter().skip(texts_before);
        for piece in &self.pieces[range] {
            match piece {
                Piece::Text(text) => out.piece(text, compressed.next().map_or(&[][..], |piece| piece)),
                Piece::Hole(hole) => out.stored(count(*hole).to_string().as_bytes()),
            }
        }
        out.finish()
    }
}

/// What a request for a page that may be kept gets.
pub enum Kept<'a> {
    /// The page, kept.
    Page(Arc<KeptPage>),
    /// Nothing kept: this request renders the page, and requests for it
    /// meanwhile wait for this one to finish, then look again.
    Render(RenderTurn<'a>),
}

/// The right to render a page to keep, held until the render is kept or
/// given up (also when the request is dropped half-way).
pub struct RenderTurn<'a> {
    cache: &'a ReadCache,
    key: PageKey,
    _rendering: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for RenderTurn<'_> {
    fn drop(&mut self) {
        // Before the guard is released: whoever it wakes finds no render
        // under way, and either the kept page or its own turn.
        self.cache.lock().renders.remove(&self.key);
    }
}

/// Kept pages in the read cache.
impl ReadCache {
    /// The kept page for `key`, if any.
    pub fn kept(&self, key: &PageKey) -> Option<Arc<KeptPage>> {
        self.lock().kept.get(key).cloned()
    }

    /// The kept page for `key`, or the turn to render it. However many
    /// requests ask at once for a page that is not kept, one renders it
    /// and the others wait for that render rather than each rendering it:
    /// after a publish, every reader of `/` would otherwise render it. A
    /// waiter gets the page only if it was kept, that is, if no write
    /// revalidated it during the render; otherwise it takes a turn itself.
    pub async fn kept_or_render(&self, key: &PageKey) -> Kept<'_> {
        loop {
            let under_way = {
                let mut inner = self.lock();
                if let Some(page) = inner.kept.get(key) {
                    return Kept::Page(page.clone());
                }
                match inner.renders.get(key) {
                    Some(render) => render.clone(),
                    None => {
                        let render = Arc::new(tokio::sync::Mutex::new(()));
                        let Ok(rendering) = render.clone().try_lock_owned() else {
                            unreachable!("a new mutex is unlocked");
                        };
                        inner.renders.insert(key.clone(), render);
                        return Kept::Render(RenderTurn { cache: self, key: key.clone(), _rendering: rendering });
                    }
                }
            };
            drop(under_way.lock().await);
        }
    }

    /// Keeps a page rendered under `ticket` (taken for `key.tag()`), unless
    /// a write has revalidated what it shows since.
    pub fn keep(&self, key: PageKey, page: Arc<KeptPage>, ticket: Ticket) {
        let slot = self.slot(key.tag());
        let mut inner = self.lock();
        if Ticket(inner.generations[slot]) == ticket {
            inner.kept.insert(key, page);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::splice::decode;
    use super::*;
    use crate::domain::{Count, PostPage, PostSummary};

    fn page_with(ids: &[i64]) -> PostPage {
        PostPage {
            posts: ids
                .iter()
                .map(|&id| PostSummary {
                    id,
                    title: format!("Post {id}"),
                    excerpt: "text".into(),
                    like_count: Count::from(7),
                    view_count: Count::from(9),
                    image: None,
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
        let kept = KeptPage::cut(HeaderValue::from_static("text/html"), render(&punched).as_bytes(), &holes, None);
        let mut filled = page_with(ids);
        for post in &mut filled.posts {
            post.like_count = Count::from(counts(Hole::Likes(post.id)));
            post.view_count = Count::from(counts(Hole::Views(post.id)));
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
        let decoded = String::from_utf8(decode::brotli(&brotli).expect("valid brotli")).unwrap();
        assert_eq!(decoded, expected);

        let gzip = kept.fill(Encoding::Gzip, counts);
        let decoded = String::from_utf8(decode::gzip(&gzip).expect("valid gzip, CRC included")).unwrap();
        assert_eq!(decoded, expected);

        // Other counts, the same pieces.
        let other = kept.fill(Encoding::Brotli, |_| 0);
        let decoded = String::from_utf8(decode::brotli(&other).unwrap()).unwrap();
        assert!(decoded.contains("<span>0 likes</span>") && !decoded.contains("30 likes"));
    }

    #[test]
    fn its_part_is_served_alone_in_every_encoding_and_the_page_stays_whole() {
        let ids = [3, 2, 1];
        let part_of = |html: &str| html.find("<ol>").unwrap()..html.find("</body>").unwrap();
        let holes = Holes::new();
        let punched = render(&holes.punch_page(page_with(&ids)));
        let cut = |part| KeptPage::cut(HeaderValue::from_static("text/html"), punched.as_bytes(), &holes, part);
        let (kept, whole) = (cut(Some(part_of(&punched))), kept(&ids).1);
        let expected = &whole[part_of(&whole)];
        assert!(expected.starts_with("<ol><li>") && expected.ends_with("</ol>") && expected.contains(">30 likes<"));

        let identity = kept.fill_part(Encoding::Identity, counts).expect("a part");
        assert_eq!(String::from_utf8(identity.to_vec()).unwrap(), expected);
        let brotli = kept.fill_part(Encoding::Brotli, counts).unwrap();
        assert_eq!(String::from_utf8(decode::brotli(&brotli).expect("valid brotli")).unwrap(), expected);
        let gzip = kept.fill_part(Encoding::Gzip, counts).unwrap();
        assert_eq!(String::from_utf8(decode::gzip(&gzip).expect("valid gzip")).unwrap(), expected);

        for encoding in [Encoding::Brotli, Encoding::Gzip] {
            let page = kept.fill(encoding, counts);
            let page = if encoding == Encoding::Brotli { decode::brotli(&page) } else { decode::gzip(&page) };
            assert_eq!(String::from_utf8(page.unwrap()).unwrap(), whole, "{encoding:?}: the page, whole");
        }
        assert_eq!(kept.compressions(), 2, "one compression per encoding, for the page and its part");
        assert!(cut(None).fill_part(Encoding::Brotli, counts).is_none(), "no part, none served");
    }

    #[test]
    fn a_page_without_holes_or_with_nothing_between_them_still_decodes() {
        let holes = Holes::new();
        let a = holes.placeholder(Hole::Likes(1));
        let b = holes.placeholder(Hole::Views(1));
        for html in ["<p>no counts</p>".to_string(), format!("{a}<b>{b}"), format!("{a} {b}"), String::new()] {
            let kept = KeptPage::cut(HeaderValue::from_static("text/html"), html.as_bytes(), &holes, None);
            let expected = html.replace(&a.to_string(), "10").replace(&b.to_string(), "101");
            let decoded = String::from_utf8(decode::brotli(&kept.fill(Encoding::Brotli, counts)).unwrap()).unwrap();
            assert_eq!(decoded, expected, "brotli of {html:?}");
            let decoded = String::from_utf8(decode::gzip(&kept.fill(Encoding::Gzip, counts)).unwrap()).unwrap();
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
        let kept = KeptPage::cut(HeaderValue::from_static("text/html"), html.as_bytes(), &holes, None);
        let decoded = String::from_utf8(decode::brotli(&kept.fill(Encoding::Brotli, counts)).unwrap()).unwrap();
        assert_eq!(decoded.as_bytes(), &kept.fill(Encoding::Identity, counts)[..]);
        let decoded = String::from_utf8(decode::gzip(&kept.fill(Encoding::Gzip, counts)).unwrap()).unwrap();
        assert_eq!(decoded.as_bytes(), &kept.fill(Encoding::Identity, counts)[..]);
    }

    fn a_kept_page() -> Arc<KeptPage> {
        let content_type = HeaderValue::from_static("text/html");
        Arc::new(KeptPage::cut(content_type, b"<p>kept</p>", &Holes::new(), None))
    }

    #[tokio::test]
    async fn a_page_asked_for_by_many_at_once_is_rendered_once() {
        let cache = Arc::new(ReadCache::new(10));
        let key = PageKey::List { address: "/".into(), theme: None };
        let Kept::Render(turn) = cache.kept_or_render(&key).await else { panic!("nothing is kept yet") };
        let ticket = cache.ticket(key.tag());
        let waiters: Vec<_> = (0..5)
            .map(|_| {
                let (cache, key) = (cache.clone(), key.clone());
                tokio::spawn(async move { matches!(cache.kept_or_render(&key).await, Kept::Page(_)) })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(waiters.iter().all(|waiter| !waiter.is_finished()), "they wait for the render under way");
        cache.keep(key.clone(), a_kept_page(), ticket);
        drop(turn);
        for waiter in waiters {
            assert!(waiter.await.unwrap(), "each gets the page that render kept");
        }
    }

    #[tokio::test]
    async fn a_render_that_a_write_overtook_is_not_handed_to_those_waiting() {
        let cache = Arc::new(ReadCache::new(10));
        let key = PageKey::List { address: "/".into(), theme: None };
        let Kept::Render(turn) = cache.kept_or_render(&key).await else { panic!("nothing is kept yet") };
        let ticket = cache.ticket(key.tag());
        let waiter = {
            let (cache, key) = (cache.clone(), key.clone());
            tokio::spawn(async move { matches!(cache.kept_or_render(&key).await, Kept::Render(_)) })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        // A publish is answered while the page renders: the render is stale.
        cache.revalidate([Tag::Posts]);
        cache.keep(key.clone(), a_kept_page(), ticket);
        drop(turn);
        assert!(waiter.await.unwrap(), "the waiter renders the page itself");
        assert!(cache.kept(&key).is_none());
    }
}
