//! `POST /api/v1/auth/signup`, `/login`, `/logout`, `/password`, `/delete-account` and
//! `GET /api/v1/auth/me`.
//! Bodies are `{"email": "...", "password": "..."}` (password change:
//! `{"current_password": "...", "new_password": "..."}`); a session cookie comes back on success.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::Problem;
use serde_json::{json, Value};

use crate::auth::deletion::Deleted;
use crate::auth::service::SignedIn;
use crate::error::ApiError;
use crate::extract::{json_request, ClientIp, User};
use crate::state::AppState;

/// The named string fields of a JSON object body, or every problem with it.
async fn string_fields<const N: usize>(
    headers: &HeaderMap,
    body: Body,
    names: [&'static str; N],
) -> Result<[String; N], ApiError> {
    let Value::Object(object) = json_request(headers, body).await? else {
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
    match state.auth.cookie_for(s) {
        Ok(cookie) => {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(e) => e.into_response(),
    }
}

/// Creates an account and signs it in (sets the session cookie).
#[utoipa::path(
    post, path = "/api/v1/auth/signup", tag = "auth",
    request_body = crate::api::doc::NewCredentials,
    responses(
        (status = 201, body = crate::api::doc::SignedIn),
        crate::api::doc::BodyRefusals,
        (status = 422, description = "missing, unknown or invalid fields", body = crate::api::doc::Error),
        (status = 503, description = "accounts are unavailable", body = crate::api::doc::Error),
        (status = 409, description = "the email has an account", body = crate::api::doc::Error),
        (status = 429, description = "too many attempts; see Retry-After", body = crate::api::doc::Error),
    )
)]
pub async fn signup(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    state.limits.auth_attempt(client)?;
    let [email, password] = string_fields(&headers, body, ["email", "password"]).await?;
    let s = state.auth.sign_up(&email, &password).await?;
    Ok(signed_in(&state, StatusCode::CREATED, &s))
}

/// Signs in (sets a new session cookie; the one sent, if any, ends).
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body = crate::api::doc::Credentials,
    responses(
        (status = 200, body = crate::api::doc::SignedIn),
        crate::api::doc::BodyRefusals,
        (status = 422, description = "missing, unknown or invalid fields", body = crate::api::doc::Error),
        (status = 503, description = "accounts are unavailable", body = crate::api::doc::Error),
        (status = 401, description = "email or password is incorrect", body = crate::api::doc::Error),
        (status = 429, description = "too many attempts; see Retry-After", body = crate::api::doc::Error),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    state.limits.auth_attempt(client)?;
    let previous = state.auth.cookie.read(&headers);
    let [email, password] = string_fields(&headers, body, ["email", "password"]).await?;
    state.limits.login_attempt(&email, client)?;
    let s = state
        .auth
        .log_in(&email, &password, previous.as_deref())
        .await?;
    Ok(signed_in(&state, StatusCode::OK, &s))
}

/// Ends the session and clears the cookie.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    responses(
        (status = 204, description = "signed out"),
        (status = 403, description = "sent from another site", body = crate::api::doc::Error),
        (status = 503, description = "the session could not be ended everywhere", body = crate::api::doc::Error),
    )
)]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let cleared = [(header::SET_COOKIE, state.auth.cookie.clear())];
    if state.auth.log_out(&headers).await {
        (StatusCode::NO_CONTENT, cleared).into_response()
    } else {
        let err = ApiError::Unavailable("the session could not be ended everywhere");
        (cleared, err).into_response()
    }
}

/// Changes the password; every other session ends, and a new cookie is set.
#[utoipa::path(
    post, path = "/api/v1/auth/password", tag = "auth",
    request_body = crate::api::doc::PasswordChange,
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::SignedIn),
        crate::api::doc::BodyRefusals,
        (status = 422, description = "missing, unknown or invalid fields", body = crate::api::doc::Error),
        (status = 503, description = "accounts are unavailable", body = crate::api::doc::Error),
        (status = 401, description = "no session, or the current password is wrong", body = crate::api::doc::Error),
    )
)]
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

/// Deletes the account, its sessions, its profile and every workout, after checking the
/// password; whatever is still queued for it is discarded. The cookie is cleared.
#[utoipa::path(
    post, path = "/api/v1/auth/delete-account", tag = "auth",
    request_body = crate::api::doc::PasswordConfirmation,
    security(("session" = [])),
    responses(
        (status = 204, description = "the account and everything it held are deleted"),
        (status = 202, description = "the account is deleted and can no longer sign in; its data is removed in the background as soon as the database answers"),
        crate::api::doc::BodyRefusals,
        (status = 422, description = "missing, unknown or invalid fields", body = crate::api::doc::Error),
        (status = 503, description = "accounts are unavailable; nothing was deleted", body = crate::api::doc::Error),
        (status = 401, description = "no session, or the password is wrong", body = crate::api::doc::Error),
        (status = 403, description = "accounts are managed by the sign-in proxy, or sent from another site", body = crate::api::doc::Error),
    )
)]
pub async fn delete_account(
    State(state): State<AppState>,
    User(user): User,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let [password] = string_fields(&headers, body, ["password"]).await?;
    let status = match state.auth.delete_account(&user, &password).await? {
        Deleted::Now => StatusCode::NO_CONTENT,
        Deleted::Later => StatusCode::ACCEPTED,
    };
    Ok((status, [(header::SET_COOKIE, state.auth.cookie.clear())]).into_response())
}

/// Who the session belongs to.
#[utoipa::path(
    get, path = "/api/v1/auth/me", tag = "auth",
    security(("session" = [])),
    responses(
        (status = 200, body = crate::api::doc::SignedIn),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 503, description = "the session cannot be checked right now", body = crate::api::doc::Error),
    )
)]
pub async fn me(User(user): User) -> Json<Value> {
    Json(json!({"user_id": user}))
}
