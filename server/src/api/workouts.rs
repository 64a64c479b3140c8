//! `POST /api/v1/workouts`, `GET /api/v1/workouts`, and `GET`, `PUT` and `DELETE`
//! `/api/v1/workouts/{id}`.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use domain::cursor::{Cursor, DEFAULT_PAGE, MAX_PAGE};
use domain::{Problem, WorkoutLogged};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::error::ApiError;
use crate::extract::{is_json, json_body, User};
use crate::state::AppState;

/// The header a device's outbox sends with the user it saved the workout for.
const SENT_FOR: &str = "x-ironlog-user";

/// Logs a workout: answered as soon as the queue has it durably.
#[utoipa::path(
    post, path = "/api/v1/workouts", tag = "workouts",
    request_body = crate::api::doc::NewWorkout,
    params(("X-Ironlog-User" = Option<String>, Header, description = "the user the device saved the workout for; another session's is refused with 403")),
    security(("session" = [])),
    responses(
        (status = 202, description = "accepted; stored shortly", body = crate::api::doc::Accepted),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 403, description = "`other_account`: X-Ironlog-User names another user than the session's", body = crate::api::doc::Error),
        crate::api::doc::BodyRefusals,
        (status = 422, description = "every problem with the workout", body = crate::api::doc::Error),
        (status = 429, description = "too many workouts; see Retry-After", body = crate::api::doc::Error),
        (status = 503, description = "the queue did not confirm; retry with the same id", body = crate::api::doc::Error),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    User(user): User,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    if !is_json(&headers) {
        return Err(ApiError::UnsupportedMediaType("application/json"));
    }
    admit(&state, &user, &headers)?;
    let value = json_body(body).await?;
    let id = state.changes.log(&user, &value).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"id": id}))))
}

/// What every change must pass before its body is read: the device's word on whose change it
/// is, and the user's write allowance.
fn admit(state: &AppState, user: &str, headers: &HeaderMap) -> Result<(), ApiError> {
    // A device's outbox names whose change it sends: one kept while someone else was signed
    // in on the device must never be applied as this user's.
    if headers
        .get(SENT_FOR)
        .is_some_and(|sent_for| sent_for.as_bytes() != user.as_bytes())
    {
        return Err(ApiError::OtherAccount);
    }
    state.limits.write(user)?;
    Ok(())
}

/// Replaces one of the signed-in user's workouts: the body is the whole workout, with its id
/// and a `revision` larger than the one edited. Answered as soon as the queue has it durably;
/// of two edits, the larger revision wins wherever it arrives, and a deleted workout stays
/// deleted. An id that was never logged is created by its first edit (`PUT` is an upsert): the
/// write path reads no store before it answers, and a device's edit may reach the queue before
/// the log it edits. So a missing workout is never a 404 here.
#[utoipa::path(
    put, path = "/api/v1/workouts/{id}", tag = "workouts",
    params(
        ("id" = String, Path, description = "the workout's id"),
        ("X-Ironlog-User" = Option<String>, Header, description = "the user the device saved the edit for; another session's is refused with 403"),
    ),
    request_body = crate::api::doc::WorkoutEdit,
    security(("session" = [])),
    responses(
        (status = 202, description = "accepted; applied shortly (created if the id was never logged)", body = crate::api::doc::Accepted),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 403, description = "`other_account`: X-Ironlog-User names another user than the session's", body = crate::api::doc::Error),
        (status = 404, description = "the id in the path is not a UUID (a workout that does not exist is created, never a 404)", body = crate::api::doc::Error),
        crate::api::doc::BodyRefusals,
        (status = 422, description = "every problem with the workout, a missing revision, or an id other than the path's", body = crate::api::doc::Error),
        (status = 429, description = "too many changes; see Retry-After", body = crate::api::doc::Error),
        (status = 503, description = "the queue did not confirm; retry the same edit", body = crate::api::doc::Error),
    )
)]
pub async fn edit(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    let id = Uuid::try_parse(&id).map_err(|_| ApiError::NotFound)?;
    if !is_json(&headers) {
        return Err(ApiError::UnsupportedMediaType("application/json"));
    }
    admit(&state, &user, &headers)?;
    let value = json_body(body).await?;
    let id = state.changes.edit(&user, id, &value).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"id": id}))))
}

