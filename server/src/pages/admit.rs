//! The opening of every form that changes data: a signed-in user (else the log-in page, back
//! here after), the write allowance, and the form's body.

use app::ssr::CurrentUser;
use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;

use super::answer::{page, read_form, Answer, Back};
use crate::limits::RetryAfter;
use crate::state::AppState;

/// The user and the form, or the answer that stops here. `next` is the page to return to
/// after logging in, already percent-encoded.
pub async fn admit_write(
    state: &AppState,
    user: Option<Extension<CurrentUser>>,
    body: Body,
    back: Back,
    next: &str,
) -> Result<(CurrentUser, Bytes), Response> {
    admit_write_within(state, user, body, back, next, crate::extract::MAX_BODY).await
}

/// As [`admit_write`], for a form that may be larger than other requests' bodies (`max`).
pub async fn admit_write_within(
    state: &AppState,
    user: Option<Extension<CurrentUser>>,
    body: Body,
    back: Back,
    next: &str,
    max: usize,
) -> Result<(CurrentUser, Bytes), Response> {
    let Some(Extension(user)) = user else {
        return Err(Redirect::to(&format!("/login?next={next}")).into_response());
    };
    if let Err(RetryAfter(secs)) = state.limits.write(&user.id) {
        return Err(page(
            StatusCode::TOO_MANY_REQUESTS,
            "Slow down",
            Answer::text(format!("Too many changes at once. Try again in {secs} s.")),
            back,
        ));
    }
    let bytes = read_form(body, back, max).await?;
    Ok((user, bytes))
}

/// The form's value of `name`, if sent.
pub fn field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
