//! What a write changed, named once for both sides.
//!
//! A write says which tags it changed; each side decides what that means for
//! what it keeps. In the browser, the resources that track a tag fetch again
//! (`ui::revalidate`); on the server, the read cache and the kept pages drop
//! or refresh what depends on it (`server::cache`).

/// A piece of server data that pages show and writes change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tag {
    /// Which posts exist, and their titles and excerpts: every list.
    Posts,
    /// One post's title and content (its page).
    Post(i64),
    /// One post's like and view counts, shown on its page and in every
    /// list. Kept apart from [`Tag::Post`] because counts change far more
    /// often than anything else: a cache may treat them differently from
    /// the text around them.
    Counts(i64),
}
