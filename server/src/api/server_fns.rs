//! The API description of the pages' server functions (`/api/<name>`, served by Leptos, not
//! by this crate's routers): their paths are stable and they answer as the JSON API does
//! (401 without a session, 400 for input they cannot take), so clients and Schemathesis see
//! them in the same document. These functions only carry the descriptions.

#![allow(dead_code)]

use utoipa::{OpenApi, ToSchema};

/// Merged into the API's description by `api::described`.
#[derive(OpenApi)]
#[openapi(paths(
    history_page,
    todays_plan,
    progress_figures,
    gym_settings,
    log_setup,
    program_choices,
    program_editor
))]
pub struct ServerFnsDoc;

/// `before`: a cursor from an earlier page's `next`, or empty for the newest page. Keys it
/// does not know are ignored (Leptos' decoder); the description names only the meaningful one.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryPageArgs {
    #[schema(pattern = "^(-?[0-9]{1,15}_[0-9a-f]{32})?$", nullable = false)]
    pub before: Option<String>,
}

/// `from_plan`: start the form from today's plan.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSetupArgs {
    #[schema(nullable = false)]
    pub from_plan: Option<bool>,
}

/// `slug`: the program to edit (one of the user's own).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramEditorArgs {
    #[schema(max_length = 64, nullable = false)]
    pub slug: Option<String>,
}

/// One page of the History page's list, with the user's unit.
#[utoipa::path(
    post, path = "/api/history_page", tag = "pages",
    request_body(content = Option<HistoryPageArgs>, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(
        (status = 200, description = "the page's workouts, the unit and the next cursor", body = serde_json::Value),
        (status = 400, description = "a bad cursor", body = String),
        (status = 401, description = "no session", body = String),
        (status = 403, description = "sent from another site", body = crate::api::doc::Error),
        (status = 503, description = "the history store is unavailable", body = String),
    )
)]
pub fn history_page() {}

/// What the Progress page shows: `GET /api/v1/progress`'s figures, the bodyweight log and the
/// user's unit.
#[utoipa::path(
    post, path = "/api/progress_figures", tag = "pages",
    security(("session" = [])),
    responses(
        (status = 200, description = "the figures", body = serde_json::Value),
        (status = 400, description = "a body it cannot decode (it takes none)", body = String),
        (status = 401, description = "no session", body = String),
        (status = 403, description = "sent from another site", body = crate::api::doc::Error),
        (status = 503, description = "the store is unavailable", body = String),
    )
)]
pub fn progress_figures() {}

/// Today's plan, as the Today page shows it.
#[utoipa::path(
    post, path = "/api/todays_plan", tag = "pages",
    security(("session" = [])),
    responses(
        (status = 200, description = "the plan", body = serde_json::Value),
        (status = 400, description = "a body it cannot decode (it takes none)", body = String),
        (status = 401, description = "no session", body = String),
        (status = 403, description = "sent from another site", body = crate::api::doc::Error),
        (status = 503, description = "the store is unavailable", body = String),
    )
)]
pub fn todays_plan() {}

/// The user's gym (unit and steps), for the Log and Your data pages.
#[utoipa::path(
    post, path = "/api/gym_settings", tag = "pages",
    security(("session" = [])),
    responses(
        (status = 200, description = "the gym settings", body = serde_json::Value),
        (status = 400, description = "a body it cannot decode (it takes none)", body = String),
        (status = 401, description = "no session", body = String),
        (status = 403, description = "sent from another site", body = crate::api::doc::Error),
        (status = 503, description = "the store is unavailable", body = String),
    )
)]
pub fn gym_settings() {}

/// What the Log form starts from: the unit, the exercises, and today's plan if asked.
#[utoipa::path(
    post, path = "/api/log_setup", tag = "pages",
    request_body(content = Option<LogSetupArgs>, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(
        (status = 200, description = "the form's start", body = serde_json::Value),
        (status = 400, description = "a bad argument", body = String),
        (status = 401, description = "no session", body = String),
        (status = 403, description = "sent from another site", body = crate::api::doc::Error),
        (status = 503, description = "the store is unavailable", body = String),
    )
)]
pub fn log_setup() {}

/// The programs the user can run (built-in, then their own), each with its days, level and
/// rules, and the one running: the Programs page.
#[utoipa::path(
    post, path = "/api/program_choices", tag = "pages",
    security(("session" = [])),
    responses(
        (status = 200, description = "the programs and the active one", body = serde_json::Value),
        (status = 400, description = "a body it cannot decode (it takes none)", body = String),
        (status = 401, description = "no session", body = String),
        (status = 403, description = "sent from another site", body = crate::api::doc::Error),
        (status = 503, description = "the store is unavailable", body = String),
    )
)]
pub fn program_choices() {}

/// What the program editor needs: the user's own program of that slug (null when it is not
/// theirs), whether the slug is a built-in program's, and the user's own exercises.
#[utoipa::path(
    post, path = "/api/program_editor", tag = "pages",
    request_body(content = Option<ProgramEditorArgs>, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(
        (status = 200, description = "the program, if the user's, and their exercises", body = serde_json::Value),
        (status = 400, description = "a bad argument", body = String),
        (status = 401, description = "no session", body = String),
        (status = 403, description = "sent from another site", body = crate::api::doc::Error),
        (status = 503, description = "the store is unavailable", body = String),
    )
)]
pub fn program_editor() {}
