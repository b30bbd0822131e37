//! What the user sees, compiled for both the server render and the WASM
//! client: the app shell and route table, one component per page, reusable
//! components, and the client state they share (revalidation, flash, theme,
//! shortcuts). The only way in here from the server is [`bridge`].

pub mod app;
pub mod bridge;
pub mod components;
pub mod escape;
pub mod flash;
pub mod pages;
pub mod revalidate;
pub mod shortcuts;
pub mod theme;

pub use app::App;
#[cfg(feature = "ssr")]
pub use app::shell;
