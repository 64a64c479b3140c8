//! The log-in, sign-up and log-out forms, which work without JavaScript: each posts here, and
//! the answer is a redirect (with the session cookie on success, or back to the form with an
//! error code the page explains). Pages that need an account redirect to log-in.

use app::ssr::CurrentUser;
use axum::body::Body;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::{AuthFailure, SignedIn};
use crate::api::workouts::read_body;
use crate::router::AppState;

/// Pages that show a user's data.
const PRIVATE_PAGES: &[&str] = &["/", "/history"];

/// Where to go after signing in: a path on this site, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_owned(),
        _ => "/".to_owned(),
    }
}

/// `/login?next=…` for a page the visitor may not see yet.
fn to_login(path_and_query: &str) -> Response {
    let next: String = form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// Sends visitors without a session from private pages to log-in.
pub async fn require_login(req: Request, next: Next) -> Response {
    let private = (req.method() == Method::GET || req.method() == Method::HEAD)
        && PRIVATE_PAGES.contains(&req.uri().path());
    if private && req.extensions().get::<CurrentUser>().is_none() {
        let target = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        return to_login(&target);
    }
    next.run(req).await
}

struct FormFields {
    email: String,
    password: String,
    next: String,
}

async fn read_form(body: Body) -> FormFields {
    let bytes = read_body(body).await.unwrap_or_default();
    let mut fields = FormFields {
        email: String::new(),
        password: String::new(),
        next: String::new(),
    };
    for (k, v) in form_urlencoded::parse(&bytes) {
        match k.as_ref() {
            "email" => fields.email = v.into_owned(),
            "password" => fields.password = v.into_owned(),
            "next" => fields.next = v.into_owned(),
            _ => {}
        }
    }
    fields
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
    if let Some(cookie) = state.auth.cookie_for(s) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let previous = state.auth.cookie.read(&headers);
    let fields = read_form(body).await;
    if state.limits.auth_attempt(peer.ip()).is_err()
        || state.limits.login_attempt(&fields.email).is_err()
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
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Body,
) -> Response {
    let fields = read_form(body).await;
    if state.limits.auth_attempt(peer.ip()).is_err() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/history?x=1")), "/history?x=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
