//! The files of a built site and the release they make.

use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256, Sha384};

use crate::media::{content_type, CacheClass};

/// The site's directory of the Wasm, its loader and chunks, and the CSS (`site-pkg-dir`).
pub const PKG_DIR: &str = "pkg";

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{root} has no {PKG_DIR}/ directory: is it a built site (scripts/build.sh)?")]
    NoPkg { root: PathBuf },
    #[error("{path}: a file name that is not UTF-8")]
    NotUtf8 { path: PathBuf },
    #[error("{path}: no known Content-Type for this kind of file; add it to assets/src/media.rs")]
    UnknownType { path: String },
}

/// One file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// Relative to the site's root, with `/` separators (`pkg/ironlog.wasm`).
    pub path: String,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Subresource Integrity metadata of the content (`sha384-<base64>`), for the pages'
    /// import map and the service worker's precache.
    pub integrity: String,
    pub len: u64,
    pub content_type: &'static str,
    /// Where it is on disk.
    pub source: PathBuf,
}

impl SiteFile {
    pub fn in_pkg(&self) -> bool {
        self.path.starts_with(&format!("{PKG_DIR}/"))
    }

    pub fn cache_class(&self) -> CacheClass {
        if self.in_pkg() {
            CacheClass::Immutable
        } else {
            CacheClass::Revalidate
        }
    }
}

/// A built site: its files (sorted by path) and the release id of its `pkg/` files.
#[derive(Debug, Clone)]
pub struct Site {
    pub root: PathBuf,
    pub release: String,
    pub files: Vec<SiteFile>,
}

impl Site {
    /// Reads every file under `root`. TypeScript declarations (`*.d.ts`, written beside the
    /// JavaScript by wasm-bindgen) are left out: no page loads them.
    pub fn scan(root: &Path) -> Result<Self, SiteError> {
        if !root.join(PKG_DIR).is_dir() {
            return Err(SiteError::NoPkg {
                root: root.to_path_buf(),
            });
        }
        let mut files = Vec::new();
        walk(root, root, &mut files)?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let release = release_id(files.iter().filter(|f| f.in_pkg()));
        Ok(Self {
            root: root.to_path_buf(),
            release,
            files,
        })
    }

    /// The object key a file is published under: `<release>/pkg/…` for the release's files,
    /// its own path for the others.
    pub fn key(&self, file: &SiteFile) -> String {
        if file.in_pkg() {
            format!("{}/{}", self.release, file.path)
        } else {
            file.path.clone()
        }
    }
}

/// 16 hex digits of a SHA-256 over every file's path and content hash: any change to any file
/// is a new release; the same files are the same release on every machine.
fn release_id<'a>(files: impl Iterator<Item = &'a SiteFile>) -> String {
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.path.as_bytes());
        hasher.update([0]);
        hasher.update(f.sha256.as_bytes());
        hasher.update([b'\n']);
    }
    hex(&hasher.finalize())[..16].to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<SiteFile>) -> Result<(), SiteError> {
    let read = |path: &Path, source| SiteError::Read {
        path: path.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(|e| read(dir, e))? {
        let entry = entry.map_err(|e| read(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| read(&path, e))?;
        if kind.is_dir() {
            walk(root, &path, out)?;
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .ok()
            .and_then(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_str())
                    .collect::<Option<Vec<_>>>()
            })
            .map(|parts| parts.join("/"))
            .ok_or_else(|| SiteError::NotUtf8 { path: path.clone() })?;
        if relative.ends_with(".d.ts") {
            continue;
        }
        let content_type = content_type(&relative).ok_or_else(|| SiteError::UnknownType {
            path: relative.clone(),
        })?;
        let bytes = std::fs::read(&path).map_err(|e| read(&path, e))?;
        out.push(SiteFile {
            path: relative,
            sha256: hex(&Sha256::digest(&bytes)),
            integrity: format!(
                "sha384-{}",
                base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&bytes))
            ),
            len: bytes.len() as u64,
            content_type,
            source: path,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        dir
    }

    const BUILD: &[(&str, &str)] = &[
        ("pkg/ironlog.js", "js"),
        ("pkg/ironlog.wasm", "wasm"),
        ("pkg/ironlog.d.ts", "types"),
        ("sw.js", "worker"),
        ("icon.svg", "<svg/>"),
    ];

    #[test]
    fn the_release_is_the_pkg_content_and_names_its_keys() {
        let dir = site(BUILD);
        let a = Site::scan(dir.path()).unwrap();
        assert_eq!(a.release.len(), 16);
        let paths: Vec<&str> = a.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["icon.svg", "pkg/ironlog.js", "pkg/ironlog.wasm", "sw.js"],
            "sorted, without the TypeScript declarations"
        );
        let wasm = &a.files[2];
        assert_eq!(a.key(wasm), format!("{}/pkg/ironlog.wasm", a.release));
        assert_eq!(wasm.cache_class(), CacheClass::Immutable);
        assert_eq!(a.key(&a.files[3]), "sw.js");
        assert_eq!(a.files[3].cache_class(), CacheClass::Revalidate);

        // The same files elsewhere: the same release. One byte changed in pkg/: another.
        assert_eq!(Site::scan(site(BUILD).path()).unwrap().release, a.release);
        let mut changed = BUILD.to_vec();
        changed[1] = ("pkg/ironlog.wasm", "wasm!");
        assert_ne!(
            Site::scan(site(&changed).path()).unwrap().release,
            a.release
        );
        // A file outside pkg/ is not part of the release.
        let mut worker = BUILD.to_vec();
        worker[3] = ("sw.js", "worker 2");
        assert_eq!(Site::scan(site(&worker).path()).unwrap().release, a.release);
    }

    #[test]
    fn each_file_carries_its_subresource_integrity() {
        let dir = site(BUILD);
        let a = Site::scan(dir.path()).unwrap();
        // `printf js | openssl dgst -sha384 -binary | base64`
        assert_eq!(
            a.files[1].integrity,
            "sha384-jQYcGOzPwkUhEe8g4GIYQ+uZMxWmWzNY4mzMebMhwTFZacpnmridbTjaURxAo3Ne"
        );
        assert_ne!(a.files[1].integrity, a.files[2].integrity);
    }

    #[test]
    fn a_directory_that_is_not_a_site_or_a_file_of_unknown_kind_is_refused() {
        let err = Site::scan(site(&[("index.txt", "x")]).path()).unwrap_err();
        assert!(matches!(err, SiteError::NoPkg { .. }), "{err}");
        let err = Site::scan(site(&[("pkg/a.js", ""), ("notes.docx", "")]).path()).unwrap_err();
        assert!(err.to_string().contains("notes.docx"), "{err}");
    }
}
