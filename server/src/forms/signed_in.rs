//! The opening every form shares: who is signed in. Without a session the browser is sent to
//! log in and then back to the page the form is on, so the form handlers never repeat it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use service::CurrentUser;

use super::answer::{page, Answer};
use crate::auth::middleware::{to_login, SessionsDown};

/// The signed-in user of a form's post. Rejected with the redirect to `/login?next=<the
/// form's page>`, or, when sessions cannot be checked right now, a 503 page that says so
/// (sending a signed-in person to log in would not help).
pub struct SignedIn(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(SignedIn(user.clone()));
        }
        if parts.extensions.get::<SessionsDown>().is_some() {
            return Err(page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Not saved",
                Answer::text("Sign-in cannot be checked right now. Go back and try again shortly."),
                ("/", "Back to Ironlog"),
            ));
        }
        // Every route that takes this names its page; "/" only if one was added without.
        let back = parts.extensions.get::<FormPage>().map_or("/", |p| p.0);
        Err(to_login(back))
    }
}

/// The page a form is on, put on its route by `forms::router` (next to the route itself), to
/// come back to after logging in.
#[derive(Clone, Copy)]
pub struct FormPage(pub &'static str);
