//! Reusable pieces of UI.

mod alert;
mod header;
mod post_list;

pub use alert::ErrorAlert;
pub use header::SiteHeader;
pub use post_list::PostList;
