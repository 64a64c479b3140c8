//! The log-in, sign-up and log-out forms, which work without JavaScript: each posts here, and
//! the answer is a redirect (with the session cookie on success, or back to the form with an
//! error code the page explains). Pages that need an account redirect to log-in.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::middleware::safe_next;
use crate::auth::service::{AuthFailure, SignedIn};
use crate::error::ApiError;
use crate::extract::{read_body, ClientIp};
use crate::state::AppState;

struct FormFields {
    email: String,
    password: String,
    next: String,
}

/// The form's fields; a body over the limit is refused (413), never read as empty fields.
async fn read_form(body: Body) -> Result<FormFields, Response> {
    let bytes = read_body(body).await.map_err(|e| match e {
        ApiError::TooLarge(_) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "The form is larger than a log-in form can be.",
        )
            .into_response(),
        other => other.into_response(),
    })?;
    let mut fields = FormFields {
        email: String::new(),
        password: String::new(),
        next: String::new(),
    };
    for (k, v) in form_urlencoded::parse(&bytes) {
        match k.as_ref() {
            // People type (and phones autocomplete) spaces around an address.
            "email" => fields.email = v.trim().to_owned(),
            "password" => fields.password = v.into_owned(),
            "next" => fields.next = v.into_owned(),
            _ => {}
        }
    }
    Ok(fields)
}

fn failure_code(f: &AuthFailure) -> &'static str {
    match f {
        AuthFailure::Invalid { field: "email", .. } => "email",
        AuthFailure::Invalid { .. } => "password",
        AuthFailure::EmailTaken => "taken",
        AuthFailure::BadCredentials => "credentials",
        AuthFailure::Unavailable => "unavailable",
        AuthFailure::ProxyManaged => "proxy",
    }
}

/// Back to `page` with the error code, the email typed (never the password) and `next`.
fn back_to(page: &str, code: &str, fields: &FormFields) -> Response {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("error", code)
        .append_pair("email", &fields.email)
        .append_pair("next", &safe_next(Some(&fields.next)))
        .finish();
    Redirect::to(&format!("{page}?{query}")).into_response()
}

fn signed_in(state: &AppState, s: &SignedIn, next: &str) -> Response {
    let mut response = Redirect::to(&safe_next(Some(next))).into_response();
    match state.auth.cookie_for(s) {
        Ok(cookie) => {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(e) => e.into_response(),
    }
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let previous = state.auth.cookie.read(&headers);
    let fields = match read_form(body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    if state.limits.auth_attempt(client).is_err()
        || state.limits.login_attempt(&fields.email, client).is_err()
    {
        return back_to("/login", "rate", &fields);
    }
    match state
        .auth
        .log_in(&fields.email, &fields.password, previous.as_deref())
        .await
    {
        Ok(s) => signed_in(&state, &s, &fields.next),
        Err(f) => back_to("/login", failure_code(&f), &fields),
    }
}

pub async fn signup(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    body: Body,
) -> Response {
    let fields = match read_form(body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    if state.limits.auth_attempt(client).is_err() {
        return back_to("/signup", "rate", &fields);
    }
    match state.auth.sign_up(&fields.email, &fields.password).await {
        Ok(s) => signed_in(&state, &s, &fields.next),
        Err(f) => back_to("/signup", failure_code(&f), &fields),
    }
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    // The browser forgets the cookie either way (the store's failure is logged).
    state.auth.log_out(&headers).await;
    (
        [(header::SET_COOKIE, state.auth.cookie.clear())],
        Redirect::to("/login?signed_out=1"),
    )
        .into_response()
}
