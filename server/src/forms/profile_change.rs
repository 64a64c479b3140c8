//! What the Programs page's plain forms share: read the form, change the user's profile, save
//! it whole (checked as `PUT /api/v1/profile` checks it) and go back, or say what is wrong.

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::profile::Profile;
use service::CurrentUser;

use super::admit::admit_write;
use super::answer::{page, Answer, Back};
use crate::error::ApiError;
use crate::state::AppState;
use crate::training::{profile_of, save_profile};

pub const BACK: Back = ("/programs", "Back to Programs");

pub fn unavailable() -> Response {
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Not changed yet",
        Answer::text("Your programs are unavailable for a moment. Go back and try again."),
        BACK,
    )
}

/// Reads the form, changes the profile with `apply`, saves it whole (checked as the API
/// checks it) and sends the browser where `apply` said.
pub async fn change(
    state: AppState,
    user: CurrentUser,
    body: Body,
    // Boxed: a refusal is a whole page, and rare.
    apply: impl FnOnce(&mut Profile, &[u8]) -> Result<String, Box<Response>>,
) -> Response {
    let bytes = match admit_write(&state, &user, body, BACK).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused,
    };
    let Ok(mut profile) = profile_of(&state, &user.id).await else {
        return unavailable();
    };

    let to = match apply(&mut profile, &bytes) {
        Ok(to) => to,
        Err(refused) => return *refused,
    };
    save_and_go(&state, &user, &profile, &to).await
}

/// Saves the changed profile whole (checked as the API checks it) and sends the browser to
/// `to`, or says what is wrong.
pub async fn save_and_go(
    state: &AppState,
    user: &CurrentUser,
    profile: &Profile,
    to: &str,
) -> Response {
    match save_profile(state, &user.id, profile).await {
        Ok(()) => Redirect::to(to).into_response(),
        Err(ApiError::InvalidInput(problems)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not saved",
            Answer::list(problems.into_iter().map(|p| p.message)),
            BACK,
        ),
        Err(ApiError::Unauthorized) => Redirect::to("/login?next=%2Fprograms").into_response(),
        Err(_) => unavailable(),
    }
}
