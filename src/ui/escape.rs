//! Escaping for the two places where Leptos writes text into HTML as it is.
//!
//! Leptos escapes text it renders, except inside elements whose content the
//! HTML parser treats as raw text: `<textarea>` children and the document
//! `<title>` that `leptos_meta` writes. A post's title or content holding
//! `</textarea>` or `</title>` would otherwise end that element and inject
//! markup. Both places pass user text through [`escape_text`].

/// `text` with `&`, `<` and `>` written as entities. Inside `<textarea>` and
/// `<title>` the browser decodes entities back, so the user sees `text`.
pub fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_entities_and_the_rest_stays() {
        assert_eq!(escape_text("a < b && c > d </textarea>"), "a &lt; b &amp;&amp; c &gt; d &lt;/textarea&gt;");
        assert_eq!(escape_text("ünïcödé \"quoted\"\nline"), "ünïcödé \"quoted\"\nline");
    }
}
