//! The built site (`scripts/build.sh` writes it to `target/site`) as the
//! publisher and the server both see it: its files, the release they make, and how each is
//! served.
//!
//! The Wasm bundle is split into chunks that the loader fetches relative to its own URL, so a
//! build's `pkg/` directory cannot be renamed file by file; it is published whole as
//! `<release>/pkg/`, where the release id is derived from the content of every file in it.
//! Everything under such a prefix is immutable. The server computes the same id from its own
//! copy of the site and gives Leptos `<assets URL>/<release>` as the root its `pkg/` paths
//! hang from, so the pages it renders name exactly the files that were published.
//!
//! # Layout
//!
//! - `site`: `Site::scan`: every file with its SHA-256 and Subresource Integrity, the release
//!   id derived from `pkg/`, each file's object key.
//! - `media`: each file's `Content-Type` and cache class.
//! - `scripts`: `PAGE_SCRIPTS`, the page scripts named once (the app's shell, the server's
//!   service worker and the bundle benchmark all read it), and `BEFORE_HYDRATION`.

mod media;
mod scripts;
mod site;

pub use media::{cache_control, content_type, CacheClass};
pub use scripts::{BEFORE_HYDRATION, PAGE_SCRIPTS};
pub use site::{Site, SiteError, SiteFile, PKG_DIR};
