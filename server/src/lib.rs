//! Ironlog's server: the pages (SSR + hydration), the thin JSON API, health and metrics, and
//! the write path's publisher. In embedded mode it also runs the consumer's worker in-process.
//!
//! The public surface is small: [`Config`] and [`Application`] (build, then run). Modules are
//! private; `routes` composes the areas (`api`, `pages`, `auth`, `ops`), each with its own
//! `router()`, over the leaf modules `state`, `error` and `extract`.

// The pages' view types (islands inside Suspense inside routes) nest deeper than the default.
#![recursion_limit = "256"]

mod api;
mod auth;
mod backend;
mod cdn;
mod config;
mod disk;
mod error;
mod extract;
mod import_jobs;
mod importing;
mod ingest;
mod limits;
mod ops;
mod page_context;
mod pages;
mod pwa;
mod rebuild;
mod routes;
mod security;
mod serve;
mod startup;
mod state;
mod training;

pub use auth::middleware::PUBLIC_PAGES;
pub use config::{Command, Config, ConfigError, Mode};
pub use rebuild::rebuild_read_models;
pub use routes::page_paths;
pub use startup::{Application, StartError};
