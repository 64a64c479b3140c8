//! The Programs page's plain forms: `POST /programs/activate` ("Start this program": the plan
//! comes from it, as `POST /api/v1/programs/{slug}/activate` makes it), `POST /programs/copy`
//! (a copy among the user's own, opened in the editor), `POST /programs/delete` (one of the
//! user's own) and `POST /programs/save` (the editor's form, see `app::editor`).

use app::ssr::CurrentUser;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use domain::profile::RemoveProgram;
use domain::program_form::ProgramForm;

use super::admit::field;
use super::answer::{page, Answer};
use super::profile_change::{change, BACK};
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

pub async fn activate(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
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

pub async fn copy(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    body: Body,
) -> Response {
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
    user: Option<Extension<CurrentUser>>,
    body: Body,
) -> Response {
    change(state, user, body, |profile, form| {
        let slug = &field(form, "slug").unwrap_or_default();
        match profile.remove_program(slug) {
            Ok(()) => Ok("/programs".to_owned()),
            Err(RemoveProgram::BuiltIn) => Err(Box::new(page(
                StatusCode::FORBIDDEN,
                "Not deleted",
                Answer::text("Built-in programs stay: copy one to make it yours."),
                BACK,
            ))),
            Err(RemoveProgram::Missing) => Err(no_such(slug)),
        }
    })
    .await
}

/// The editor's Save: a valid program replaces the user's own of that slug; a form with
/// problems goes back to the editor with its values and `check=1`, which shows each problem
/// at its field, and nothing is saved.
pub async fn save(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    body: Body,
) -> Response {
    change(state, user, body, |profile, bytes| {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(bytes).into_owned().collect();
        let form = ProgramForm::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let slug = form.slug.clone();
        let Some(at) = profile.programs.iter().position(|p| p.slug == slug) else {
            return Err(match domain::program::builtin_program(&slug) {
                Some(_) => Box::new(page(
                    StatusCode::FORBIDDEN,
                    "Not saved",
                    Answer::text("Built-in programs stay as they are: copy one to make it yours."),
                    BACK,
                )),
                None => no_such(&slug),
            });
        };
        match form.to_program(&profile.catalog()) {
            Ok(program) => {
                profile.programs[at] = program;
                Ok(format!("/programs#program-{slug}"))
            }
            Err(_) => {
                let query: String = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form.to_pairs())
                    .append_pair("check", "1")
                    .finish();
                Err(Box::new(
                    Redirect::to(&format!("/programs/edit?{query}")).into_response(),
                ))
            }
        }
    })
    .await
}
