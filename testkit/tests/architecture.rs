//! The workspace's module graphs, read from the source: within each crate, no import cycle
//! between modules, nor between its folders (the top-level modules: `auth`, `api`, `log`…),
//! and in the server no module imports the module that composes it (its parent, or
//! `lib.rs`/`routes.rs`). Crates themselves cannot import each other in a cycle (cargo refuses).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `src/a/b.rs` or `src/a/b/mod.rs` → `a::b`; `src/lib.rs` → `` (the crate root).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts.join("::")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("main.rs") {
            out.push(path);
        }
    }
}

/// The longest known module a `crate::…` path names (the rest are items).
fn resolve(path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|m| modules.contains(m))
}

/// Absolute module paths referenced by `text` (the code of `module`), from `crate::` and
/// `super::` paths, `use` groups included; test modules are skipped.
fn references(module: &str, text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    let bytes = code.as_bytes();
    for (prefix, base) in [("crate::", String::new()), ("super::", parent.to_owned())] {
        let mut at = 0;
        while let Some(i) = code[at..].find(prefix) {
            let start = at + i + prefix.len();
            at = start;
            if start > prefix.len() && bytes[start - prefix.len() - 1].is_ascii_alphanumeric() {
                continue;
            }
            let rest = &code[start..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let path = rest[..end].trim_end_matches(':');
            let joined = |p: &str| {
                if base.is_empty() {
                    p.to_owned()
                } else if p.is_empty() {
                    base.clone()
                } else {
                    format!("{base}::{p}")
                }
            };
            // `use crate::{a, b::c}`: each member of a group.
            if rest[end..].starts_with('{') || path.is_empty() && rest.starts_with('{') {
                let group_start = start + end;
                let close = code[group_start..]
                    .find('}')
                    .map_or(code.len(), |c| group_start + c);
                for member in code[group_start + 1..close].split(',') {
                    let member = member
                        .trim()
                        .trim_start_matches("self")
                        .trim_start_matches("::");
                    let full = match (path.is_empty(), member.is_empty()) {
                        (true, _) => member.to_owned(),
                        (false, true) => path.to_owned(),
                        (false, false) => format!("{path}::{member}"),
                    };
                    if let Some(m) = resolve(&joined(&full), modules) {
                        out.insert(m);
                    }
                }
            } else if let Some(m) = resolve(&joined(path), modules) {
                out.insert(m);
            }
        }
    }
    out.remove(module);
    out
}

/// The module graph of the crate whose sources are in `<workspace>/<krate>/src`: each module
/// and the modules of its crate it references.
fn graph_of(krate: &str) -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = std::fs::read_to_string(file).unwrap();
        graph.insert(module.clone(), references(&module, &text, &modules));
    }
    graph
}

/// The graph between folders: each module counts as its top-level module (`auth::api` is
/// `auth`), the root is left out, and references inside one folder are not edges.
fn folders(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let top = |m: &str| m.split("::").next().unwrap_or("").to_owned();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, refs) in graph {
        if module.is_empty() {
            continue;
        }
        let from = top(module);
        let to = out.entry(from.clone()).or_default();
        for r in refs {
            let r = top(r);
            if !r.is_empty() && r != from {
                to.insert(r);
            }
        }
    }
    out
}

/// A cycle in `graph`, as the path around it, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, bool>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(true) => return None,
            Some(false) => {
                let from = path.iter().position(|p| p == m).unwrap_or(0);
                let mut around = path[from..].to_vec();
                around.push(m.to_owned());
                return Some(around);
            }
            None => {}
        }
        state.insert(m.to_owned(), false);
        path.push(m.to_owned());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(found) = visit(next, graph, state, path) {
                return Some(found);
            }
        }
        path.pop();
        state.insert(m.to_owned(), true);
        None
    }
    let mut state = BTreeMap::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut state, &mut Vec::new()))
}

/// The crates with modules of their own, each checked for cycles between modules and folders.
const CRATES: &[&str] = &[
    "domain", "service", "adapters", "consumer", "app", "server", "assets", "publish", "testkit",
    "loadtest",
];

#[test]
fn no_crate_has_an_import_cycle_between_modules_or_folders() {
    for krate in CRATES {
        let graph = graph_of(krate);
        assert!(
            graph.len() > 1,
            "{krate}'s source was read: {:?}",
            graph.keys()
        );
        if let Some(around) = cycle(&graph) {
            panic!(
                "{krate}: import cycle between modules: {}",
                around.join(" -> ")
            );
        }
        if let Some(around) = cycle(&folders(&graph)) {
            panic!(
                "{krate}: import cycle between folders: {}",
                around.join(" -> ")
            );
        }
    }
}

#[test]
fn no_server_module_imports_its_composer() {
    let graph = graph_of("server");
    assert!(graph.len() > 20, "the source was read: {:?}", graph.keys());
    assert!(
        graph["api::workouts"].contains("state"),
        "references are found: {graph:?}"
    );
    // A module never imports one that contains it (its composer), nor the root, nor `routes`
    // (which only `startup`, which serves what it composes, may use).
    for (module, refs) in &graph {
        for r in refs {
            let composes = r.is_empty()
                || module.starts_with(&format!("{r}::"))
                || (r == "routes" && module != "startup");
            assert!(!composes, "{module} imports {r:?}, which composes it");
        }
    }
}

#[test]
fn the_checks_find_what_they_look_for() {
    let edges = |pairs: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in pairs {
            g.entry((*a).to_owned())
                .or_default()
                .insert((*b).to_owned());
            g.entry((*b).to_owned()).or_default();
        }
        g
    };
    // Modules with no cycle, whose folders import each other.
    let g = edges(&[
        ("auth::api", "api::error"),
        ("api::workouts", "auth::session"),
    ]);
    assert_eq!(cycle(&g), None);
    assert_eq!(
        cycle(&folders(&g)),
        Some(vec!["api".to_owned(), "auth".to_owned(), "api".to_owned()])
    );
    let modules: BTreeSet<String> = ["", "auth", "auth::api", "api", "api::error"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let refs = references(
        "auth::api",
        "use crate::{api::error::ApiError, state};\nuse super::api as _x;\n",
        &modules,
    );
    assert_eq!(
        refs,
        BTreeSet::from(["api::error".to_owned()]),
        "itself is not a reference"
    );
}
