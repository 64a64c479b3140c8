//! The bodyweight log: `GET /api/v1/bodyweight` (every weighing and the trend),
//! `PUT /api/v1/bodyweight/{date}` (what the user weighed that day) and
//! `DELETE /api/v1/bodyweight/{date}`. Written straight to the store, like the profile: a
//! weighing is a setting of the day, not a workout, and needs no queue.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::NaiveDate;
use domain::bodyweight::Weighing;
use domain::Problem;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::extract::{json_request, User};
use crate::state::AppState;

const UNAVAILABLE: &str = "the bodyweight log is unavailable";

#[derive(Serialize)]
pub struct Log {
    weighings: Vec<Weighing>,
    trend: Vec<Weighing>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WeighingBody {
    kg: f64,
}

/// A day of the address: YYYY-MM-DD.
fn day(date: &str) -> Result<NaiveDate, ApiError> {
    date.parse::<NaiveDate>().map_err(|_| {
        ApiError::InvalidInput(vec![Problem::new(
            "date",
            format!("\"{date}\" is not a day (YYYY-MM-DD)"),
        )])
    })
}

/// Every weighing, oldest first, and the trend at each (a smoothed average that hides the
/// daily swing).
#[utoipa::path(
    get, path = "/api/v1/bodyweight", tag = "training",
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::BodyweightLog),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 503, description = "the bodyweight log is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn get_log(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<Log>, ApiError> {
    let log = state
        .training
        .bodyweight(&user)
        .await
        .map_err(ApiError::store(UNAVAILABLE))?;
    Ok(Json(Log {
        trend: log.trend(),
        weighings: log.weighings().to_vec(),
    }))
}

/// Records what the user weighed on a day, replacing that day's weighing.
#[utoipa::path(
    put, path = "/api/v1/bodyweight/{date}", tag = "training",
    params(("date" = String, Path, description = "the day, YYYY-MM-DD; up to a day past the server's today", pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")),
    request_body = crate::api::doc::WeighingBody,
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::Weighing),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        crate::api::doc::BodyRefusals,
        (status = 422, description = "not a day, a day to come, or a weight outside 20 to 400 kg", body = crate::api::doc::Error),
        (status = 429, description = "too many changes at once; `Retry-After` says when to try again", body = crate::api::doc::Error),
        (status = 503, description = "the bodyweight log is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn put_weighing(
    State(state): State<AppState>,
    User(user): User,
    Path(date): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Weighing>, ApiError> {
    state.limits.write(&user)?;
    let value = json_request(&headers, body).await?;
    let date = day(&date)?;
    let WeighingBody { kg } = serde_json::from_value(value)
        .map_err(|e| ApiError::InvalidInput(vec![Problem::new("", e.to_string())]))?;
    let weighing = Weighing { date, kg };
    state
        .training
        .weigh(&user, weighing, chrono::Utc::now().date_naive())
        .await
        .map_err(ApiError::profile(UNAVAILABLE))?;
    Ok(Json(weighing))
}

/// Removes the weighing of a day.
#[utoipa::path(
    delete, path = "/api/v1/bodyweight/{date}", tag = "training",
    params(("date" = String, Path, description = "the day, YYYY-MM-DD", pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")),
    security(("session" = [])),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 403, description = "sent from another site", body = crate::api::doc::Error),
        (status = 404, description = "no weighing on that day", body = crate::api::doc::Error),
        (status = 422, description = "not a day", body = crate::api::doc::Error),
        (status = 429, description = "too many changes at once; `Retry-After` says when to try again", body = crate::api::doc::Error),
        (status = 503, description = "the bodyweight log is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn delete_weighing(
    State(state): State<AppState>,
    User(user): User,
    Path(date): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.limits.write(&user)?;
    let date = day(&date)?;
    let removed = state
        .training
        .unweigh(&user, date)
        .await
        .map_err(ApiError::store(UNAVAILABLE))?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
