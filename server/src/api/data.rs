//! `POST /api/v1/import` (Strong, Hevy or Ironlog CSV), `GET /api/v1/import/latest` and
//! `GET /api/v1/export?format=json|csv`. The import itself is in `importing`.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use domain::catalog::Catalog;
use domain::{Cursor, Problem};
use futures::StreamExt;
use serde_json::json;

use crate::error::ApiError;
use crate::extract::{media_type, read_at_most, User};
use crate::import_jobs::{already_running, finished, progress_lines, ImportState};
use crate::importing::{parse_import_query, prepare, MAX_IMPORT_BODY};
use crate::state::AppState;
use crate::training::profile_of;

/// How long after the request arrived an import's answer stops waiting for the job and
/// answers 202 with where its outcome will be: reading and preparing the file count too, and
/// the whole stays below the router's 15 s request timeout, so a long import is never a bare
/// 408.
const IMPORT_ANSWER_BY: Duration = Duration::from_secs(12);

/// Workouts read from the store per step of an export: what the export holds in memory.
const EXPORT_PAGE: usize = 200;

fn is_csv(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|mime| {
        matches!(
            mime.as_str(),
            "text/csv"
                | "text/plain"
                | "application/csv"
                | "application/vnd.ms-excel"
                | "application/octet-stream"
        )
    })
}

fn wants_progress(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/x-ndjson"))
}

/// Imports a Strong, Hevy or Ironlog CSV export. With `Accept: application/x-ndjson` the
/// answer streams `{"progress":{"done":n,"total":m}}` lines, then `{"summary":{…}}`.
#[utoipa::path(
    post, path = "/api/v1/import", tag = "data",
    params(
        ("format" = Option<String>, Query, pattern = "^(strong|hevy|ironlog|auto)$", description = "strong, hevy, ironlog or auto (default)"),
        ("unit" = Option<String>, Query, pattern = "^(kg|lb|lbs)$", description = "kg or lb: weights in files that do not name a unit; default the profile's"),
        ("utc_offset" = Option<String>, Query, pattern = "^([Zz]|[-+ ](0[0-9]|1[0-3]):[0-5][0-9]|[-+ ]14:00)$", description = "the zone of the file's local times, e.g. +02:00; default Z"),
    ),
    request_body(content = String, content_type = "text/csv", description = "the export file: not empty, at most 16 MiB"),
    security(("session" = [])),
    responses(
        (status = 200, description = "what was imported, skipped and rejected", body = crate::api::doc::ImportSummary),
        (status = 202, description = "still sending after 12 s: it goes on, and its outcome will be at the Location, /api/v1/import/latest", body = crate::api::doc::ImportStatus),
        (status = 400, description = "bad query; every problem listed", body = crate::api::doc::Error),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 403, description = "sent from another site", body = crate::api::doc::Error),
        (status = 413, description = "the file is over 16 MiB", body = crate::api::doc::Error),
        (status = 409, description = "an import of yours is still running", body = crate::api::doc::Error),
        (status = 415, description = "not sent as text/csv", body = crate::api::doc::Error),
        (status = 422, description = "the file is empty, or not an export Ironlog can read", body = crate::api::doc::Error),
        (status = 429, description = "too many writes; see Retry-After", body = crate::api::doc::Error),
        (status = 503, description = "the history or profile store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn import(
    State(state): State<AppState>,
    User(user): User,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let arrived = tokio::time::Instant::now();
    let query = parse_import_query(query.as_deref()).map_err(ApiError::InvalidQuery)?;
    if !is_csv(&headers) {
        return Err(ApiError::UnsupportedMediaType("text/csv"));
    }
    if state.imports.is_running(&user) {
        return Err(already_running());
    }
    state.limits.write(&user)?;
    let bytes = read_at_most(body, MAX_IMPORT_BODY).await?;
    let prepared = prepare(&state, &user, Vec::from(bytes), query).await?;
    let job = state
        .imports
        .start(state.publisher.clone(), &user, prepared)?;

    if wants_progress(&headers) {
        let lines = progress_lines(job)
            .map(|item| {
                let mut line = serde_json::to_vec(&item).unwrap_or_default();
                line.push(b'\n');
                Ok::<_, std::convert::Infallible>(line)
            })
            // The body may be polled again after its end (by the compression layer).
            .fuse();
        let mut response = Body::from_stream(lines).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-ndjson"),
        );
        return Ok(response);
    }
    match tokio::time::timeout_at(arrived + IMPORT_ANSWER_BY, finished(job.clone())).await {
        Ok(Some(summary)) => Ok(Json(summary).into_response()),
        // Still sending: it goes on without this request; the outcome will be there.
        _ => {
            let state = job.borrow().clone();
            Ok((
                StatusCode::ACCEPTED,
                [(header::LOCATION, "/api/v1/import/latest")],
                Json(state),
            )
                .into_response())
        }
    }
}

