//! The program editor's posts (the page is `app::editor`). Its buttons post the whole form to
//! `POST /programs/edit` with an `action` (add, remove or move a day or an exercise): the
//! editor is rendered again from the values sent with the change applied, and nothing is
//! saved. Save posts to `POST /programs/save`: a valid program replaces the user's own of
//! that slug; a form with problems is rendered again (422) with each problem at its field,
//! the values as typed, and nothing saved. The form travels in the body, never in an address,
//! so a program of any allowed size fits.

use app::editor::Draft;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use domain::profile::RemoveProgram;
use domain::program_form::ProgramForm;
use leptos::prelude::provide_context;

use super::admit::admit_write_within;
use super::profile_change::{save_and_go, unavailable, BACK};
use super::programs::{built_in, no_such};
use super::signed_in::SignedIn;
use crate::state::AppState;
use crate::training::profile_of;

/// The largest editor form: a program of 14 days of 20 exercises, every field filled in,
/// with room to spare (about 220 KB of field names and values).
pub const MAX_FORM: usize = 512 * 1024;

/// The editor page rendered from `draft` (the form's fields as sent) with `status`.
async fn render(
    state: &AppState,
    mut parts: axum::http::request::Parts,
    draft: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    // The page is rendered as a GET of the editor's address would be.
    parts.method = Method::GET;
    parts.uri = Uri::from_static("/programs/edit");
    let provide = crate::page_context::provider(state);
    let app_state = state.clone();
    let draft = Draft(draft);
    let options = state.leptos_options.clone();
    let handler = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(app_state.clone());
            provide();
            provide_context(draft.clone());
        },
        move || app::shell(options.clone()),
    );
    let mut response = handler(Request::from_parts(parts, Body::empty())).await;
    if response.status().is_success() {
        *response.status_mut() = status;
    }
    response
}

fn pairs(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

/// A button of the editor: the form again, with its change applied.
pub async fn reshape(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    match admit_write_within(&state, &user, body, BACK, MAX_FORM).await {
        Ok(bytes) => render(&state, parts, pairs(&bytes), StatusCode::OK).await,
        Err(refused) => refused,
    }
}

/// Save: a valid program replaces the user's own; one with problems comes back to the editor.
pub async fn save(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match admit_write_within(&state, &user, body, BACK, MAX_FORM).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused,
    };
    let sent = pairs(&bytes);
    let form = ProgramForm::from_pairs(sent.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let Ok(mut profile) = profile_of(&state, &user.id).await else {
        return unavailable();
    };
    let at = match profile.own_program(&form.slug) {
        Ok(at) => at,
        Err(RemoveProgram::BuiltIn) => return *built_in("Not saved"),
        Err(RemoveProgram::Missing) => return *no_such(&form.slug),
    };
    match form.to_program(&profile.catalog()) {
        Ok(program) => {
            profile.programs[at] = program;
            save_and_go(
                &state,
                &user,
                &profile,
                &format!("/programs#program-{}", form.slug),
            )
            .await
        }
        Err(_) => {
            let mut draft = form.to_pairs();
            draft.push(("check".to_owned(), "1".to_owned()));
            render(&state, parts, draft, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
