//! What travels with a form besides its fields: the key that makes a
//! submission idempotent, the draft a rejected plain-HTML submission comes
//! back with, and the one-line message shown after a successful write.

use serde::{Deserialize, Serialize};

use crate::{
    domain::{
        PostFieldErrors,
        validation::{ALT_MAX_CHARS, CONTENT_MAX_CHARS, IMAGE_AGAIN_MESSAGE, TITLE_MAX_CHARS},
    },
    error::AppError,
};

/// The most characters a submission key may have.
pub const SUBMISSION_KEY_MAX_CHARS: usize = 64;

/// A random key rendered into a form once. Submitting the same form twice
/// (a double click, a retried request) carries the same key, and the server
/// writes at most one post per key and author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionKey(String);

impl SubmissionKey {
    /// Parses a key as submitted: 1 to 64 ASCII letters, digits or dashes.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let well_formed = !raw.is_empty()
            && raw.len() <= SUBMISSION_KEY_MAX_CHARS
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if well_formed {
            Ok(SubmissionKey(raw.to_owned()))
        } else {
            Err(AppError::BadRequest("the form's submission key is malformed; reload the page".into()))
        }
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A post form as the user left it when the server rejected it: the typed
/// values, the message for each field, and an error that is not about one
/// field. Without JavaScript the browser loses the page it posted from; the
/// server keeps this for it and the form page shows it again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostDraft {
    /// The title as typed.
    pub title: String,
    /// The content as typed.
    pub content: String,
    /// The image's description as typed.
    #[serde(default)]
    pub image_alt: String,
    /// What is wrong with each field.
    pub errors: PostFieldErrors,
    /// An error that is not about one field (not allowed, busy, internal).
    pub alert: Option<AppError>,
}

/// The most characters of a field a draft keeps: its limit and a tenth
/// more, so a text a little too long comes back whole to be shortened,
/// and one far too long (a megabyte pasted or sent on purpose) is not kept
/// whole in the database.
pub const fn draft_keeps(max_chars: usize) -> usize {
    max_chars + max_chars / 10
}

impl PostDraft {
    /// The draft for `title` and `content` rejected with `error`: field
    /// messages when the input was invalid, an alert otherwise. A field
    /// longer than a draft keeps is cut, and its message says so.
    pub fn rejected(title: String, content: String, error: &AppError) -> Self {
        let (errors, alert) = match error {
            AppError::Invalid(errors) => (errors.clone(), None),
            other => (PostFieldErrors::default(), Some(other.clone())),
        };
        let (title, title_message) = kept(title, draft_keeps(TITLE_MAX_CHARS), errors.title);
        let (content, content_message) = kept(content, draft_keeps(CONTENT_MAX_CHARS), errors.content);
        PostDraft {
            title,
            content,
            image_alt: String::new(),
            errors: PostFieldErrors { title: title_message, content: content_message, ..errors },
            alert,
        }
    }

    /// The draft with the image description as typed, and, when a file was
    /// sent with the form (`sent_image`), a message asking for it again
    /// unless the image itself was at fault: the form page cannot fill a
    /// file field.
    pub fn with_image(mut self, image_alt: String, sent_image: bool) -> Self {
        let (alt, message) = kept(image_alt, draft_keeps(ALT_MAX_CHARS), self.errors.image_alt.take());
        self.image_alt = alt;
        self.errors.image_alt = message;
        if sent_image && self.errors.image.is_none() {
            self.errors.image = Some(IMAGE_AGAIN_MESSAGE.into());
        }
        self
    }
}

/// `text` cut to `keep` characters if it is longer, with `message` saying
/// that only those were kept.
fn kept(mut text: String, keep: usize, message: Option<String>) -> (String, Option<String>) {
    let Some((cut, _)) = text.char_indices().nth(keep) else {
        return (text, message);
    };
    text.truncate(cut);
    let note = format!("only the first {keep} characters you typed were kept");
    let message = match message {
        Some(message) => format!("{message} ({note})"),
        None => format!("This field was too long: {note}"),
    };
    (text, Some(message))
}

/// The message shown once after a successful write, on the page the user
/// lands on. Only these values exist, so a cookie cannot make the page say
/// anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flash {
    /// A new post was published.
    Published,
    /// A post was saved.
    Updated,
    /// A post was deleted.
    Deleted,
}