/// The user's current or last import (kept a day): still sending, with how far, or its
/// summary. For a client whose import answer did not arrive.
#[utoipa::path(
    get, path = "/api/v1/import/latest", tag = "data",
    security(("session" = [])),
    responses(
        (status = 200, description = "`{\"status\":\"running\",\"done\",\"total\"}` or `{\"status\":\"done\",\"summary\":{…}}`", body = crate::api::doc::ImportStatus),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 404, description = "no import in the last day", body = crate::api::doc::Error),
    )
)]
pub async fn latest_import(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<ImportState>, ApiError> {
    state
        .imports
        .latest(&user)
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Everything of the user's: profile and workouts as JSON (`format=json`, the default), or
/// one row per set as CSV (`format=csv`, which the import reads back).
#[utoipa::path(
    get, path = "/api/v1/export", tag = "data",
    params(("format" = Option<String>, Query, pattern = "^(json|csv)$", description = "json (default) or csv")),
    security(("session" = [])),
    responses(
        (status = 200, description = "an attachment: JSON {format, version, exported_at, profile, bodyweight, workouts} or CSV"),
        (status = 400, description = "bad query; every problem listed", body = crate::api::doc::Error),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 500, description = "the export could not be written", body = crate::api::doc::Error),
        (status = 503, description = "the history or profile store is unavailable", body = crate::api::doc::Error),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    User(user): User,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let mut csv = false;
    let mut problems = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        match (key.as_ref(), value.as_ref()) {
            ("format", "json") => csv = false,
            ("format", "csv") => csv = true,
            ("format", _) => problems.push(Problem::new("format", "must be json or csv")),
            (other, _) => problems.push(Problem::new(other, "unknown query parameter")),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::InvalidQuery(problems));
    }
    let profile = profile_of(&state, &user).await?;
    let catalog = profile.catalog();
    let now = Utc::now();
    let stem = format!("ironlog-{}", now.format("%Y-%m-%d"));
    // Written a page of the history at a time, so a long history is never whole in memory. A
    // store failure part-way ends the body with an error, which the client sees as a broken
    // download, never as a shorter file.
    let (head, mime, file) = if csv {
        let mut head = Vec::new();
        domain::export::write_csv_header(&mut head).map_err(export_failed)?;
        (head, "text/csv; charset=utf-8", format!("{stem}.csv"))
    } else {
        let bodyweight = state
            .training
            .bodyweight(&user)
            .await
            .map_err(ApiError::store("the bodyweight log is unavailable"))?;
        let opening = json!({
            "format": "ironlog",
            "version": 1,
            "exported_at": now,
            "profile": profile,
            "bodyweight": bodyweight.weighings(),
        })
        .to_string();
        // `{…}` becomes `{…,"workouts":[`; the pages and `]}` follow.
        let opening = opening
            .strip_suffix('}')
            .ok_or(ApiError::Internal("the export could not be written"))?;
        let head = format!("{opening},\"workouts\":[");
        (
            head.into_bytes(),
            "application/json",
            format!("{stem}.json"),
        )
    };
    let pages = history_pages(state, user, catalog, csv);
    let tail = (!csv).then(|| Ok(Bytes::from_static(b"]}")));
    let body = futures::stream::once(async move { Ok(Bytes::from(head)) })
        .chain(pages)
        .chain(futures::stream::iter(tail));
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

fn export_failed(e: domain::export::ExportError) -> ApiError {
    tracing::error!(error = %service::Chain(&e), "the CSV export failed");
    ApiError::Internal("the export could not be written")
}

/// The user's history, newest first, a page at a time, as CSV rows or as JSON array items.
fn history_pages(
    state: AppState,
    user: String,
    catalog: Catalog,
    csv: bool,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    struct Walk {
        state: AppState,
        user: String,
        catalog: Catalog,
        before: Option<Cursor>,
        first: bool,
        done: bool,
    }
    let walk = Walk {
        state,
        user,
        catalog,
        before: None,
        first: true,
        done: false,
    };
    futures::stream::unfold(walk, move |mut w| async move {
        if w.done {
            return None;
        }
        let page = match w
            .state
            .training
            .workouts()
            .list(&w.user, EXPORT_PAGE, w.before)
            .await
        {
            Ok(page) => page,
            Err(e) => {
                tracing::error!(error = %service::Chain(&e), "the export stopped: the history store failed");
                w.done = true;
                return Some((Err(std::io::Error::other(e)), w));
            }
        };
        w.before = page.next;
        w.done = page.next.is_none();
        let mut out = Vec::new();
        let written = if csv {
            domain::export::write_csv_rows(&mut out, &page.items, &w.catalog)
                .map_err(std::io::Error::other)
        } else {
            page.items.iter().try_for_each(|item| {
                if !std::mem::take(&mut w.first) {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, item).map_err(std::io::Error::other)
            })
        };
        Some((written.map(|()| Bytes::from(out)), w))
    })
}
