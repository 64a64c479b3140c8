//! What server functions need from the server: the store and who is asking.

use std::sync::Arc;

use consumer::WorkoutStore;
use leptos::prelude::*;

/// Provided as Leptos context for every server-rendered page and server function.
#[derive(Clone)]
pub struct AppContext {
    pub store: Arc<dyn WorkoutStore>,
}

/// The signed-in user of a request, put in the request's extensions by the server's
/// authentication middleware.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: String,
}

impl AppContext {
    /// The user the request acts for; every query is scoped to it. Without one, a server
    /// function's answer is 401, as the JSON API's.
    pub fn user_id(&self) -> Result<String, ServerFnError> {
        let user = use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CurrentUser>().cloned());
        match user {
            Some(user) => Ok(user.id),
            None => {
                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                    response.set_status(http::StatusCode::UNAUTHORIZED);
                }
                Err(ServerFnError::new("sign in first"))
            }
        }
    }
}
