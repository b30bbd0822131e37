//! What travels with a form besides its fields: the key that makes a
//! submission idempotent, the draft a rejected plain-HTML submission comes
//! back with, and the one-line message shown after a successful write.

use serde::{Deserialize, Serialize};

use crate::{domain::PostFieldErrors, error::AppError};

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
    /// What is wrong with each field.
    pub errors: PostFieldErrors,
    /// An error that is not about one field (not allowed, busy, internal).
    pub alert: Option<AppError>,
}

impl PostDraft {
    /// The draft for `title` and `content` rejected with `error`: field
    /// messages when the input was invalid, an alert otherwise.
    pub fn rejected(title: String, content: String, error: &AppError) -> Self {
        match error {
            AppError::Invalid(errors) => PostDraft { title, content, errors: errors.clone(), alert: None },
            other => PostDraft { title, content, errors: PostFieldErrors::default(), alert: Some(other.clone()) },
        }
    }
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
        let invalid = AppError::Invalid(PostFieldErrors { title: Some("Title is required".into()), content: None });
        let draft = PostDraft::rejected(String::new(), "typed".into(), &invalid);
        assert_eq!(draft.errors.title.as_deref(), Some("Title is required"));
        assert_eq!((draft.content.as_str(), draft.alert), ("typed", None));

        let draft = PostDraft::rejected("t".into(), "c".into(), &AppError::Unavailable);
        assert!(draft.errors.is_empty());
        assert_eq!(draft.alert, Some(AppError::Unavailable));
    }
}
