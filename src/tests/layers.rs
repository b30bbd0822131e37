//! The layers import in one direction only (docs/ARCHITECTURE.md,
//! "Invariants"): this test reads every source file under `src/` and fails
//! when a module imports one of a higher layer, or when a module up to the
//! services imports the HTTP stack. Test modules are left out: a test may
//! reach anything.
//!
//! Every module must have a layer: a new module that is in no layer fails
//! the test until it is given one below.

use std::{fmt::Write as _, path::Path};

/// The layers, lowest first, by module path. A path belongs to the longest
/// entry it starts with.
const LAYERS: &[(&str, &[&str])] = &[
    ("shared", &["domain", "error", "wire"]),
    (
        "base",
        &[
            "server::assets",
            "server::clock",
            "server::csp",
            "server::config",
            "server::error",
            "server::secret",
            "server::telemetry",
            "server::visitor",
        ],
    ),
    ("db", &["server::db"]),
    ("cache", &["server::cache"]),
    ("feed", &["server::feed", "server::live"]),
    ("services", &["server::services", "server::drafts", "server::limits"]),
    ("state", &["server::state"]),
    (
        "api",
        &[
            "api",
            "ui",
            "server::caller",
            "server::cookies",
            "server::plain_form",
            "server::registry",
            "server::request",
            "server::upload",
        ],
    ),
    ("top", &["server::image_files", "server::live_stream", "server::middleware", "server::router", "server::serve"]),
];

/// What `server/mod.rs` re-exports, by the module that defines it.
const RE_EXPORTS: &[(&str, &str)] = &[
    ("server::AppState", "server::state"),
    ("server::StartupError", "server::state"),
    ("server::build_state", "server::state"),
    ("server::Config", "server::config"),
    ("server::Visitor", "server::visitor"),
    ("server::build_router", "server::router"),
];

/// The layers that must not see HTTP: everything up to the services.
const WITHOUT_HTTP: usize = 5;

/// Crates that are the HTTP stack.
const HTTP_CRATES: &[&str] = &["axum", "leptos_axum", "tower", "tower_http", "hyper", "hyper_util"];

/// The layer of a module path: its index in [`LAYERS`], or `None` when the
/// path is in none.
fn layer_of(path: &str) -> Option<usize> {
    let path = RE_EXPORTS.iter().find(|(name, _)| *name == path).map_or(path, |(_, module)| *module);
    let mut best: Option<(usize, usize)> = None;
    for (index, (_, modules)) in LAYERS.iter().enumerate() {
        for module in *modules {
            let inside = path == *module || path.starts_with(&format!("{module}::"));
            if inside && best.is_none_or(|(_, length)| module.len() > length) {
                best = Some((index, module.len()));
            }
        }
    }
    best.map(|(index, _)| index)
}

/// The module path of the file at `relative` (to `src/`): `server/db/mod.rs`
/// is `server::db`.
fn module_of(relative: &str) -> String {
    let trimmed = relative.trim_end_matches(".rs");
    let trimmed = trimmed.strip_suffix("/mod").unwrap_or(trimmed);
    trimmed.replace('/', "::")
}

/// The source without comments and without its `#[cfg(test)] mod tests`.
fn code_of(source: &str) -> String {
    let source = match source.find("#[cfg(test)]\nmod tests") {
        Some(at) => &source[..at],
        None => source,
    };
    source
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path a `use` of `tree` names, braces expanded, with the prefix
/// before it.
fn expand(prefix: &str, tree: &str, into: &mut Vec<String>) {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        let tree = tree.split("as").next().unwrap_or(&tree).to_owned();
        into.push(format!("{prefix}{tree}"));
        return;
    };
    let head = format!("{prefix}{}", &tree[..open]);
    let inner = &tree[open + 1..tree.len() - 1];
    let mut depth = 0;
    let mut start = 0;
    for (at, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&head, &inner[start..at], into);
                start = at + 1;
            }
            _ => {}
        }
    }
    if start < inner.len() {
        expand(&head, &inner[start..], into);
    }
}

