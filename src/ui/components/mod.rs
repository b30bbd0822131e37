//! Reusable pieces of UI. The islands among them (`LikeButton`, `ViewCount`,
//! `DeletePostButton`, `MorePosts`) run in the browser too; the rest are
//! rendered on the server only, or inside an island.

mod alert;
mod delete_button;
mod error_page;
mod header;
mod like_button;
mod not_found;
mod post_fields;
mod post_list;
mod view_count;

pub use alert::ErrorAlert;
pub use delete_button::DeletePostButton;
pub use error_page::{ErrorPage, answer_with_status_of};
pub use header::SiteHeader;
pub use like_button::LikeButton;
pub use not_found::NotFound;
pub use post_fields::{
    ImageFields, PostFields, PostFormState, SubmitPostButton, UploadProgress, alert_of, new_submission_key,
};
pub use post_list::PostList;
#[cfg(feature = "ssr")]
pub use post_list::list_part;
pub use view_count::ViewCount;
