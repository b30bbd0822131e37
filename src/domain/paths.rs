//! The addresses of the pages, built in one place so links, redirects and
//! the route table cannot drift apart.

/// The list of posts.
pub const HOME: &str = "/";

/// The page of the list after the post `before`: the posts older than it.
pub fn older(before: i64) -> String {
    format!("/?before={before}")
}

/// A request header with which the list's infinite scroll asks a list page
/// for [`LIST_PART`] alone: the list and what follows it, without the page
/// around them. A kept page answers with that part; any other answer is the
/// whole page.
pub const PART_HEADER: &str = "bulletin-part";

/// The value of [`PART_HEADER`] that asks for the list.
pub const LIST_PART: &str = "list";

/// The form that publishes a new post.
pub const NEW_POST: &str = "/posts/new";

/// A post's page.
pub fn post(id: i64) -> String {
    format!("/posts/{id}")
}

/// An image file, by its name (`server::image_files`).
pub fn image(name: &str) -> String {
    format!("/images/{name}")
}

/// The form that edits a post.
pub fn edit_post(id: i64) -> String {
    format!("/posts/{id}/edit")
}

/// A post id as it appears in a path: a positive whole number. Anything else
/// (`abc`, `-1`, `01x`) names no post.
pub fn parse_post_id(segment: &str) -> Option<i64> {
    segment.parse::<i64>().ok().filter(|id| *id > 0)
}

/// `raw` if it is a path on this site (`/posts/1?x=y`), to return to after a
/// plain form post; `None` for anything that could lead elsewhere
/// (`https://evil.example`, `//evil.example`, `/\\evil.example`) or is not a
/// plain path.
pub fn local_path(raw: &str) -> Option<&str> {
    let plain = raw.len() <= 2048 && !raw.chars().any(|c| c.is_control() || c == '\\');
    (plain && raw.starts_with('/') && !raw.starts_with("//")).then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_returned_to() {
        assert_eq!(local_path("/posts/1?before=3"), Some("/posts/1?before=3"));
        assert_eq!(local_path("/"), Some("/"));
        for raw in ["https://evil.example/", "//evil.example", "/\\evil.example", "evil", "", "/a\nb", "javascript:x"] {
            assert_eq!(local_path(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn only_positive_whole_numbers_are_post_ids() {
        assert_eq!(parse_post_id("42"), Some(42));
        for segment in ["0", "-1", "abc", "4.2", "", "99999999999999999999"] {
            assert_eq!(parse_post_id(segment), None, "{segment:?}");
        }
    }
}
