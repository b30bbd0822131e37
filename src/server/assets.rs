//! The client's files (`.js`, `.wasm`, `.css`) as the page names them, and
//! how long browsers may keep them.
//!
//! A release build (`cargo leptos build --release --split`) fingerprints
//! the client's files: `pkg/bulletin.<hash>.js` and so on, the hash taken
//! from the content. cargo-leptos writes the hashes to `hash.txt` at the root of the
//! site (`hash-file-name` in Cargo.toml points it there), so the manifest
//! travels with `site/` and a deployment needs nothing else. A fingerprinted
//! name never changes content, so browsers may keep it for a year without
//! asking again; any other file must be revalidated.
//!
//! The manifest is read once at start-up, not on every render as Leptos's
//! own `HydrationScripts` does. Under `cargo leptos watch` (which rebuilds the
//! client without restarting the server) it is read again for each page.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use super::config::{OUTPUT_NAME, SITE_PKG_DIR};

/// The manifest's file name, at the root of the site.
pub const HASH_FILE: &str = "hash.txt";

/// The page's script: `ui/client.js` (which loads the client, hydrates the
/// islands and navigates between pages) without its comment lines, called
/// with the names of the `.js`, the `.wasm` and, when the build has one, the
/// split loader (`null` otherwise).
///
/// Only URL-safe characters go into the names (see [`ClientAssets::parse`]),
/// so nothing needs escaping.
fn boot_script(js: &str, wasm: &str, split: Option<&str>) -> String {
    let code: Vec<&str> = include_str!("../ui/client.js")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .collect();
    let split = split.map_or_else(|| "null".to_owned(), |split| format!("{split:?}"));
    format!("({})({js:?}, {wasm:?}, {split});", code.join("\n"))
}

/// `Cache-Control` for a fingerprinted file: a year, never revalidated.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `Cache-Control` for every other static file: kept, but revalidated
/// (`Last-Modified`) before each use.
pub const REVALIDATE: &str = "no-cache";

/// The URLs of the client's three files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAssets {
    /// The wasm-bindgen glue, loaded as a module.
    pub js: String,
    /// The compiled client.
    pub wasm: String,
    /// The stylesheet.
    pub css: String,
    /// The module that loads the lazy islands' parts of the client
    /// (`__wasm_split.<hash>.js`), which the `.js` imports; named when the
    /// manifest has it, so the page can ask for both at once.
    pub split: Option<String>,
    /// Whether the names carry content hashes.
    pub fingerprinted: bool,
    /// The page's inline script, made once and shared by every render.
    pub boot: Arc<str>,
    /// The stylesheet's text, which the page carries in a `<style>` rather
    /// than naming the file (see [`INLINE_STYLE_MAX_BYTES`]); `None` when the
    /// page links the file instead.
    pub style: Option<Arc<str>>,
}

/// The largest stylesheet the page carries inline. Linked, a stylesheet is
/// a request the first paint waits for, and, on a phone, one more round trip
/// before the client is even asked for; ours is 3.9 KB (1.1 KB brotli'd),
/// less than a round trip's worth of bytes, so every page carries it. A
/// larger one is linked, and cached once for all pages. Builds without
/// fingerprints (`cargo leptos watch` from `scripts/dev.sh`) always link
/// it, so live reload can swap it.
pub const INLINE_STYLE_MAX_BYTES: u64 = 16 * 1024;

impl ClientAssets {
    /// The plain names a build without fingerprints writes.
    pub fn plain() -> Self {
        let url = |ext: &str| format!("/{SITE_PKG_DIR}/{OUTPUT_NAME}.{ext}");
        ClientAssets::new([url("js"), url("wasm"), url("css")], None, false)
    }

    fn new([js, wasm, css]: [String; 3], split: Option<String>, fingerprinted: bool) -> Self {
        let boot = boot_script(&js, &wasm, split.as_deref()).into();
        ClientAssets { js, wasm, css, split, fingerprinted, boot, style: None }
    }

    /// The names in `site_root/hash.txt`, or the plain names without one
    /// (or when `hash_files` is false). A manifest that cannot be understood
    /// is logged and ignored: the page then names files that do not exist,
    /// which a look at the log explains.
    pub fn load(site_root: &Path, hash_files: bool) -> Self {
        if !hash_files {
            return ClientAssets::plain();
        }
        let path = site_root.join(HASH_FILE);
        let mut assets = match std::fs::read_to_string(&path) {
            Ok(text) => ClientAssets::parse(&text).unwrap_or_else(|problem| {
                tracing::error!("{}: {problem}; naming the client's files without hashes", path.display());
                ClientAssets::plain()
            }),
            Err(_) => ClientAssets::plain(),
        };
        if assets.fingerprinted {
            assets.style = inline_style(&site_root.join(assets.css.trim_start_matches('/')));
        }
        assets
    }