impl Flash {
    /// The text the user reads.
    pub fn message(self) -> &'static str {
        match self {
            Flash::Published => "Post published",
            Flash::Updated => "Post updated",
            Flash::Deleted => "Post deleted",
        }
    }

    /// The short code stored in the flash cookie.
    pub fn code(self) -> &'static str {
        match self {
            Flash::Published => "published",
            Flash::Updated => "updated",
            Flash::Deleted => "deleted",
        }
    }

    /// The flash a cookie's code names; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Self> {
        [Flash::Published, Flash::Updated, Flash::Deleted].into_iter().find(|flash| flash.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PostInput;

    #[test]
    fn a_draft_keeps_a_field_a_little_too_long_whole_and_cuts_one_far_too_long_saying_so() {
        let title = "t".repeat(TITLE_MAX_CHARS + 5);
        let content = "é".repeat(1 << 20);
        let error = AppError::Invalid(PostInput::parse(&title, &content).unwrap_err());
        let draft = PostDraft::rejected(title.clone(), content, &error);
        assert_eq!(draft.title, title, "a little too long: whole");
        assert_eq!(draft.errors.title.as_deref(), Some("Title must be at most 120 characters"));
        assert_eq!(draft.content.chars().count(), draft_keeps(CONTENT_MAX_CHARS));
        assert_eq!(
            draft.errors.content.as_deref(),
            Some("Content must be at most 10000 characters (only the first 11000 characters you typed were kept)")
        );
        let busy = PostDraft::rejected("ok".into(), "c".repeat(20_000), &AppError::Unavailable);
        assert_eq!(busy.content.len(), 11_000);
        assert_eq!(
            busy.errors.content.as_deref(),
            Some("This field was too long: only the first 11000 characters you typed were kept")
        );
        assert_eq!(busy.alert, Some(AppError::Unavailable));
    }

    #[test]
    fn a_draft_asks_for_a_sent_image_again_unless_the_image_was_the_fault() {
        let invalid =
            AppError::Invalid(PostFieldErrors { title: Some("Title is required".into()), ..Default::default() });
        let draft = PostDraft::rejected(String::new(), "c".into(), &invalid).with_image("a cat".into(), true);
        assert_eq!(draft.image_alt, "a cat");
        assert_eq!(draft.errors.image.as_deref(), Some(IMAGE_AGAIN_MESSAGE));
        let bad_file = AppError::Invalid(PostFieldErrors { image: Some("damaged".into()), ..Default::default() });
        let draft = PostDraft::rejected("t".into(), "c".into(), &bad_file).with_image(String::new(), true);
        assert_eq!(draft.errors.image.as_deref(), Some("damaged"));
        let none_sent = PostDraft::rejected("t".into(), "c".into(), &invalid).with_image(String::new(), false);
        assert_eq!(none_sent.errors.image, None);
    }

    #[test]
    fn a_uuid_is_a_valid_submission_key() {
        assert!(SubmissionKey::parse("0b6f7a4e-3c1d-4e57-9a0b-1f2e3d4c5b6a").is_ok());
    }

    #[test]
    fn an_empty_or_oversized_or_odd_submission_key_is_a_bad_request() {
        for raw in ["", &"k".repeat(65), "a b", "key;drop", "ключ"] {
            assert!(matches!(SubmissionKey::parse(raw), Err(AppError::BadRequest(_))), "{raw:?}");
        }
    }

    #[test]
    fn every_flash_round_trips_through_its_cookie_code() {
        for flash in [Flash::Published, Flash::Updated, Flash::Deleted] {
            assert_eq!(Flash::from_code(flash.code()), Some(flash));
        }
        assert_eq!(Flash::from_code("<script>"), None);
    }

    #[test]
    fn a_rejected_draft_keeps_field_messages_apart_from_other_errors() {
        let invalid =
            AppError::Invalid(PostFieldErrors { title: Some("Title is required".into()), ..Default::default() });
        let draft = PostDraft::rejected(String::new(), "typed".into(), &invalid);
        assert_eq!(draft.errors.title.as_deref(), Some("Title is required"));
        assert_eq!((draft.content.as_str(), draft.alert), ("typed", None));

        let draft = PostDraft::rejected("t".into(), "c".into(), &AppError::Unavailable);
        assert!(draft.errors.is_empty());
        assert_eq!(draft.alert, Some(AppError::Unavailable));
    }
}
