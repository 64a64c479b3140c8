//! The opening of every form that changes data, after [`super::signed_in::SignedIn`]: the
//! write allowance, and the form's body.

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::Response;
use service::CurrentUser;

use super::answer::{page, read_form, Answer, Back};
use crate::limits::RetryAfter;
use crate::state::AppState;

/// The form, or the answer that stops here.
pub async fn admit_write(
    state: &AppState,
    user: &CurrentUser,
    body: Body,
    back: Back,
) -> Result<Bytes, Response> {
    admit_write_within(state, user, body, back, crate::extract::MAX_BODY).await
}

/// As [`admit_write`], for a form that may be larger than other requests' bodies (`max`).
pub async fn admit_write_within(
    state: &AppState,
    user: &CurrentUser,
    body: Body,
    back: Back,
    max: usize,
) -> Result<Bytes, Response> {
    if let Err(RetryAfter(secs)) = state.limits.write(&user.id) {
        return Err(page(
            StatusCode::TOO_MANY_REQUESTS,
            "Slow down",
            Answer::text(format!("Too many changes at once. Try again in {secs} s.")),
            back,
        ));
    }
    read_form(body, back, max).await
}

/// The form's value of `name`, if sent.
pub fn field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The unit a form's weights were typed in, or the line that says it is not one: a form's
/// unit is never guessed, which would store a wrong weight.
pub fn unit_field(value: &str) -> Result<domain::units::Unit, String> {
    domain::units::Unit::from_symbol(value)
        .ok_or_else(|| format!("Unit: \"{value}\" is not kg or lb"))
}
