//! `POST /api/v1/auth/signup`, `/login`, `/logout`, `/password` and `GET /api/v1/auth/me`.
//! Bodies are `{"email": "...", "password": "..."}` (password change:
//! `{"current_password": "...", "new_password": "..."}`); a session cookie comes back on success.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::Problem;
use serde_json::{json, Value};

use super::{SignedIn, User};
use crate::api::workouts::{is_json, read_body};
use crate::api::ApiError;
use crate::router::AppState;

/// The named string fields of a JSON object body, or every problem with it.
async fn string_fields<const N: usize>(
    headers: &HeaderMap,
    body: Body,
    names: [&'static str; N],
) -> Result<[String; N], ApiError> {
    if !is_json(headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes = read_body(body).await?;
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    let Value::Object(object) = value else {
        return Err(ApiError::InvalidInput(vec![Problem::new(
            "",
            "must be a JSON object",
        )]));
    };
    let mut problems: Vec<Problem> = object
        .keys()
        .filter(|k| !names.contains(&k.as_str()))
        .map(|k| Problem::new(k.as_str(), "unknown field"))
        .collect();
    let fields = names.map(|name| match object.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            problems.push(Problem::new(name, "must be a string"));
            String::new()
        }
        None => {
            problems.push(Problem::new(name, "is required"));
            String::new()
        }
    });
    if problems.is_empty() {
        Ok(fields)
    } else {
        Err(ApiError::InvalidInput(problems))
    }
}

fn signed_in(state: &AppState, status: StatusCode, s: &SignedIn) -> Response {
    let mut response = (status, Json(json!({"user_id": s.user_id}))).into_response();
    if let Some(cookie) = state.auth.cookie_for(s) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

pub async fn signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let [email, password] = string_fields(&headers, body, ["email", "password"]).await?;
    let s = state.auth.sign_up(&email, &password).await?;
    Ok(signed_in(&state, StatusCode::CREATED, &s))
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let previous = state.auth.cookie.read(&headers);
    let [email, password] = string_fields(&headers, body, ["email", "password"]).await?;
    let s = state
        .auth
        .log_in(&email, &password, previous.as_deref())
        .await?;
    Ok(signed_in(&state, StatusCode::OK, &s))
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let cleared = [(header::SET_COOKIE, state.auth.cookie.clear())];
    if let Some(token) = state.auth.cookie.read(&headers) {
        if let Err(e) = state.auth.sessions.end(&token).await {
            tracing::warn!(error = %e, "could not end a session in the store");
            let err = ApiError::Unavailable("the session could not be ended everywhere");
            return (cleared, err).into_response();
        }
    }
    (StatusCode::NO_CONTENT, cleared).into_response()
}

pub async fn change_password(
    State(state): State<AppState>,
    User(user): User,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let [current, new] =
        string_fields(&headers, body, ["current_password", "new_password"]).await?;
    let s = state.auth.change_password(&user, &current, &new).await?;
    Ok(signed_in(&state, StatusCode::OK, &s))
}

pub async fn me(User(user): User) -> Json<Value> {
    Json(json!({"user_id": user}))
}
