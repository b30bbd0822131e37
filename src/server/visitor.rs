//! Who is asking, without accounts: the anonymous visitor's identity, as
//! the services take it. How a request's visitor is found (the signed
//! cookie) is the visitor middleware's business; nothing here knows HTTP.

/// The anonymous id of the visitor making a request. The middleware puts it
/// in every request's extensions; server functions and pages read it there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor(String);

impl Visitor {
    /// A new random id.
    pub fn fresh() -> Self {
        Visitor(uuid::Uuid::new_v4().simple().to_string())
    }

    /// The id, as stored in `posts.author_id`.
    pub fn id(&self) -> &str {
        &self.0
    }

    /// A visitor with a given id, for tests and tools that act for one.
    pub fn from_id(id: impl Into<String>) -> Self {
        Visitor(id.into())
    }
}

/// In a request's extensions beside [`Visitor`] when the visitor is new:
/// they sent no (valid) cookie, so nothing is theirs yet, and what is shown
/// to them needs no lookup.
#[derive(Debug, Clone, Copy)]
pub struct NewVisitor;
