//! The training engine's JSON API: `GET /api/v1/exercises`, `GET /api/v1/programs`,
//! `GET`/`PUT /api/v1/profile` (settings, own exercises and programs, the active program) and
//! `GET /api/v1/plan` (today's prescription, each set with its reason). The pages use the
//! same functions, so both always agree.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use domain::catalog::ExerciseInfo;
use domain::engine::Plan;
use domain::profile::{Profile, RemoveProgram};
use domain::program::Program;
use domain::progress::Progress;
use serde::Serialize;

use crate::error::ApiError;
use crate::extract::{json_request, User};
use crate::state::AppState;
use crate::training::{plan_for, profile_of, progress_for, save_profile};

#[derive(Serialize)]
pub struct Exercises {
    exercises: Vec<ExerciseInfo>,
}

/// The catalog: built-in exercises, then the user's own.
#[utoipa::path(
    get, path = "/api/v1/exercises", tag = "training",
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::Exercises),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 503, description = "the profile store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn exercises(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<Exercises>, ApiError> {
    let profile = profile_of(&state, &user).await?;
    Ok(Json(Exercises {
        exercises: profile.catalog().all(),
    }))
}

#[derive(Serialize)]
pub struct Programs {
    active: String,
    programs: Vec<Program>,
}

/// The programs to choose from (built-in, then the user's own) and the active one.
#[utoipa::path(
    get, path = "/api/v1/programs", tag = "training",
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::Programs),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 503, description = "the profile store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn programs(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<Programs>, ApiError> {
    let profile = profile_of(&state, &user).await?;
    Ok(Json(Programs {
        active: profile.active().slug,
        programs: profile.all_programs(),
    }))
}

/// The user's training settings, own exercises and programs, and the active program.
#[utoipa::path(
    get, path = "/api/v1/profile", tag = "training",
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::Profile),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 503, description = "the profile store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn get_profile(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(profile_of(&state, &user).await?))
}

/// Replaces the profile: add exercises and programs, choose the active program, set the
/// unit and equipment. Omitted fields take their defaults.
#[utoipa::path(
    put, path = "/api/v1/profile", tag = "training",
    request_body = crate::api::doc::Profile,
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::Profile),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        crate::api::doc::BodyRefusals,
        (status = 422, description = "every problem with the profile", body = crate::api::doc::Error),
        (status = 503, description = "the profile store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn put_profile(
    State(state): State<AppState>,
    User(user): User,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Profile>, ApiError> {
    let value = json_request(&headers, body).await?;
    let profile: Profile = serde_json::from_value(value)
        .map_err(|e| ApiError::InvalidInput(vec![domain::Problem::new("", e.to_string())]))?;
    save_profile(&state, &user, &profile).await?;
    Ok(Json(profile))
}

/// Today's session from the active program and the history: every set with its reason.
#[utoipa::path(
    get, path = "/api/v1/plan", tag = "training",
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::Plan),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 503, description = "the history or profile store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn plan(State(state): State<AppState>, User(user): User) -> Result<Json<Plan>, ApiError> {
    Ok(Json(plan_for(&state, &user).await?))
}

/// What Progress shows, precomputed from the whole history: a read of a few kilobytes
/// whatever the history's length.
#[utoipa::path(
    get, path = "/api/v1/progress", tag = "training",
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::Progress),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 503, description = "the history or profile store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn progress(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<Progress>, ApiError> {
    Ok(Json(progress_for(&state, &user).await?))
}

/// One program, built in or the user's own.
#[utoipa::path(
    get, path = "/api/v1/programs/{slug}", tag = "training",
    params(("slug" = String, Path, description = "the program's slug")),
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::Program),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 404, description = "no such program", body = crate::api::doc::Error),
        (status = 503, description = "the profile store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn get_program(
    State(state): State<AppState>,
    User(user): User,
    Path(slug): Path<String>,
) -> Result<Json<Program>, ApiError> {
    let profile = profile_of(&state, &user).await?;
    profile.program(&slug).map(Json).ok_or(ApiError::NotFound)
}

