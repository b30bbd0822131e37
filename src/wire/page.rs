//! How a write's answer carries the page it leads to: one round trip where
//! post/redirect/get takes two.
//!
//! The page's script (for a form it sends itself) and
//! [`PageClient`](crate::ui::navigate::PageClient) (for the forms of the
//! islands) send [`ASK`] with a write. When the write leads to another page,
//! the server answers with that page, rendered after the write, rather than
//! with a 303 to it (`server::middleware::write_pages`), and names it in
//! [`LOCATION`]; the server function's own answer, which an island reads,
//! rides in [`ANSWER`] (it must be short ASCII JSON, as an id or `null` is;
//! a longer one is answered as if no page had been asked for). A write that
//! stays on its page, a rejected one from an island, one whose page is not
//! there to give (not a 200), and any client that does not ask get the
//! answer they always got.

/// The request header that asks for the page with the write's answer.
pub const ASK: &str = "bulletin-page";

/// The response header with the path of the page in the body: the address
/// the script shows.
pub const LOCATION: &str = "bulletin-location";

/// The response header with the server function's answer (the JSON it
/// would have been the body of), when the body is a page.
pub const ANSWER: &str = "bulletin-answer";
