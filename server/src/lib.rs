//! Ironlog's server: the pages (SSR + hydration), the thin JSON API, health and metrics, and
//! the write path's publisher. In embedded mode it also runs the consumer's worker in-process.

// The pages' view types (islands inside Suspense inside routes) nest deeper than the default.
#![recursion_limit = "256"]

pub mod api;
pub mod auth;
pub mod backend;
pub mod config;
pub mod form;
pub mod import_form;
pub mod ingest;
pub mod limits;
pub mod ops;
pub mod router;
pub mod security;
pub mod settings;

pub use router::{router, AppState};
