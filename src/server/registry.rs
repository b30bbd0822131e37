//! The registry of server functions: one line each, read by every layer
//! that treats them differently and by the tests that throw forms at them.
//!
//! A server function is written once, in `api/`, with `#[server]` and
//! `output = JsonAnswer`. Its line here says whether it only reads (then it is never rate-limited); the
//! fields its form may hold are read from its argument type, so they cannot
//! drift from the code. A server function missing from the registry is
//! refused (404) by the form guard: the check fails closed, and a test lists
//! every function Leptos registered that is missing here.

use std::sync::LazyLock;

use leptos::server_fn::{Http, ServerFn, codec::PostUrl};
use serde::de::{self, DeserializeOwned, Visitor};

use crate::{
    api::{posts, preferences},
    wire::JsonAnswer,
};

/// What a server function does to state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// It only reads: never rate-limited.
    Read,
    /// It writes: limited per visitor and per address.
    Write,
}

/// One server function, as the layers see it.
#[derive(Debug)]
pub struct Endpoint {
    /// Its path, `/api/...`.
    pub path: &'static str,
    /// The fields its form may hold.
    pub fields: &'static [&'static str],
    /// Whether it writes.
    pub access: Access,
    /// The field of the one file its form may carry, if it takes one: only
    /// then may its form be sent as `multipart/form-data`.
    pub file: Option<&'static str>,
}

impl Endpoint {
    /// This function, taking a file in the field `name` besides its
    /// arguments (`server::upload`).
    pub fn with_file(self, name: &'static str) -> Self {
        Endpoint { file: Some(name), ..self }
    }
}

/// Every server function of the app. Add a line when you add one.
static ENDPOINTS: LazyLock<Vec<Endpoint>> = LazyLock::new(|| {
    vec![
        reads::<posts::ListPosts>(),
        reads::<posts::GetPost>(),
        writes::<posts::CreatePost>().with_file(posts::IMAGE_FIELD),
        writes::<posts::UpdatePost>().with_file(posts::IMAGE_FIELD),
        // The edit form's Delete button sends the whole form, file and all.
        writes::<posts::DeletePost>().with_file(posts::IMAGE_FIELD),
        writes::<posts::SetLike>(),
        writes::<posts::RecordView>(),
        writes::<preferences::SetTheme>(),
    ]
});

/// Every registered server function.
pub fn all() -> &'static [Endpoint] {
    &ENDPOINTS
}

/// The server function at `path`, if it is registered.
pub fn find(path: &str) -> Option<&'static Endpoint> {
    ENDPOINTS.iter().find(|endpoint| endpoint.path == path)
}

/// The line of a server function that only reads.
pub fn reads<T>() -> Endpoint
where
    T: ServerFn + DeserializeOwned,
    T::Protocol: AnswersInWireJson,
{
    Endpoint { path: T::PATH, fields: field_names::<T>(), access: Access::Read, file: None }
}

/// The line of a server function that writes. It must take its arguments
/// by POST only: a GET is not checked for its origin, and `SameSite=Lax`
/// cookies go along with a top-level GET from any site, so a write reachable
/// by GET could be made by a link on someone else's page. A write declared
/// with a GET encoding does not compile:
///
/// ```compile_fail
/// use bulletin::{error::AppError, server::registry::writes, wire::JsonAnswer};
/// use leptos::{prelude::*, server_fn::codec::GetUrl};
///
/// #[server(endpoint = "like_by_link", input = GetUrl, output = JsonAnswer)]
/// pub async fn like_by_link(id: i64) -> Result<(), AppError> {
///     Ok(())
/// }
///
/// let _ = writes::<LikeByLink>();
/// ```
///
/// while the same function compiles as a read, so the GET is all it fails on:
///
/// ```
/// use bulletin::{error::AppError, server::registry::reads, wire::JsonAnswer};
/// use leptos::{prelude::*, server_fn::codec::GetUrl};
///
/// #[server(endpoint = "like_by_link", input = GetUrl, output = JsonAnswer)]
/// pub async fn like_by_link(id: i64) -> Result<(), AppError> {
///     Ok(())
/// }
///
/// assert_eq!(reads::<LikeByLink>().path, "/api/like_by_link");
/// ```
pub fn writes<T>() -> Endpoint
where
    T: ServerFn + DeserializeOwned,
    T::Protocol: AnswersInWireJson + OnlyByPost,
{
    Endpoint { path: T::PATH, fields: field_names::<T>(), access: Access::Write, file: None }
}

/// Holds for the protocols that take a server function's arguments in the
/// body of a POST, never in a GET's address.
pub trait OnlyByPost {}

impl<Output> OnlyByPost for Http<PostUrl, Output> {}

/// Holds for the server functions that answer in [`JsonAnswer`], whose
/// answers the browser reads without serde_json (`crate::wire`). A function
/// left on Leptos's default encoding is refused here, at compile time: its
/// answer would bring serde_json back into the client.
pub trait AnswersInWireJson {}

impl<Input> AnswersInWireJson for Http<Input, JsonAnswer> {}

/// The field names a server function's argument type declares, read from
/// its `Deserialize` implementation: serde's derive hands them to
/// `deserialize_struct`, which this deserializer records and then stops.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut probe = FieldProbe(&[]);
    let _ = T::deserialize(&mut probe);
    probe.0
}

struct FieldProbe(&'static [&'static str]);

impl<'de> de::Deserializer<'de> for &mut FieldProbe {
    type Error = de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = fields;
        Err(de::Error::custom("fields recorded"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_names_come_from_the_server_functions_themselves() {
        assert_eq!(field_names::<posts::CreatePost>(), ["title", "content", "submission", "image_alt"]);
        assert_eq!(field_names::<posts::DeletePost>(), ["id", "title", "content", "image_alt", "remove_image"]);
        assert_eq!(field_names::<posts::ListPosts>(), ["before"]);
    }

    #[test]
    fn every_server_function_leptos_registered_is_in_the_registry_once() {
        let registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
        assert!(!registered.is_empty());
        for path in &registered {
            assert!(find(path).is_some(), "{path} is a server function missing from the registry");
        }
        assert_eq!(all().len(), registered.len(), "the registry names a path Leptos does not serve, or one twice");
    }

    #[test]
    fn only_the_post_forms_take_a_file() {
        let takers: Vec<&str> = all().iter().filter(|e| e.file.is_some()).map(|e| e.path).collect();
        assert_eq!(takers, ["/api/create_post", "/api/update_post", "/api/delete_post"]);
    }

    #[test]
    fn only_the_reading_functions_are_reads() {
        let reads: Vec<&str> = all().iter().filter(|e| e.access == Access::Read).map(|e| e.path).collect();
        assert_eq!(reads, ["/api/list_posts", "/api/get_post"]);
    }
}
