//! What every handler shares, built once at start-up by `startup`.

use std::sync::Arc;

use axum::extract::FromRef;
use ipnet::IpNet;
use leptos::prelude::LeptosOptions;
use service::{Changes, Publisher, Training};

use crate::auth::service::Auth;
use crate::import_jobs::{ImportCaps, ImportJobs};
use crate::limits::Limits;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub publisher: Arc<dyn Publisher>,
    /// Logging, editing and deleting workouts: onto the write path.
    pub changes: Changes,
    /// Profiles, history and plans, for the pages and the JSON API alike.
    pub training: Training,
    pub auth: Auth,
    pub limits: Arc<Limits>,
    pub import_caps: ImportCaps,
    /// Each user's running or last import.
    pub imports: ImportJobs,
    /// `scheme://host[:port]` the site is served at, when configured: cross-site checks
    /// compare against it instead of the request's Host.
    pub public_origin: Option<String>,
    /// Peers whose forwarding headers name the client (rate limits key on the client).
    pub trusted_proxies: Arc<[IpNet]>,
    /// Where pages load this build's files from, when not from this server.
    pub cdn: Option<Arc<crate::cdn::CdnAssets>>,
}

/// The identity middleware needs only this part.
impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
