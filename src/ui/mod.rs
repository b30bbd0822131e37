//! What the user sees. Pages are rendered on the server only; the
//! components marked `#[island]` are also compiled into the WASM client and
//! are all of it (the like button, the view count, the theme switch, the
//! shortcuts, the feed's infinite scroll and the post forms). `client.js`
//! loads them and navigates between pages. The only way in here from the
//! server is [`bridge`].

pub mod app;
pub mod bridge;
pub mod components;
pub mod escape;
pub mod flash;
pub mod island;
pub mod live;
pub mod navigate;
pub mod pages;
mod shortcuts;
mod theme;
pub mod upload;

pub use app::App;
#[cfg(feature = "ssr")]
pub use app::shell;
