//! Ironlog's server: the pages (SSR + hydration), the thin JSON API, health and metrics, and
//! the write path's publisher. In embedded mode it also runs the consumer's worker in-process.
//!
//! The public surface is small: [`Config`] and [`Application`] (build, then run). Modules are
//! private; `routes` composes the areas (`api`, `forms`, `ops`, `pwa`), each with its own
//! `router()`, under the middleware of `security` and `auth`.
//!
//! # Layout
//!
//! - Areas: `api/` (the JSON API, each route with its OpenAPI description in `doc.rs`; the
//!   account endpoints in `auth.rs`), `forms/` (what the plain HTML forms post to, signing in
//!   and out included; every other form handler takes `signed_in::SignedIn`), `ops` (health,
//!   readiness, metrics), `pwa` (the service worker and the offline page).
//! - `auth/`: sessions, the trusted proxy, passwords, the cookie, account deletion, and the
//!   middleware that names the request's user (`authenticate`) and sends pages to log-in
//!   (`require_login`). It has no router of its own.
//! - What handlers share: `state` (`AppState`), `error` (`ApiError`, and the one mapping from
//!   `service::ChangeError`), `extract` (bodies, `User`, `ClientIp`),
//!   `training` (the training service's answers as `ApiError`s), `page_context` (what every
//!   Leptos render is given), `limits` (rate limits), `security` (headers and the CSRF check).
//! - Imports: `importing` (a file to a job) and `import_jobs` (running imports, their outcome).
//! - Running it: `config`, `startup` (backend, state, router, listener), `backend` (the mode's
//!   adapters), `routes` (the composition; only `startup` imports it), `serve` (the accept
//!   loop), `cdn` (pages whose files come from a CDN), `disk` (free-space warnings), `rebuild`
//!   (`ironlog-server rebuild-read-models`).

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
mod forms;
mod import_jobs;
mod importing;
mod limits;
mod ops;
mod page_context;
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
