//! Posts as the pages show them.

use serde::{Deserialize, Serialize};

use super::Count;

/// How many characters of a post's content the list shows.
pub const EXCERPT_CHARS: usize = 140;

/// How many posts one page of the list holds.
pub const PAGE_SIZE: u32 = 20;

/// The longest side of a post's image as stored, in pixels: larger images
/// are scaled down to it.
pub const IMAGE_MAX_PX: u32 = 1600;

/// The longest side of an image's thumbnail in the list, in pixels (shown
/// at half that in CSS pixels, sharp on a phone's screen).
pub const THUMB_MAX_PX: u32 = 240;

/// A post's image as pages show it: the image and its thumbnail, each a
/// file under its own name that never changes (`/images/{name}`), the
/// description its author wrote, and the image's size in pixels, so the
/// page keeps its place before the file arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostImage {
    /// The image's file name.
    pub name: String,
    /// The thumbnail's file name.
    pub thumb: String,
    /// The description (alt text).
    pub alt: String,
    /// The image's width in pixels.
    pub width: u32,
    /// The image's height in pixels.
    pub height: u32,
}

impl PostImage {
    /// The thumbnail's size in pixels.
    pub fn thumb_size(&self) -> (u32, u32) {
        fit_within(self.width, self.height, THUMB_MAX_PX)
    }
}

/// `width` × `height` scaled down (never up) so that the longer side is at
/// most `max`, keeping the proportions; each side at least 1.
pub fn fit_within(width: u32, height: u32, max: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max {
        return (width.max(1), height.max(1));
    }
    let scale = |side: u32| ((u64::from(side) * u64::from(max) + u64::from(longest) / 2) / u64::from(longest)) as u32;
    (scale(width).max(1), scale(height).max(1))
}

/// One post as the list on `/` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostSummary {
    /// The post's id, also its address: `/posts/{id}`.
    pub id: i64,
    /// The title, already validated when the post was written.
    pub title: String,
    /// The first [`EXCERPT_CHARS`] characters of the content.
    pub excerpt: String,
    /// How many visitors like the post.
    pub like_count: Count,
    /// How many times the post page was viewed.
    pub view_count: Count,
    /// Its image, if it has one.
    pub image: Option<PostImage>,
}

/// One page of the list, newest first, with the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PostPage {
    /// The posts on this page, newest first.
    pub posts: Vec<PostSummary>,
    /// When older posts exist, the id to pass as `before` to fetch them.
    pub next_before: Option<i64>,
}

/// One post as its own page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostDetail {
    /// The post's id.
    pub id: i64,
    /// The title.
    pub title: String,
    /// The whole content, line breaks included. Shown as text, never as HTML.
    pub content: String,
    /// How many visitors like the post.
    pub like_count: Count,
    /// How many times the post page was viewed.
    pub view_count: Count,
    /// Whether the visitor asking likes the post.
    pub liked: bool,
    /// Whether the visitor asking wrote the post, which decides whether the
    /// page offers Edit and Delete. The author's id itself never leaves the
    /// server.
    pub is_author: bool,
    /// Its image, if it has one.
    pub image: Option<PostImage>,
}

/// Whether a visitor likes a post, and how many visitors do, right after a
/// like or unlike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LikeState {
    /// Whether the visitor who asked likes the post now.
    pub liked: bool,
    /// How many visitors like the post now.
    pub like_count: Count,
    /// The change feed's position this state is as of, or later (0: not
    /// known). A live update from before it is older than this state, and
    /// the Like button does not let it overwrite this one.
    pub at: i64,
}

/// The look a visitor chose; without a choice the browser's follows the
/// system's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Theme {
    /// Dark text on a light background.
    Light,
    /// Light text on a dark background.
    Dark,
}

impl Theme {
    /// The value of the `theme` cookie and of `data-theme` on `<html>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The theme a cookie or form value names; `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    /// The other theme, which the header's button offers.
    pub fn other(self) -> Self {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }
}

/// The first [`EXCERPT_CHARS`] characters of `content`, counted as Unicode
/// scalar values so a multi-byte character is never cut in half, with an
/// ellipsis when something was cut off.
pub fn excerpt(content: &str) -> String {
    match content.char_indices().nth(EXCERPT_CHARS) {
        None => content.to_owned(),
        Some((cut, _)) => format!("{}…", content[..cut].trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_theme_round_trips_through_its_name_and_nothing_else_is_a_theme() {
        for theme in [Theme::Light, Theme::Dark] {
            assert_eq!(Theme::parse(theme.as_str()), Some(theme));
            assert_eq!(theme.other().other(), theme);
        }
        assert_eq!(Theme::parse("system"), None);
        assert_eq!(Theme::parse("dark\"><script>"), None);
    }

    #[test]
    fn an_image_is_scaled_down_to_fit_never_up() {
        assert_eq!(fit_within(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fit_within(3000, 4000, 240), (180, 240));
        assert_eq!(fit_within(100, 50, 240), (100, 50));
        assert_eq!(fit_within(10_000, 1, 240), (240, 1));
    }

    #[test]
    fn a_short_content_is_its_own_excerpt() {
        assert_eq!(excerpt("Hello"), "Hello");
    }

    #[test]
    fn content_of_exactly_the_limit_is_not_cut() {
        let content = "a".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(&content), content);
    }

    #[test]
    fn a_long_content_is_cut_at_the_limit_with_an_ellipsis() {
        let content = "b".repeat(EXCERPT_CHARS + 1);
        assert_eq!(excerpt(&content), format!("{}…", "b".repeat(EXCERPT_CHARS)));
    }

    #[test]
    fn characters_are_counted_not_bytes() {
        // 'é' is two bytes: cutting by bytes would split one.
        let content = "é".repeat(EXCERPT_CHARS + 5);
        let cut = excerpt(&content);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
