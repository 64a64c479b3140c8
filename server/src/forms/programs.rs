//! The Programs page's plain forms: `POST /programs/activate` ("Start this program": the plan
//! comes from it, as `POST /api/v1/programs/{slug}/activate` makes it), `POST /programs/copy`
//! (a copy among the user's own, opened in the editor) and `POST /programs/delete` (one of the
//! user's own). The editor's posts are `editor.rs`'s.

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::profile::RemoveProgram;

use super::admit::field;
use super::answer::{page, Answer};
use super::profile_change::{change, BACK};
use super::signed_in::SignedIn;
use crate::state::AppState;

pub(super) fn no_such(slug: &str) -> Box<Response> {
    Box::new(page(
        StatusCode::NOT_FOUND,
        "No such program",
        Answer::text(format!(
            "\"{slug}\" is neither a built-in program nor one of yours."
        )),
        BACK,
    ))
}

/// A built-in program cannot be changed or deleted; `title` says which was refused.
pub(super) fn built_in(title: &str) -> Box<Response> {
    Box::new(page(
        StatusCode::FORBIDDEN,
        title,
        Answer::text("Built-in programs stay as they are: copy one to make it yours."),
        BACK,
    ))
}

pub async fn activate(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    body: Body,
) -> Response {
    change(state, user, body, |profile, form| {
        let slug = &field(form, "slug").unwrap_or_default();
        if profile.program(slug).is_none() {
            return Err(no_such(slug));
        }
        profile.active_program = slug.to_owned();
        Ok("/today".to_owned())
    })
    .await
}

pub async fn copy(State(state): State<AppState>, SignedIn(user): SignedIn, body: Body) -> Response {
    change(state, user, body, |profile, form| {
        let slug = &field(form, "slug").unwrap_or_default();
        profile
            .copy_program(slug)
            .map(|copy| format!("/programs/edit?slug={copy}"))
            .ok_or_else(|| no_such(slug))
    })
    .await
}

pub async fn remove(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    body: Body,
) -> Response {
    change(state, user, body, |profile, form| {
        let slug = &field(form, "slug").unwrap_or_default();
        match profile.remove_program(slug) {
            Ok(()) => Ok("/programs".to_owned()),
            Err(RemoveProgram::BuiltIn) => Err(built_in("Not deleted")),
            Err(RemoveProgram::Missing) => Err(no_such(slug)),
        }
    })
    .await
}
