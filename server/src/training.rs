//! The training service's answers for handlers: a user's profile, history and plan, with
//! failures as API errors (logged once, where the response is made).

use domain::engine::Plan;
use domain::profile::Profile;
use domain::progress::Progress;
use domain::WorkoutLogged;

use crate::error::ApiError;
use crate::state::AppState;

const UNAVAILABLE: &str = "training data is unavailable";

/// The user's profile, or the defaults before they save one.
pub async fn profile_of(state: &AppState, user: &str) -> Result<Profile, ApiError> {
    state
        .training
        .profile(user)
        .await
        .map_err(ApiError::store(UNAVAILABLE))
}

/// Every workout of the user, oldest first.
pub async fn history_of(state: &AppState, user: &str) -> Result<Vec<WorkoutLogged>, ApiError> {
    state
        .training
        .history(user)
        .await
        .map_err(ApiError::store(UNAVAILABLE))
}

/// Today's plan for the user: the active program over their whole history.
pub async fn plan_for(state: &AppState, user: &str) -> Result<Plan, ApiError> {
    state
        .training
        .plan(user)
        .await
        .map_err(ApiError::store(UNAVAILABLE))
}

/// What Progress shows as of the server's date.
pub async fn progress_for(state: &AppState, user: &str) -> Result<Progress, ApiError> {
    state
        .training
        .progress(user, service::read_model::today())
        .await
        .map_err(ApiError::store(UNAVAILABLE))
}

/// Saves a changed profile after checking it whole: 422 with every problem, or saved.
pub async fn save_profile(state: &AppState, user: &str, profile: &Profile) -> Result<(), ApiError> {
    state
        .training
        .save_profile(user, profile)
        .await
        .map_err(ApiError::profile("the profile store is unavailable"))
}
