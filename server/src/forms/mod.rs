//! What the pages' plain HTML forms post to, so they work before hydration and without
//! JavaScript: the Log form, the units-and-equipment settings, the import, History's Delete,
//! Progress's bodyweight, the Programs page and the program editor, the account's deletion, and
//! signing up, in and out.
//! Every handler but signing up and in takes [`signed_in::SignedIn`] (no session: the log-in
//! page, then back to the page its route names) and answers with a redirect or a plain answer
//! page (`answer.rs`). The pages themselves are
//! Leptos's (the `app` crate).

mod account;
mod admit;
mod answer;
mod bodyweight;
mod editor;
mod exercises;
mod import;
mod log;
mod profile_change;
mod programs;
mod settings;
mod sign_in;
mod signed_in;

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{post, MethodRouter};
use axum::{Extension, Router};

use crate::state::AppState;
use signed_in::FormPage;

/// `POST` to a form of the page `page`: where a visitor without a session comes back to after
/// logging in ([`signed_in::SignedIn`] reads it from the request).
fn form<H, T>(page: &'static str, handler: H) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    post(handler).layer(Extension(FormPage(page)))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(sign_in::login))
        .route("/signup", post(sign_in::signup))
        .route("/logout", post(sign_in::logout))
        .route("/log", form("/", log::submit))
        .route("/history/delete", form("/history", account::delete_workout))
        .route(
            "/progress/bodyweight",
            form("/progress", bodyweight::submit),
        )
        .route(
            "/progress/bodyweight/delete",
            form("/progress", bodyweight::remove),
        )
        .route("/account/delete", form("/data", account::delete_account))
        .route("/settings", form("/data", settings::submit))
        .route("/programs/activate", form("/programs", programs::activate))
        .route("/programs/copy", form("/programs", programs::copy))
        .route("/programs/delete", form("/programs", programs::remove))
        .route("/programs/edit", form("/programs", editor::reshape))
        .route("/programs/save", form("/programs", editor::save))
        .route("/exercises/save", form("/programs", exercises::save))
        // Multipart reads stop at axum's default body limit (2 MB) unless told otherwise.
        .route(
            "/import",
            form("/data", import::submit).layer(DefaultBodyLimit::max(
                crate::security::LARGEST_BODY as usize,
            )),
        )
}
