//! What server functions take from the server: the training service (provided as Leptos
//! context) and who is asking (put in the request's extensions by the server's authentication
//! middleware).

use leptos::prelude::*;
use service::CurrentUser;
pub use service::Training;

/// The training service the server provides to every page and server function.
pub fn training() -> Result<Training, ServerFnError> {
    use_context::<Training>().ok_or_else(|| ServerFnError::new("server misconfigured: no store"))
}

/// The user the request acts for; every query is scoped to it. Without one, a server
/// function's answer is 401, as the JSON API's.
pub fn user_id() -> Result<String, ServerFnError> {
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

/// The signed-in user of the page being rendered, if any; unlike [`user_id`], no answer is
/// changed when there is none (the shell renders the log-in page too).
pub fn signed_in() -> Option<String> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CurrentUser>().map(|u| u.id.clone()))
}

/// A server function's answer to input it cannot take: 400 with `message`, as the JSON API
/// answers a bad query (not the 500 of a failure).
pub fn bad_input(message: impl std::fmt::Display) -> ServerFnError {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::BAD_REQUEST);
    }
    ServerFnError::new(message.to_string())
}
