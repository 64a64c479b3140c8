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
        Err(to_login(page_of(parts.uri.path())))
    }
}

/// The page a form is posted from, to come back to after logging in.
pub fn page_of(form: &str) -> &'static str {
    match form {
        "/log" => "/",
        "/history/delete" => "/history",
        "/progress/bodyweight" | "/progress/bodyweight/delete" => "/progress",
        f if f.starts_with("/programs/") || f == "/exercises/save" => "/programs",
        _ => "/data",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_returns_to_its_page() {
        assert_eq!(page_of("/log"), "/");
        assert_eq!(page_of("/history/delete"), "/history");
        assert_eq!(page_of("/progress/bodyweight/delete"), "/progress");
        assert_eq!(page_of("/programs/copy"), "/programs");
        assert_eq!(page_of("/exercises/save"), "/programs");
        assert_eq!(page_of("/settings"), "/data");
        assert_eq!(page_of("/import"), "/data");
        assert_eq!(page_of("/account/delete"), "/data");
    }
}