/// The crate paths the code of module `module` imports (`use` statements
/// and paths written out in full), resolved to paths from the crate root,
/// and the external crates it names.
fn imports(module: &str, code: &str) -> (Vec<String>, Vec<String>) {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = rest.find(';') else { break };
        expand("", &rest[..end], &mut paths);
        rest = &rest[end..];
    }
    // Paths written out in full, outside `use`.
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        let tail = &rest[at..];
        let end = tail.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(tail.len());
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            paths.push(tail[..end].trim_end_matches(':').to_owned());
        }
        rest = &rest[at + end.max(1)..];
    }
    let own: Vec<&str> = module.split("::").collect();
    let mut internal = Vec::new();
    let mut external = Vec::new();
    for path in paths {
        let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let resolved = match segments.first().copied() {
            Some("crate") => segments[1..].join("::"),
            Some("super") | Some("self") => {
                let mut base = own.clone();
                while let Some(&first) = segments.first() {
                    match first {
                        "super" => {
                            base.pop();
                        }
                        "self" => {}
                        _ => break,
                    }
                    segments.remove(0);
                }
                base.extend(segments);
                base.join("::")
            }
            Some(first) => {
                external.push(first.to_owned());
                continue;
            }
            None => continue,
        };
        internal.push(resolved);
    }
    // Crates named in paths outside `use` (`axum::http::…` in a signature).
    for name in HTTP_CRATES {
        let mut rest = code;
        while let Some(at) = rest.find(&format!("{name}::")) {
            let before = rest[..at].chars().last();
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                external.push((*name).to_owned());
            }
            rest = &rest[at + name.len() + 2..];
        }
    }
    (internal, external)
}

/// The imports of module `module` (source `source`) that break the layers,
/// one line each.
fn violations(module: &str, source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Some(own) = layer_of(module) else {
        return vec![format!("{module} is in no layer: give it one in src/tests/layers.rs")];
    };
    let (internal, external) = imports(module, &code_of(source));
    for path in internal {
        // The crate root and `server` itself hold only declarations and
        // re-exports, checked through what they re-export.
        if path.is_empty() || path == "server" {
            continue;
        }
        match layer_of(&path) {
            Some(theirs) if theirs > own => found
                .push(format!("{module} ({}) imports {path} ({}), a higher layer", LAYERS[own].0, LAYERS[theirs].0)),
            Some(_) => {}
            None if path.starts_with("server::") => {
                found.push(format!("{module} imports {path}, which is in no layer"))
            }
            None => {}
        }
    }
    if own <= WITHOUT_HTTP {
        for name in external.iter().filter(|name| HTTP_CRATES.contains(&name.as_str())) {
            found.push(format!("{module} ({}) imports {name}, the HTTP stack", LAYERS[own].0));
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Every `.rs` file under `dir`, but tests.
fn sources(dir: &Path, into: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        if path.is_dir() {
            if name != "tests" {
                sources(&path, into);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" {
            into.push(path);
        }
    }
}

#[test]
fn no_module_imports_from_a_higher_layer_and_none_below_the_api_sees_http() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut report = String::new();
    let mut checked = 0;
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        if matches!(relative.as_str(), "lib.rs" | "main.rs" | "server/mod.rs") {
            continue;
        }
        let module = module_of(&relative);
        let source = std::fs::read_to_string(file).unwrap();
        checked += 1;
        for line in violations(&module, &source) {
            writeln!(report, "{relative}: {line}").unwrap();
        }
    }
    assert!(checked > 50, "the sources were found ({checked} files)");
    assert!(report.is_empty(), "imports against the layers:\n{report}");
    eprintln!("layers: {checked} files checked, every import runs downwards");
}

#[test]
fn an_import_from_a_higher_layer_or_of_axum_below_the_api_is_caught() {
    let upward = "use crate::server::{config::Config, middleware::visitor::identify};";
    assert_eq!(
        violations("server::db::gate", upward),
        ["server::db::gate (db) imports server::middleware::visitor::identify (top), a higher layer"]
    );
    let relative = "use super::super::services::Store;";
    assert_eq!(
        violations("server::cache::kept", relative),
        ["server::cache::kept (cache) imports server::services::Store (services), a higher layer"]
    );
    let written_out = "fn f(state: crate::server::AppState) {}";
    assert_eq!(
        violations("server::feed", written_out),
        ["server::feed (feed) imports server::AppState (state), a higher layer"]
    );
    assert_eq!(
        violations("server::services::posts", "fn f(h: &axum::http::HeaderMap) {}"),
        ["server::services::posts (services) imports axum, the HTTP stack"]
    );
    assert!(violations("server::middleware::origin", "use axum::Router;\nuse crate::server::db::Db;").is_empty());
    assert_eq!(
        violations("server::nowhere", ""),
        ["server::nowhere is in no layer: give it one in src/tests/layers.rs"]
    );
    // What a test module imports is its own business.
    let test_only = "fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::server::middleware::stack;\n}\n";
    assert!(violations("server::db", test_only).is_empty());
}