/// Creates or replaces one of the user's own programs (days → exercises → sets and reps →
/// progression rule). Built-in programs cannot be replaced: copy one under a new slug.
#[utoipa::path(
    put, path = "/api/v1/programs/{slug}", tag = "training",
    params(("slug" = String, Path, description = "the program's slug; must match the body's")),
    request_body = crate::api::doc::Program,
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::Program),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        crate::api::doc::BodyRefusals,
        (status = 422, description = "every problem with the program", body = crate::api::doc::Error),
        (status = 503, description = "the profile store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn put_program(
    State(state): State<AppState>,
    User(user): User,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Program>, ApiError> {
    let value = json_request(&headers, body).await?;
    let program: Program = serde_json::from_value(value)
        .map_err(|e| ApiError::InvalidInput(vec![domain::Problem::new("", e.to_string())]))?;
    if program.slug != slug {
        return Err(ApiError::InvalidInput(vec![domain::Problem::new(
            "slug",
            format!("must be \"{slug}\", the slug in the address"),
        )]));
    }
    let mut profile = profile_of(&state, &user).await?;
    match profile.programs.iter_mut().find(|p| p.slug == slug) {
        Some(existing) => *existing = program.clone(),
        None => profile.programs.push(program.clone()),
    }
    let at = profile.programs.iter().position(|p| p.slug == slug);
    let prefix = format!("programs[{}]", at.unwrap_or(usize::MAX));
    save_profile(&state, &user, &profile)
        .await
        .map_err(|e| match e {
            // Name the program's fields as this endpoint's body has them, not as the
            // profile's; a problem of the profile as a whole ("programs": at most 20) stays
            // as it is, so a refusal always says why.
            ApiError::InvalidInput(problems) => ApiError::InvalidInput(
                problems
                    .into_iter()
                    .map(|p| {
                        // "programs[2]" must not claim "programs[20].name".
                        match p.field.strip_prefix(&prefix) {
                            Some(field) if field.is_empty() || field.starts_with('.') => {
                                domain::Problem::new(field.trim_start_matches('.'), p.message)
                            }
                            _ => p,
                        }
                    })
                    .collect(),
            ),
            other => other,
        })?;
    Ok(Json(program))
}

/// Deletes one of the user's own programs; if it was active, the default program is.
#[utoipa::path(
    delete, path = "/api/v1/programs/{slug}", tag = "training",
    params(("slug" = String, Path, description = "the program's slug")),
    security(("session" = [])),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 403, description = "a built-in program, or sent from another site", body = crate::api::doc::Error),
        (status = 404, description = "no such program of yours", body = crate::api::doc::Error),
        (status = 503, description = "the profile store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn delete_program(
    State(state): State<AppState>,
    User(user): User,
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut profile = profile_of(&state, &user).await?;
    profile.remove_program(&slug).map_err(|e| match e {
        RemoveProgram::BuiltIn => ApiError::Forbidden("built-in programs cannot be deleted"),
        RemoveProgram::Missing => ApiError::NotFound,
    })?;
    save_profile(&state, &user, &profile).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct Active {
    active: String,
}

/// Makes a program the active one: the plan comes from it from now on.
#[utoipa::path(
    post, path = "/api/v1/programs/{slug}/activate", tag = "training",
    params(("slug" = String, Path, description = "the program's slug")),
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::Activate),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 403, description = "sent from another site", body = crate::api::doc::Error),
        (status = 404, description = "no such program", body = crate::api::doc::Error),
        (status = 503, description = "the profile store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn activate_program(
    State(state): State<AppState>,
    User(user): User,
    Path(slug): Path<String>,
) -> Result<Json<Active>, ApiError> {
    let mut profile = profile_of(&state, &user).await?;
    if profile.program(&slug).is_none() {
        return Err(ApiError::NotFound);
    }
    profile.active_program = slug.clone();
    save_profile(&state, &user, &profile).await?;
    Ok(Json(Active { active: slug }))
}
