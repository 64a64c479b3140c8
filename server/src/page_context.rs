//! What every render of a Leptos page gets from the server: the training service its server
//! functions call, where the site's files are served from, and the nonce of the response's CSP
//! header for the hydration scripts. The page routes and the editor's re-renders share it.

use app::PkgAssets;
use leptos::prelude::*;

use crate::state::AppState;

pub fn provider(state: &AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    let training = state.training.clone();
    let pkg_assets = state
        .cdn
        .as_ref()
        .map(|c| PkgAssets {
            root: c.root.clone(),
            import_map: Some(c.import_map.clone()),
        })
        .unwrap_or_default();
    move || {
        provide_context(training.clone());
        provide_context(pkg_assets.clone());
        if let Some(nonce) = use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<leptos::nonce::Nonce>().cloned())
        {
            provide_context(nonce);
        }
    }
}
