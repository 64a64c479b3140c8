//! What the pages' plain HTML forms post to, so they work before hydration and without
//! JavaScript: the Log form, the units-and-equipment settings, the import, History's Delete,
//! Progress's bodyweight, the Programs page and the program editor, the account's deletion, and
//! signing up, in and out.
//! Each handler takes [`signed_in::SignedIn`] (no session: the log-in page, then back) and
//! answers with a redirect or a plain answer page (`answer.rs`). The pages themselves are
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
use axum::routing::post;
use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(sign_in::login))
        .route("/signup", post(sign_in::signup))
        .route("/logout", post(sign_in::logout))
        .route("/log", post(log::submit))
        .route("/history/delete", post(account::delete_workout))
        .route("/progress/bodyweight", post(bodyweight::submit))
        .route("/progress/bodyweight/delete", post(bodyweight::remove))
        .route("/account/delete", post(account::delete_account))
        .route("/settings", post(settings::submit))
        .route("/programs/activate", post(programs::activate))
        .route("/programs/copy", post(programs::copy))
        .route("/programs/delete", post(programs::remove))
        .route("/programs/edit", post(editor::reshape))
        .route("/programs/save", post(editor::save))
        .route("/exercises/save", post(exercises::save))
        // Multipart reads stop at axum's default body limit (2 MB) unless told otherwise.
        .route(
            "/import",
            post(import::submit).layer(DefaultBodyLimit::max(
                crate::security::LARGEST_BODY as usize,
            )),
        )
}
