//! The server's module graph, read from its source: no import cycles between modules, and no
//! module imports the module that composes it (its parent, or `lib.rs`/`routes.rs`).

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

#[test]
fn no_import_cycles_and_no_module_imports_its_composer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = std::fs::read_to_string(file).unwrap();
        graph.insert(module.clone(), references(&module, &text, &modules));
    }
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
    // No cycles: a depth-first search finds no back edge.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, bool>,
        path: &mut Vec<&'a str>,
    ) {
        match state.get(m) {
            Some(true) => return,
            Some(false) => panic!("import cycle: {} -> {m}", path.join(" -> ")),
            None => {}
        }
        state.insert(m, false);
        path.push(m);
        for next in graph.get(m).into_iter().flatten() {
            visit(next, graph, state, path);
        }
        path.pop();
        state.insert(m, true);
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        visit(m, &graph, &mut state, &mut Vec::new());
    }
}