    /// Reads cargo-leptos's manifest: one `extension: hash` line for each of
    /// `js`, `wasm` and `css`, and with `--split` a `split:` line. A hash
    /// must be base64url (what cargo-leptos writes), which also keeps it
    /// safe inside the page's HTML and script.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut hashes = [None, None, None, None];
        for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
            let Some((kind, hash)) = line.split_once(':') else {
                return Err(format!("`{line}` is not `extension: hash`"));
            };
            let slot = match kind.trim() {
                "js" => 0,
                "wasm" => 1,
                "css" => 2,
                "split" => 3,
                // The split manifest, used by Leptos's own hydration scripts.
                _ => continue,
            };
            let hash = hash.trim();
            let valid = !hash.is_empty()
                && hash.len() <= 64
                && hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid {
                return Err(format!("`{hash}` is not a file hash"));
            }
            hashes[slot] = Some(hash.to_owned());
        }
        let url = |ext: &str, hash: &Option<String>| {
            hash.as_ref()
                .map(|hash| format!("/{SITE_PKG_DIR}/{OUTPUT_NAME}.{hash}.{ext}"))
                .ok_or_else(|| format!("no `{ext}:` line"))
        };
        let split = hashes[3].as_ref().map(|hash| format!("/{SITE_PKG_DIR}/__wasm_split.{hash}.js"));
        Ok(ClientAssets::new([url("js", &hashes[0])?, url("wasm", &hashes[1])?, url("css", &hashes[2])?], split, true))
    }

    /// The `Cache-Control` a static file at `path` is served with.
    pub fn cache_control(&self, path: &str) -> &'static str {
        let named = [&self.js, &self.wasm, &self.css].iter().any(|url| url.as_str() == path)
            || self.split.as_deref() == Some(path);
        if self.fingerprinted && named { IMMUTABLE } else { REVALIDATE }
    }

    /// The client's `.wasm` file on disk, to check at start-up that the
    /// client was built.
    pub fn wasm_file(&self, site_root: &Path) -> PathBuf {
        site_root.join(self.wasm.trim_start_matches('/'))
    }
}

/// The stylesheet at `path`, if the page should carry it inline: no larger
/// than [`INLINE_STYLE_MAX_BYTES`], and with nothing that would end the
/// `<style>` element early.
fn inline_style(path: &Path) -> Option<Arc<str>> {
    let size = std::fs::metadata(path).ok()?.len();
    if size > INLINE_STYLE_MAX_BYTES {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    (!text.to_ascii_lowercase().contains("</style")).then(|| text.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_manifest_cargo_leptos_writes() {
        let assets = ClientAssets::parse("js: Ab-_9\nwasm: Zz0\ncss: q\nmanifest: m1\nsplit: s2\n").unwrap();
        assert_eq!(assets.js, "/pkg/bulletin.Ab-_9.js");
        assert_eq!(assets.wasm, "/pkg/bulletin.Zz0.wasm");
        assert_eq!(assets.css, "/pkg/bulletin.q.css");
        assert_eq!(assets.split.as_deref(), Some("/pkg/__wasm_split.s2.js"));
        assert!(assets.fingerprinted);
        assert_eq!(ClientAssets::parse("js: a\nwasm: b\ncss: c").unwrap().split, None, "a build without --split");
    }

    #[test]
    fn refuses_hashes_that_could_break_out_of_the_page() {
        for bad in [
            "js: a\"b\nwasm: x\ncss: y",
            "js: <x>\nwasm: x\ncss: y",
            "js: a b\nwasm: x\ncss: y",
            "js:\nwasm: x\ncss: y",
        ] {
            assert!(ClientAssets::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(ClientAssets::parse("js: a\nwasm: b").unwrap_err().contains("css"));
        assert!(ClientAssets::parse("nonsense").is_err());
    }

    #[test]
    fn only_fingerprinted_files_are_immutable() {
        let hashed = ClientAssets::parse("js: a\nwasm: b\ncss: c").unwrap();
        assert_eq!(hashed.cache_control("/pkg/bulletin.a.js"), IMMUTABLE);
        assert_eq!(hashed.cache_control("/pkg/bulletin.c.css"), IMMUTABLE);
        assert_eq!(hashed.cache_control("/pkg/bulletin.js"), REVALIDATE);
        assert_eq!(hashed.cache_control("/favicon.svg"), REVALIDATE);
        let split = ClientAssets::parse("js: a\nwasm: b\ncss: c\nsplit: d").unwrap();
        assert_eq!(split.cache_control("/pkg/__wasm_split.d.js"), IMMUTABLE);
        assert_eq!(split.cache_control("/pkg/__wasm_split.e.js"), REVALIDATE);
        let plain = ClientAssets::plain();
        assert_eq!(plain.cache_control(&plain.js.clone()), REVALIDATE);
    }

    #[test]
    fn the_boot_script_loads_the_named_files() {
        let assets = ClientAssets::parse("js: a\nwasm: b\ncss: c").unwrap();
        let script = &assets.boot;
        assert!(script.ends_with(r#")("/pkg/bulletin.a.js", "/pkg/bulletin.b.wasm", null);"#), "{script}");
        let split = ClientAssets::parse("js: a\nwasm: b\ncss: c\nsplit: d").unwrap();
        assert!(split.boot.ends_with(r#", "/pkg/__wasm_split.d.js");"#), "{}", split.boot);
        assert!(!script.contains("</script"), "cannot end the element it is written into");
        assert!(!script.contains("// "), "comments are not sent");
    }

    #[test]
    fn without_a_manifest_the_names_are_plain() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(ClientAssets::load(dir.path(), true), ClientAssets::plain());
        std::fs::write(dir.path().join(HASH_FILE), "js: a\nwasm: b\ncss: c\n").unwrap();
        assert!(ClientAssets::load(dir.path(), true).fingerprinted);
        assert_eq!(ClientAssets::load(dir.path(), false), ClientAssets::plain(), "built without hashes");
        std::fs::write(dir.path().join(HASH_FILE), "js: \"\n").unwrap();
        assert_eq!(ClientAssets::load(dir.path(), true), ClientAssets::plain());
    }

    #[test]
    fn a_stylesheet_that_could_end_its_element_early_is_linked_instead() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("style.css");
        std::fs::write(&path, "a { color: red }").unwrap();
        assert_eq!(inline_style(&path).as_deref(), Some("a { color: red }"));
        std::fs::write(&path, "a { content: '</STYLE><script>alert(1)</script>' }").unwrap();
        assert_eq!(inline_style(&path), None);
        assert_eq!(inline_style(&dir.path().join("missing.css")), None);
    }
}