/// Deletes one of the signed-in user's workouts for good: no copy of it sent earlier and
/// delivered later brings it back. Deleting an id that was never stored is accepted too (the
/// workout may still be on its way).
#[utoipa::path(
    delete, path = "/api/v1/workouts/{id}", tag = "workouts",
    params(
        ("id" = String, Path, description = "the workout's id"),
        ("X-Ironlog-User" = Option<String>, Header, description = "the user the device saved the delete for; another session's is refused with 403"),
    ),
    security(("session" = [])),
    responses(
        (status = 202, description = "accepted; applied shortly", body = crate::api::doc::Accepted),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 403, description = "`other_account`: X-Ironlog-User names another user than the session's", body = crate::api::doc::Error),
        (status = 404, description = "the id is not a UUID", body = crate::api::doc::Error),
        (status = 429, description = "too many changes; see Retry-After", body = crate::api::doc::Error),
        (status = 503, description = "the queue did not confirm; retry", body = crate::api::doc::Error),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let id = Uuid::try_parse(&id).map_err(|_| ApiError::NotFound)?;
    admit(&state, &user, &headers)?;
    let id = state.changes.delete(&user, id).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"id": id}))))
}

#[derive(Serialize)]
pub struct ListResponse {
    pub items: Vec<WorkoutLogged>,
    pub next: Option<String>,
}

/// `limit` (1..=100, default 20) and `before` (a cursor from `next`); nothing else.
fn parse_list_query(raw: Option<&str>) -> Result<(usize, Option<Cursor>), Vec<Problem>> {
    let mut limit = DEFAULT_PAGE;
    let mut before = None;
    let mut problems = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "limit" => match value.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => limit = n,
                _ => problems.push(Problem::new(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_PAGE}"),
                )),
            },
            "before" => match value.parse::<Cursor>() {
                Ok(c) => before = Some(c),
                Err(e) => problems.push(Problem::new("before", e.to_string())),
            },
            other => problems.push(Problem::new(other, "unknown query parameter")),
        }
    }
    if problems.is_empty() {
        Ok((limit, before))
    } else {
        Err(problems)
    }
}

/// The signed-in user's workouts, newest first, a page at a time.
#[utoipa::path(
    get, path = "/api/v1/workouts", tag = "workouts",
    params(
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 20"),
        ("before" = Option<String>, Query, pattern = "^-?[0-9]{1,15}_[0-9a-f]{32}$", description = "a cursor from `next`"),
    ),
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::WorkoutPage),
        (status = 400, description = "bad query; every problem listed", body = crate::api::doc::Error),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 503, description = "the store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    User(user): User,
    RawQuery(query): RawQuery,
) -> Result<Json<ListResponse>, ApiError> {
    let (limit, before) = parse_list_query(query.as_deref()).map_err(ApiError::InvalidQuery)?;
    let page = state
        .training
        .workouts()
        .list(&user, limit, before)
        .await
        .map_err(ApiError::store("the history store is unavailable"))?;
    Ok(Json(ListResponse {
        items: page.items,
        next: page.next.map(|c| c.to_string()),
    }))
}

/// One of the signed-in user's workouts.
#[utoipa::path(
    get, path = "/api/v1/workouts/{id}", tag = "workouts",
    params(("id" = String, Path, description = "the workout's id")),
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::Workout),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 404, description = "no such workout of yours", body = crate::api::doc::Error),
        (status = 503, description = "the store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<Json<WorkoutLogged>, ApiError> {
    let id = Uuid::try_parse(&id).map_err(|_| ApiError::NotFound)?;
    let found = state
        .training
        .workouts()
        .get(&user, id)
        .await
        .map_err(ApiError::store("the history store is unavailable"))?;
    found.map(Json).ok_or(ApiError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_query_defaults_and_reports_every_problem() {
        assert_eq!(parse_list_query(None), Ok((DEFAULT_PAGE, None)));
        assert_eq!(parse_list_query(Some("limit=5")), Ok((5, None)));
        let problems = parse_list_query(Some("limit=0&before=zz&page=2")).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, vec!["limit", "before", "page"]);
    }
}
