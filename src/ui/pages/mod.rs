//! One component per route.

mod edit_post;
mod home;
mod loaders;
mod new_post;
mod post;

pub use edit_post::EditPostPage;
pub use home::HomePage;
pub use new_post::NewPostPage;
pub use post::PostPage;
