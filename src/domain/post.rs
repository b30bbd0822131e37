//! Posts as the pages show them.

use serde::{Deserialize, Serialize};

use super::Count;

/// How many characters of a post's content the list shows.
pub const EXCERPT_CHARS: usize = 140;

/// How many posts one page of the list holds.
pub const PAGE_SIZE: u32 = 20;

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
