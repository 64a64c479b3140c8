//! What makes Ironlog an installable, offline-capable app: the service worker at `/sw.js`,
//! generated for the running build, and the page it shows offline for a page never visited.
//!
//! The worker is small and hand-written (`pwa/sw.js`) rather than Workbox: it needs three
//! rules (precache the build, pages network-first with a cached fallback, everything else
//! untouched), Workbox's runtime would be larger than the rest of the app's JS, and its build
//! step would need a Node toolchain in the server's build. The precache list and the build id
//! come from the site directory the server was given, so a page never mixes one build's HTML
//! with another's Wasm.

use std::path::Path;
use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

use crate::cdn::CdnAssets;
use crate::state::AppState;

/// The worker's code; `__BUILD__` and `__PRECACHE__` are filled in at start-up.
const WORKER: &str = include_str!("pwa/sw.js");

/// The files of `public/` the site ships besides every page's scripts (`assets::PAGE_SCRIPTS`):
/// the manifest, the icons, the CDN build's integrity script.
const OTHER_PUBLIC_FILES: [&str; 9] = [
    "/manifest.webmanifest",
    "/icon.svg",
    "/icon-maskable.svg",
    "/icon-192.png",
    "/icon-512.png",
    "/icon-maskable-192.png",
    "/icon-maskable-512.png",
    "/apple-touch-icon.png",
    "/pkg-integrity.js",
];

/// The files of `public/` the site ships: precached beside `/pkg`, and the only ones besides
/// `/pkg` that HTTP caches may keep (`security::headers`). Every one must exist, or the
/// worker's install fails.
pub fn public_files() -> impl Iterator<Item = &'static str> {
    assets::PAGE_SCRIPTS.into_iter().chain(OTHER_PUBLIC_FILES)
}

/// Whether `path` is one of [`public_files`].
pub fn is_public_file(path: &str) -> bool {
    public_files().any(|f| f == path)
}

const OFFLINE_PATH: &str = "/offline";

/// The worker for the site in `site_root`: its build id is a hash of every `/pkg` file's name
/// and content, and it precaches them all (the lazy chunks included) as the pages load them:
/// from this server, or from the CDN's `<assets URL>/<release>` with their integrity, so a
/// changed file there fails the install (retried on the next load) instead of being kept.
pub fn worker_for(site_root: &Path, pkg_dir: &str, cdn: Option<&CdnAssets>) -> String {
    let asset_root = cdn.map_or("", |c| c.root.as_str());
    let dir = site_root.join(pkg_dir);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        // What the browser loads: not the TypeScript declarations wasm-bindgen writes beside.
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            [".js", ".wasm", ".css", ".json"]
                .iter()
                .any(|ext| name.ends_with(ext))
        })
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            std::fs::read(e.path()).ok().map(|bytes| (name, bytes))
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hash = Sha256::new();
    // The shipped public files are part of the build too: a change to the outbox's script
    // alone must still reach the devices as a new worker.
    let public: Vec<(String, Vec<u8>)> = public_files()
        .filter_map(|f| {
            std::fs::read(site_root.join(&f[1..]))
                .ok()
                .map(|bytes| (f.to_owned(), bytes))
        })
        .collect();
    for (name, bytes) in files.iter().chain(&public) {
        hash.update(name.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    }
    let build: String = hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let precache: Vec<String> = files
        .iter()
        .map(|(name, _)| format!("{asset_root}/{pkg_dir}/{name}"))
        .chain(public_files().map(str::to_owned))
        .chain([OFFLINE_PATH.to_owned()])
        .collect();
    let list = serde_json::to_string(&precache).unwrap_or_else(|_| "[]".into());
    let integrity = cdn
        .and_then(|c| serde_json::to_string(&c.integrity).ok())
        .unwrap_or_else(|| "{}".into());
    WORKER
        .replace("__BUILD__", &build)
        .replace("__PRECACHE__", &list)
        .replace("__INTEGRITY__", &integrity)
}

pub fn router(worker: String) -> Router<AppState> {
    let worker: Arc<str> = worker.into();
    Router::new()
        .route(
            "/sw.js",
            get(move || {
                let worker = worker.clone();
                async move { serve_worker(&worker) }
            }),
        )
        .route(OFFLINE_PATH, get(offline))
}

/// Never cached by the HTTP cache, so an update is seen on the next check; allowed to control
/// the whole site.
fn serve_worker(worker: &str) -> Response {
    let mut response = worker.to_owned().into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("service-worker-allowed", HeaderValue::from_static("/"));
    response
}

/// What a page never visited online shows offline.
async fn offline() -> Html<&'static str> {
    Html(include_str!("pwa/offline.html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_public_file_listed_is_shipped() {
        let public = Path::new(env!("CARGO_MANIFEST_DIR")).join("../public");
        for file in public_files() {
            assert!(public.join(&file[1..]).is_file(), "public{file} is missing");
        }
    }

    #[test]
    fn the_build_id_follows_the_site_and_every_file_is_precached() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/ironlog.wasm"), b"one").unwrap();
        std::fs::write(dir.path().join("pkg/ironlog.chunk-1.js"), b"lazy").unwrap();
        std::fs::write(dir.path().join("pkg/ironlog.d.ts"), b"types").unwrap();
        let first = worker_for(dir.path(), "pkg", None);
        assert!(first.contains("\"/pkg/ironlog.wasm\""), "{first}");
        assert!(
            first.contains("\"/pkg/ironlog.chunk-1.js\""),
            "the lazy chunks too"
        );
        assert!(first.contains("\"/offline\""));
        assert!(
            !first.contains("d.ts"),
            "declarations are not the browser's"
        );
        assert!(["__BUILD__", "__PRECACHE__", "__INTEGRITY__"]
            .iter()
            .all(|p| !first.contains(p)));
        assert!(first.contains("const INTEGRITY = {};"), "none from here");
        std::fs::write(dir.path().join("pkg/ironlog.wasm"), b"two").unwrap();
        let second = worker_for(dir.path(), "pkg", None);
        assert_ne!(first, second, "a new build is a new worker");
        std::fs::write(dir.path().join("device-store.js"), b"// changed").unwrap();
        let third = worker_for(dir.path(), "pkg", None);
        assert_ne!(second, third, "a changed public file is a new build too");
        // From a CDN: the build's files by their full URL, the rest still from here.
        let wasm = "https://cdn.example/0123456789abcdef/pkg/ironlog.wasm";
        let assets = CdnAssets {
            root: "https://cdn.example/0123456789abcdef".into(),
            origin: "https://cdn.example".into(),
            integrity: [(wasm.to_owned(), "sha384-abc".to_owned())].into(),
            import_map: String::new(),
        };
        let cdn = worker_for(dir.path(), "pkg", Some(&assets));
        assert!(cdn.contains(&format!("\"{wasm}\"")), "{cdn}");
        assert!(
            cdn.contains(&format!("const INTEGRITY = {{\"{wasm}\":\"sha384-abc\"}};")),
            "{cdn}"
        );
        assert!(!cdn.contains("\"/pkg/"), "{cdn}");
        assert!(cdn.contains("\"/offline\""));
    }
}
