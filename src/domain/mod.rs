//! Domain types shared by the server and the WASM client.
//!
//! Invariant: nothing here imports sqlx, axum or anything else that is
//! server-only, so every type compiles for `wasm32-unknown-unknown` and the
//! client sees exactly the shapes the server produces.

pub mod count;
pub mod form;
pub mod paths;
pub mod post;
pub mod tag;
pub mod validation;

pub use count::Count;
pub use form::{Flash, PostDraft, SubmissionKey};
pub use post::{LikeState, PostDetail, PostImage, PostPage, PostSummary, Theme, excerpt};
pub use tag::Tag;
pub use validation::{ImageAlt, PostContent, PostFieldErrors, PostInput, PostTitle};
