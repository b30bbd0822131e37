//! What a user may write in a post, parsed once into types that cannot hold
//! anything else. Compiled for both sides, so the browser checks a form with
//! exactly the rules and words the server applies.

use serde::{Deserialize, Serialize};

/// The most characters a title may have.
pub const TITLE_MAX_CHARS: usize = 120;
/// The most characters a post's content may have.
pub const CONTENT_MAX_CHARS: usize = 10_000;
/// The most characters an image's description may have.
pub const ALT_MAX_CHARS: usize = 300;
/// The most pixels an image may have (width times height): a 24-megapixel
/// phone photo passes; a decompression bomb does not.
pub const IMAGE_MAX_PIXELS: u64 = 36_000_000;
/// The longest side an image may have, in pixels.
pub const IMAGE_MAX_SIDE: u32 = 12_000;

/// The types of image a post may carry, as browsers name them.
pub const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/webp", "image/gif"];

/// What is said of a file that is not one of [`IMAGE_TYPES`], in the
/// browser (from the file's declared type) and on the server (from its
/// bytes).
pub const IMAGE_TYPE_MESSAGE: &str = "The image must be a PNG, JPEG, WebP or GIF file";
/// What is said of an image with too many pixels.
pub const IMAGE_PIXELS_MESSAGE: &str = "The image is too large: at most 36 megapixels and 12000 pixels a side";
/// What is said of a file that claims to be an image but cannot be read as
/// one: damaged, cut short, or not what it claims.
pub const IMAGE_UNREADABLE_MESSAGE: &str = "The image could not be read: the file is damaged or incomplete";
/// What a form that came back without JavaScript says of the image that
/// was sent with it: a browser cannot fill a file field again.
pub const IMAGE_AGAIN_MESSAGE: &str = "Choose the image again: a file cannot be kept when the form comes back";

/// What is said of an image over `max_bytes`, in the browser and on the
/// server.
pub fn image_size_message(max_bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    let size = match max_bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= MIB => format!("{:.1} MiB", b as f64 / MIB as f64),
        b if b >= 1024 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    };
    format!("The image must be at most {size}")
}

/// Checks a file chosen in the browser by what the browser says of it (its
/// declared type and its size), with the words the server uses. The server
/// decides again from the bytes.
pub fn check_image_file(declared_type: &str, size: u64, max_bytes: u64) -> Result<(), String> {
    if !IMAGE_TYPES.contains(&declared_type) {
        return Err(IMAGE_TYPE_MESSAGE.into());
    }
    if size > max_bytes {
        return Err(image_size_message(max_bytes));
    }
    Ok(())
}

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

/// An image's description (alt text): trimmed, at most [`ALT_MAX_CHARS`]
/// characters, and required when the post has an image. Made only by
/// [`ImageAlt::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageAlt(String);

/// The message for each field of a post form that was rejected; `None` for
/// a field that is fine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostFieldErrors {
    /// What is wrong with the title.
    pub title: Option<String>,
    /// What is wrong with the content.
    pub content: Option<String>,
    /// What is wrong with the image file.
    #[serde(default)]
    pub image: Option<String>,
    /// What is wrong with the image's description.
    #[serde(default)]
    pub image_alt: Option<String>,
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

impl ImageAlt {
    /// Parses a description as typed, for a post that has an image
    /// (`has_image`) or not: without one there is nothing to describe, and
    /// whatever was typed is dropped.
    pub fn parse(raw: &str, has_image: bool) -> Result<Option<Self>, String> {
        if !has_image {
            return Ok(None);
        }
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Describe the image for people who cannot see it".into());
        }
        if trimmed.chars().count() > ALT_MAX_CHARS {
            return Err(format!("The image description must be at most {ALT_MAX_CHARS} characters"));
        }
        Ok(Some(Self(trimmed.to_owned())))
    }

    /// The description's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PostFieldErrors {
    /// True when no field has a message.
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.content.is_none() && self.image.is_none() && self.image_alt.is_none()
    }

    /// The errors of the title and content with `image_alt`'s message.
    pub fn with_alt(mut self, image_alt: Option<String>) -> Self {
        self.image_alt = image_alt;
        self
    }
}

impl PostInput {
    /// Parses both fields, reporting every field that is wrong at once.
    pub fn parse(title: &str, content: &str) -> Result<Self, PostFieldErrors> {
        match (PostTitle::parse(title), PostContent::parse(content)) {
            (Ok(title), Ok(content)) => Ok(PostInput { title, content }),
            (title, content) => {
                Err(PostFieldErrors { title: title.err(), content: content.err(), ..PostFieldErrors::default() })
            }
        }
    }
}

/// Parses a post form's text fields at once, reporting every field that is
/// wrong: the title, the content and, when the post will have an image
/// (`has_image`), its description.
pub fn parse_post_form(
    title: &str,
    content: &str,
    image_alt: &str,
    has_image: bool,
) -> Result<(PostInput, Option<ImageAlt>), PostFieldErrors> {
    match (PostInput::parse(title, content), ImageAlt::parse(image_alt, has_image)) {
        (Ok(input), Ok(alt)) => Ok((input, alt)),
        (input, alt) => Err(input.err().unwrap_or_default().with_alt(alt.err())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_needs_a_description_and_nothing_else_does() {
        assert_eq!(ImageAlt::parse("  ", false), Ok(None));
        assert_eq!(ImageAlt::parse("typed", false), Ok(None));
        assert_eq!(ImageAlt::parse("  a red door ", true).unwrap().unwrap().as_str(), "a red door");
        assert_eq!(ImageAlt::parse("", true).unwrap_err(), "Describe the image for people who cannot see it");
        assert!(ImageAlt::parse(&"x".repeat(ALT_MAX_CHARS + 1), true).unwrap_err().contains("at most 300"));
        let errors = parse_post_form("", "c", "", true).unwrap_err();
        assert_eq!(errors.title.as_deref(), Some("Title is required"));
        assert_eq!(errors.image_alt.as_deref(), Some("Describe the image for people who cannot see it"));
        assert!(parse_post_form("t", "c", "", false).is_ok());
    }

    #[test]
    fn a_file_is_checked_in_the_browser_with_the_servers_words() {
        assert_eq!(check_image_file("image/png", 10, 1 << 20), Ok(()));
        assert_eq!(check_image_file("text/html", 10, 1 << 20).unwrap_err(), IMAGE_TYPE_MESSAGE);
        assert_eq!(check_image_file("image/svg+xml", 10, 1 << 20).unwrap_err(), IMAGE_TYPE_MESSAGE);
        assert_eq!(check_image_file("image/jpeg", 9 << 20, 8 << 20).unwrap_err(), "The image must be at most 8 MiB");
        assert_eq!(image_size_message(1536 << 10), "The image must be at most 1.5 MiB");
        assert_eq!(image_size_message(1024), "The image must be at most 1 KiB");
    }

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
