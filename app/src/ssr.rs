//! What server functions need from the server: the store and who is asking.

use std::sync::Arc;

use consumer::WorkoutStore;

/// Provided as Leptos context for every server-rendered page and server function.
#[derive(Clone)]
pub struct AppContext {
    pub store: Arc<dyn WorkoutStore>,
}

impl AppContext {
    /// The user the request acts for. Accounts replace this; every query already takes it.
    pub fn user_id(&self) -> &str {
        domain::DEFAULT_USER
    }
}
