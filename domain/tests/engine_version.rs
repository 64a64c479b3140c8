//! `read_model::VERSION` follows the engine: a fingerprint of what the read model is computed
//! by (the engine's, the analytics' and the model's sources, their tests and comments left out,
//! and the golden files) is recorded with each version in `read_model::ENGINE_FINGERPRINTS`.
//! Change any of them without raising VERSION and this fails, naming the value to record.

use std::path::Path;

use domain::read_model::{ENGINE_FINGERPRINTS, VERSION};
use sha2::{Digest, Sha256};

/// The sources whose change changes what a stored read model holds.
const SOURCES: &[&str] = &[
    "analytics.rs",
    "bodyweight.rs",
    "catalog.rs",
    "engine.rs",
    "plates.rs",
    "profile.rs",
    "program.rs",
    "progress.rs",
    "read_model.rs",
    "strength.rs",
    "units.rs",
    "workout.rs",
];

/// The code of a source as far as the model is concerned: no test module (`#[cfg(test)] mod
/// tests`, which each file keeps last), no comment lines, no blank lines, no indentation, and
/// not the fingerprints themselves. Other `#[cfg(test)]` items count: they are code.
fn code_of(text: &str) -> String {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    let mut out = String::new();
    let mut skipping_fingerprints = false;
    for line in code.lines().map(str::trim) {
        if line.starts_with("pub const ENGINE_FINGERPRINTS") {
            skipping_fingerprints = !line.ends_with(';');
            continue;
        }
        if skipping_fingerprints {
            skipping_fingerprints = !line.ends_with(';');
            continue;
        }
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn fingerprint() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut hash = Sha256::new();
    for name in SOURCES {
        let text = std::fs::read_to_string(root.join("src").join(name))
            .unwrap_or_else(|e| panic!("src/{name}: {e}"));
        hash.update(name.as_bytes());
        hash.update(code_of(&text).as_bytes());
    }
    let golden = root.join("tests/golden");
    let mut files: Vec<_> = std::fs::read_dir(&golden)
        .expect("tests/golden")
        .map(|e| e.expect("a golden file").path())
        .collect();
    files.sort();
    for path in files {
        hash.update(path.file_name().expect("a name").as_encoded_bytes());
        hash.update(std::fs::read(&path).expect("a golden file's content"));
    }
    hash.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_read_models_version_is_raised_with_any_change_to_the_engine() {
    let now = fingerprint();
    let &(recorded_version, recorded) = ENGINE_FINGERPRINTS.last().expect("a recorded version");
    assert!(
        ENGINE_FINGERPRINTS.windows(2).all(|w| w[0].0 < w[1].0),
        "ENGINE_FINGERPRINTS: each entry is a new, larger version"
    );
    assert_eq!(
        recorded_version, VERSION,
        "the newest of ENGINE_FINGERPRINTS is not VERSION {VERSION}: append ({VERSION}, \"{now}\")"
    );
    assert_eq!(
        recorded,
        now,
        "the engine, the analytics or the read model changed since VERSION {VERSION} was \
         recorded: stored models would be served as if nothing had. Raise VERSION to {} and \
         append ({}, \"{now}\") to ENGINE_FINGERPRINTS (a change that leaves every model as it \
         was, such as a renamed local, may instead record the new fingerprint under the same \
         version, said so in the commit)",
        VERSION + 1,
        VERSION + 1
    );
}

#[test]
fn comments_and_tests_do_not_count_but_code_does() {
    let a = "fn f() -> u32 {\n    // why\n    1\n}\n#[cfg(test)]\nmod tests {}\n";
    let helper = "#[cfg(test)]\nfn h() {}\nfn f() -> u32 {\n    1\n}\n";
    assert!(
        code_of(helper).contains("fn f()"),
        "code after a test-only item counts"
    );
    let b = "fn f() -> u32 {\n    // why, said better\n\n    1\n}\n#[cfg(test)]\nmod tests { #[test] fn t() {} }\n";
    let c = "fn f() -> u32 {\n    2\n}\n";
    assert_eq!(code_of(a), code_of(b));
    assert_ne!(code_of(a), code_of(c));
    let with = "pub const VERSION: u32 = 2;\npub const ENGINE_FINGERPRINTS: &[(u32, &str)] = &[\n    (2, \"x\"),\n];\nfn g() {}\n";
    assert_eq!(code_of(with), "pub const VERSION: u32 = 2;\nfn g() {}\n");
}
