//! `POST /import`: the import form on Your data posted without JavaScript (before its island
//! has loaded, or with scripts off), as `multipart/form-data`. The same import as
//! `POST /api/v1/import`, answered with a plain page of the summary. Times in the file are
//! read as UTC: without a script the browser does not say its zone.

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::import::Summary;

use super::answer::{page, Answer, Back};
use super::signed_in::SignedIn;
use crate::error::ApiError;
use crate::import_jobs::finished;
use crate::importing::{parse_import_query, prepare};
use crate::limits::RetryAfter;
use crate::state::AppState;

const BACK: Back = ("/data", "Back to your data");

/// How long the answer waits for the import (below the request timeout).
const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The posted file and the query its other fields make (`format`, `unit`).
struct Posted {
    file: Vec<u8>,
    query: String,
}

async fn read(mut form: Multipart) -> Result<Posted, Response> {
    let too_large = |_| {
        page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "File too large",
            Answer::text(
                "The file is over 16 MiB. Export a shorter period, or import it in parts.",
            ),
            BACK,
        )
    };
    let mut posted = Posted {
        file: Vec::new(),
        query: String::new(),
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    while let Some(field) = form.next_field().await.map_err(too_large)? {
        match field.name().unwrap_or_default() {
            "file" => posted.file = field.bytes().await.map_err(too_large)?.to_vec(),
            name @ ("format" | "unit") => {
                let name = name.to_owned();
                let value = field.text().await.map_err(too_large)?;
                // "my unit" is an empty unit: the profile's.
                if !value.is_empty() {
                    pairs.push((name, value));
                }
            }
            _ => {}
        }
    }
    // Built after the reads: the serializer holds a reference that is not `Send`.
    posted.query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    Ok(posted)
}

fn already_running_page() -> Response {
    page(
        StatusCode::CONFLICT,
        "An import is already running",
        Answer::text("Wait for it to finish, then import again if anything is missing."),
        BACK,
    )
}

fn summary_page(summary: &Summary) -> Response {
    let rejections = summary.rejection_lines();
    let answer = Answer {
        note: Some(summary.message()),
        list: summary.facts(),
        section: (!rejections.is_empty()).then(|| {
            (
                format!("{} rejected rows", summary.rejected_total),
                rejections,
            )
        }),
        ..Answer::default()
    };
    page(StatusCode::OK, "Import finished", answer, BACK)
}

fn problem_page(status: StatusCode, title: &str, problems: &[domain::Problem]) -> Response {
    let lines = problems
        .iter()
        .map(|p| format!("{} {}", p.field, p.message));
    page(status, title, Answer::list(lines), BACK)
}

pub async fn submit(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(form) = form else {
        return page(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Not a file upload",
            Answer::text("Send the form from Your data, with a file chosen."),
            BACK,
        );
    };
    if let Err(RetryAfter(secs)) = state.limits.write(&user.id) {
        return page(
            StatusCode::TOO_MANY_REQUESTS,
            "Slow down",
            Answer::text(format!("Too many writes at once. Try again in {secs} s: importing twice adds nothing twice.")),
            BACK,
        );
    }
    if state.imports.is_running(&user.id) {
        return already_running_page();
    }
    let posted = match read(form).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    if posted.file.is_empty() {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "No file",
            Answer::text("Choose a CSV file first."),
            BACK,
        );
    }
    let query = match parse_import_query(Some(&posted.query)) {
        Ok(q) => q,
        Err(problems) => {
            return problem_page(
                StatusCode::BAD_REQUEST,
                "Please check the options",
                &problems,
            )
        }
    };
    let started = match prepare(&state, &user.id, posted.file, query).await {
        Ok(prepared) => state
            .imports
            .start(state.publisher.clone(), &user.id, prepared),
        Err(e) => Err(e),
    };
    match started {
        Ok(job) => match tokio::time::timeout(WAIT, finished(job)).await {
            Ok(Some(summary)) => summary_page(&summary),
            _ => page(
                StatusCode::ACCEPTED,
                "Still importing",
                Answer::text(
                    "The import goes on without this page. Your history shows the sessions as they arrive; importing the same file again adds nothing twice.",
                ),
                BACK,
            ),
        },
        Err(ApiError::Conflict(_)) => already_running_page(),
        Err(ApiError::InvalidInput(problems)) => problem_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This file cannot be imported",
            &problems,
        ),
        Err(e) => page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Not imported yet",
            Answer::text(format!(
                "{e}. Go back and import again: nothing is added twice."
            )),
            BACK,
        ),
    }
}
