//! `POST /account/delete` (the Your data page's account deletion, a plain form) and
//! `POST /history/delete` (History's Delete without JavaScript; with it, the page deletes
//! through the device's outbox, with an undo).

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use service::ChangeError;

use super::admit::{admit_write, field};
use super::answer::{page, read_form, Answer, Back};
use super::signed_in::SignedIn;
use crate::auth::service::AuthFailure;
use crate::state::AppState;

pub async fn delete_account(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    body: Body,
) -> Response {
    const BACK: Back = ("/data#delete-account", "Back to your data");
    let bytes = match read_form(body, BACK, crate::extract::MAX_BODY).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let password = field(&bytes, "password").unwrap_or_default();
    let code = match state.auth.delete_account(&user.id, &password).await {
        Ok(_) => {
            let mut response = Redirect::to("/login?deleted=1").into_response();
            response
                .headers_mut()
                .insert(header::SET_COOKIE, state.auth.cookie.clear());
            return response;
        }
        Err(AuthFailure::BadCredentials | AuthFailure::Invalid { .. }) => "credentials",
        Err(AuthFailure::ProxyManaged) => "proxy",
        Err(_) => "unavailable",
    };
    Redirect::to(&format!("/data?delete_error={code}#delete-account")).into_response()
}

pub async fn delete_workout(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    body: Body,
) -> Response {
    const BACK: Back = ("/history", "Back to History");
    let bytes = match admit_write(&state, &user, body, BACK).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let Some(id) = field(&bytes, "id").and_then(|id| uuid::Uuid::try_parse(id.trim()).ok()) else {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not deleted",
            Answer::text("The form did not say which workout to delete."),
            BACK,
        );
    };
    match state.changes.delete(&user.id, id).await {
        Ok(_) => Redirect::to("/history").into_response(),
        Err(ChangeError::NotFound | ChangeError::Invalid(_)) => page(
            StatusCode::NOT_FOUND,
            "Not deleted",
            Answer::text("There is no such workout of yours."),
            BACK,
        ),
        Err(e @ ChangeError::Unavailable { .. }) => page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Not deleted yet",
            Answer::text(format!("{e}. Go back and delete it again.")),
            BACK,
        ),
    }
}
