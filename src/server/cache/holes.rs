//! Holes: where a kept page's counts go, and how a render is cut at them.
//!
//! A render meant for keeping carries a [`Holes`] in its request. The reads
//! the page makes while it renders (`services::posts::list_page` and
//! `get`, given those holes) give every count as a placeholder number from
//! it instead of the count. The placeholders are 19-digit numbers starting
//! from a random base drawn for that render, so no text a visitor wrote
//! before the render can contain one, and the page is cut wherever one is
//! printed ([`cut`]), in text and in island props alike. A count reaches
//! the page whole only if nothing computes with it: [`crate::domain::Count`]
//! allows nothing else.

use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::domain::{Count, PostDetail, PostPage};

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
    pub(super) fn placeholder(&self, hole: Hole) -> i64 {
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

    /// The count to print for `hole`: its placeholder.
    fn count(&self, hole: Hole) -> Count {
        Count::from(self.placeholder(hole))
    }

    /// `page` with placeholders for its counts.
    pub fn punch_page(&self, mut page: PostPage) -> PostPage {
        for post in &mut page.posts {
            post.like_count = self.count(Hole::Likes(post.id));
            post.view_count = self.count(Hole::Views(post.id));
        }
        page
    }

    /// `post` with placeholders for its counts.
    pub fn punch_post(&self, mut post: PostDetail) -> PostDetail {
        post.like_count = self.count(Hole::Likes(post.id));
        post.view_count = self.count(Hole::Views(post.id));
        post
    }

    /// The first placeholder, and the hole of each from there.
    fn known(&self) -> (i64, Vec<Hole>) {
        let placeholders = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        (placeholders.base, placeholders.holes.clone())
    }
}

/// A part of a page cut at its holes.
#[derive(Debug)]
pub enum Piece {
    /// Text as rendered.
    Text(Bytes),
    /// Where a count goes.
    Hole(Hole),
}

/// Cuts `html` wherever a placeholder of `holes` is printed: at every run of
/// exactly 19 digits that is one of its numbers.
pub fn cut(html: &[u8], holes: &Holes) -> Vec<Piece> {
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
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_that_only_contain_a_placeholder_are_not_a_hole() {
        let holes = Holes::new();
        let likes = holes.placeholder(Hole::Likes(1));
        let html = format!("<p>{likes}</p><p>9{likes}</p><p>{likes}0</p>");
        let pieces = cut(html.as_bytes(), &holes);
        let shown: Vec<String> = pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => String::from_utf8(text.to_vec()).unwrap(),
                Piece::Hole(hole) => format!("[{hole:?}]"),
            })
            .collect();
        assert_eq!(shown, ["<p>", "[Likes(1)]", &format!("</p><p>9{likes}</p><p>{likes}0</p>")]);
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

    #[test]
    fn punched_counts_are_the_placeholders_of_their_holes() {
        let holes = Holes::new();
        let post = PostDetail {
            id: 3,
            title: "t".into(),
            content: "c".into(),
            like_count: Count::from(5),
            view_count: Count::from(6),
            liked: false,
            is_author: false,
            image: None,
        };
        let punched = holes.punch_post(post);
        assert_eq!(punched.like_count, holes.placeholder(Hole::Likes(3)));
        assert_eq!(punched.view_count, holes.placeholder(Hole::Views(3)));
    }
}
