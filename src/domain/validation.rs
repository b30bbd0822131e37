//! What a user may write in a post, parsed once into types that cannot hold
//! anything else. Compiled for both sides, so the browser checks a form with
//! exactly the rules and words the server applies.

use serde::{Deserialize, Serialize};

/// The most characters a title may have.
pub const TITLE_MAX_CHARS: usize = 120;
/// The most characters a post's content may have.
pub const CONTENT_MAX_CHARS: usize = 10_000;

/// A post title: trimmed, not empty, at most [`TITLE_MAX_CHARS`] characters.
/// Made only by [`PostTitle::parse`]: it derives no `Deserialize`, which
/// would make one without the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostTitle(String);

/// A post's content: trimmed, not empty, at most [`CONTENT_MAX_CHARS`]
/// characters. Line breaks inside are kept. Made only by
/// [`PostContent::parse`], like a title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostContent(String);

/// The message for each field of a post form that was rejected; `None` for
/// a field that is fine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostFieldErrors {
    /// What is wrong with the title.
    pub title: Option<String>,
    /// What is wrong with the content.
    pub content: Option<String>,
}

/// A valid title and content, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostInput {
    /// The title.
    pub title: PostTitle,
    /// The content.
    pub content: PostContent,
}

/// Trims `raw` and checks it is present and not longer than `max`
/// characters (Unicode scalar values, not bytes).
fn bounded_text(raw: &str, max: usize, field: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(format!("{field} is required"));
    }
    if trimmed.chars().count() > max {
        return Err(format!("{field} must be at most {max} characters"));
    }
    Ok(trimmed.to_owned())
}

impl PostTitle {
    /// Parses a title as typed, or says why it cannot be one.
    pub fn parse(raw: &str) -> Result<Self, String> {
        bounded_text(raw, TITLE_MAX_CHARS, "Title").map(Self)
    }

    /// The title's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PostContent {
    /// Parses content as typed, or says why it cannot be one.
    pub fn parse(raw: &str) -> Result<Self, String> {
        bounded_text(raw, CONTENT_MAX_CHARS, "Content").map(Self)
    }

    /// The content's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PostFieldErrors {
    /// True when no field has a message.
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.content.is_none()
    }
}

impl PostInput {
    /// Parses both fields, reporting every field that is wrong at once.
    pub fn parse(title: &str, content: &str) -> Result<Self, PostFieldErrors> {
        match (PostTitle::parse(title), PostContent::parse(content)) {
            (Ok(title), Ok(content)) => Ok(PostInput { title, content }),
            (title, content) => Err(PostFieldErrors { title: title.err(), content: content.err() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_trimmed() {
        assert_eq!(PostTitle::parse("  Hello \n").unwrap().as_str(), "Hello");
    }

    #[test]
    fn a_title_of_only_spaces_is_rejected() {
        assert_eq!(PostTitle::parse(" \t\n ").unwrap_err(), "Title is required");
    }

    #[test]
    fn a_title_of_exactly_120_characters_is_accepted() {
        assert!(PostTitle::parse(&"t".repeat(120)).is_ok());
    }

    #[test]
    fn a_title_of_121_characters_is_rejected() {
        assert_eq!(PostTitle::parse(&"t".repeat(121)).unwrap_err(), "Title must be at most 120 characters");
    }

    #[test]
    fn characters_are_counted_as_unicode_scalar_values_not_bytes() {
        // 120 four-byte characters: 480 bytes, 120 characters.
        assert!(PostTitle::parse(&"😀".repeat(120)).is_ok());
        assert!(PostTitle::parse(&"😀".repeat(121)).is_err());
    }

    #[test]
    fn surrounding_whitespace_does_not_count_towards_the_limit() {
        assert!(PostTitle::parse(&format!("  {}  ", "t".repeat(120))).is_ok());
    }

    #[test]
    fn content_keeps_its_inner_line_breaks() {
        assert_eq!(PostContent::parse("\n line one\nline two \n").unwrap().as_str(), "line one\nline two");
    }

    #[test]
    fn empty_content_is_rejected() {
        assert_eq!(PostContent::parse("").unwrap_err(), "Content is required");
    }

    #[test]
    fn content_over_10000_characters_is_rejected() {
        assert!(PostContent::parse(&"c".repeat(10_000)).is_ok());
        assert_eq!(PostContent::parse(&"c".repeat(10_001)).unwrap_err(), "Content must be at most 10000 characters");
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let errors = PostInput::parse("", "").unwrap_err();
        assert_eq!(errors.title.as_deref(), Some("Title is required"));
        assert_eq!(errors.content.as_deref(), Some("Content is required"));
    }

    #[test]
    fn a_valid_form_parses() {
        let input = PostInput::parse("Hi", "There").unwrap();
        assert_eq!((input.title.as_str(), input.content.as_str()), ("Hi", "There"));
    }
}
