//! `POST /api/v1/import` (Strong, Hevy or Ironlog CSV) and `GET /api/v1/export?format=json|csv`.
//!
//! Imported sessions travel the same write pipeline as logged ones, with ids derived from
//! their content, so a second import of the same file sends nothing new and a re-sent session
//! overwrites itself with the same content.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{FixedOffset, Offset, Utc};
use domain::import::{self, Progress, Source, Summary, MAX_LISTED_REJECTIONS};
use domain::units::Unit;
use domain::{NewWorkout, Problem, WorkoutLogged};
use futures::StreamExt;
use serde_json::json;
use service::Publisher;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::error::ApiError;
use crate::extract::{media_type, User};
use crate::state::AppState;
use crate::training::{history_of, profile_of, save_profile};

/// An export of several years fits easily: 20,000 sets are about 2 MB.
pub const MAX_IMPORT_BODY: usize = 16 * 1024 * 1024;

/// Sessions in flight to the queue at once during an import.
const PUBLISH_CONCURRENCY: usize = 16;

#[derive(Debug)]
pub struct ImportQuery {
    format: Option<Source>,
    unit: Option<Unit>,
    utc_offset: FixedOffset,
}

/// `format` (strong, hevy, ironlog or auto), `unit` (kg or lb: the weights of files that do
/// not say), `utc_offset` (+02:00: the zone of files with local times).
pub fn parse_import_query(raw: Option<&str>) -> Result<ImportQuery, Vec<Problem>> {
    let mut q = ImportQuery {
        format: None,
        unit: None,
        utc_offset: FixedOffset::east_opt(0).unwrap_or_else(|| Utc.fix()),
    };
    let mut problems = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "format" if value == "auto" => q.format = None,
            "format" => match value.parse() {
                Ok(f) => q.format = Some(f),
                Err(e) => problems.push(Problem::new("format", e)),
            },
            "unit" => match value.as_ref() {
                "kg" => q.unit = Some(Unit::Kg),
                "lb" | "lbs" => q.unit = Some(Unit::Lb),
                _ => problems.push(Problem::new("unit", "must be kg or lb")),
            },
            "utc_offset" => match parse_offset(&value) {
                Some(o) => q.utc_offset = o,
                None => problems.push(Problem::new(
                    "utc_offset",
                    "must be an offset from UTC such as +02:00, -05:30 or Z",
                )),
            },
            other => problems.push(Problem::new(other, "unknown query parameter")),
        }
    }
    if problems.is_empty() {
        Ok(q)
    } else {
        Err(problems)
    }
}

fn parse_offset(text: &str) -> Option<FixedOffset> {
    if text == "Z" || text == "z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' | b' ' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 || h < 0 || m < 0 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

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
        ("format" = Option<String>, Query, description = "strong, hevy, ironlog or auto (default)"),
        ("unit" = Option<String>, Query, description = "kg or lb: weights in files that do not name a unit; default the profile's"),
        ("utc_offset" = Option<String>, Query, description = "the zone of the file's local times, e.g. +02:00; default Z"),
    ),
    request_body(content = String, content_type = "text/csv", description = "the export file, at most 16 MiB"),
    security(("session" = [])),
    responses(
        (status = 200, description = "what was imported, skipped and rejected", body = crate::api::doc::ImportSummary),
        (status = 400, description = "bad query; every problem listed", body = crate::api::doc::Error),
        (status = 401, description = "no session", body = crate::api::doc::Error),
        (status = 403, description = "sent from another site", body = crate::api::doc::Error),
        (status = 413, description = "the file is over 16 MiB", body = crate::api::doc::Error),
        (status = 415, description = "not sent as text/csv", body = crate::api::doc::Error),
        (status = 422, description = "the file is not an export Ironlog can read", body = crate::api::doc::Error),
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
    let query = parse_import_query(query.as_deref()).map_err(ApiError::InvalidQuery)?;
    if !is_csv(&headers) {
        return Err(ApiError::UnsupportedMediaType("text/csv"));
    }
    state.limits.write(&user)?;
    let bytes = axum::body::to_bytes(body, MAX_IMPORT_BODY)
        .await
        .map_err(|_| ApiError::TooLarge(MAX_IMPORT_BODY))?;
    let Prepared { fresh, summary } = prepare(&state, &user, Vec::from(bytes), query).await?;

    if wants_progress(&headers) {
        let (tx, rx) = mpsc::channel::<Progress>(64);
        tokio::spawn(send_all(state.publisher, user, fresh, summary, Some(tx)));
        let lines = futures::stream::unfold(rx, |mut rx| async move {
            let item = rx.recv().await?;
            let mut line = serde_json::to_vec(&item).unwrap_or_default();
            line.push(b'\n');
            Some((Ok::<_, std::convert::Infallible>(line), rx))
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
    let summary = send_all(state.publisher, user, fresh, summary, None).await;
    Ok(Json(summary).into_response())
}

/// An import ready to send: the sessions not stored yet, and the summary so far.
pub struct Prepared {
    pub fresh: Vec<NewWorkout>,
    pub summary: Summary,
}

/// Reads an export file for `user`: parses it, finds the sessions already stored, and saves
/// the new exercises they name (before their sessions are sent, so the history never names
/// an exercise the profile lacks). Shared by the API and the plain form.
pub async fn prepare(
    state: &AppState,
    user: &str,
    bytes: Vec<u8>,
    query: ImportQuery,
) -> Result<Prepared, ApiError> {
    let text = String::from_utf8(bytes).map_err(|_| {
        ApiError::InvalidInput(vec![Problem::new(
            "file",
            "is not UTF-8 text: export it again from the app, unchanged",
        )])
    })?;

    let mut profile = profile_of(state, user).await?;
    let options = import::Options {
        user_id: user.to_owned(),
        unit: query.unit.unwrap_or(profile.gym.unit),
        utc_offset: query.utc_offset,
        now: Utc::now(),
    };
    let catalog = profile.catalog();
    let format = query.format;
    let parsed =
        tokio::task::spawn_blocking(move || import::parse(&text, format, &catalog, &options))
            .await
            .map_err(|_| ApiError::Unavailable("the import failed"))?
            .map_err(|e| ApiError::InvalidInput(vec![Problem::new("file", e.to_string())]))?;

    let known = known_ids(state, user).await?;
    let import::Import {
        source,
        rows,
        workouts,
        rejected,
        warmup_sets,
        non_strength_sets,
        new_exercises,
    } = parsed;
    let sessions = workouts.len();
    let (fresh, duplicates): (Vec<NewWorkout>, Vec<NewWorkout>) =
        workouts.into_iter().partition(|w| !known.contains(&w.id));
    // The user's new exercises are saved before their sessions are sent, so the history never
    // names an exercise the profile lacks.
    let used: Vec<_> = new_exercises
        .into_iter()
        .filter(|e| {
            fresh
                .iter()
                .any(|w| w.exercises.iter().any(|x| x.exercise == e.slug))
        })
        .collect();
    if !used.is_empty() {
        profile.exercises.extend(used.iter().cloned());
        save_profile(state, user, &profile).await?;
    }

    let summary = Summary {
        format: source,
        rows,
        sessions,
        imported: 0,
        duplicates: duplicates.len(),
        failed: 0,
        warmup_sets,
        non_strength_sets,
        rejected_total: rejected.len(),
        rejected: rejected.into_iter().take(MAX_LISTED_REJECTIONS).collect(),
        new_exercises: used.into_iter().map(|e| e.name).collect(),
    };
    tracing::info!(user = %user, format = %summary.format, sessions = summary.sessions, fresh = fresh.len(), "import");
    Ok(Prepared { fresh, summary })
}

/// The ids already in the user's history, and the content-derived id of each stored session,
/// so a session logged by hand and then imported from another app counts as a duplicate too.
async fn known_ids(state: &AppState, user: &str) -> Result<HashSet<Uuid>, ApiError> {
    let history = history_of(state, user).await?;
    Ok(history
        .iter()
        .flat_map(|w| [w.id, import::content_id(user, w.performed_at, &w.exercises)])
        .collect())
}

/// Publishes the sessions, reporting progress; stops sending at the queue's first failure
/// (the rest count as failed: importing again sends them).
pub async fn send_all(
    publisher: Arc<dyn Publisher>,
    user: String,
    fresh: Vec<NewWorkout>,
    mut summary: Summary,
    progress: Option<mpsc::Sender<Progress>>,
) -> Summary {
    let total = summary.sessions;
    let mut done = summary.duplicates;
    let report = |done: usize| {
        let progress = progress.clone();
        async move {
            if let Some(tx) = progress {
                // A client that went away no longer needs progress; the import goes on.
                let _ = tx.send(Progress::Progress { done, total }).await;
            }
        }
    };
    report(done).await;
    let now = Utc::now();
    let mut sends = futures::stream::iter(fresh.into_iter().map(|w| {
        let publisher = Arc::clone(&publisher);
        let event = WorkoutLogged::new(w, user.clone(), now);
        async move { publisher.publish(&event).await }
    }))
    .buffer_unordered(PUBLISH_CONCURRENCY);
    while let Some(sent) = sends.next().await {
        if let Err(e) = sent {
            // Nothing more is started, and sends still in flight are dropped.
            tracing::warn!(error = %e, "import: publish failed; the rest is not sent");
            break;
        }
        summary.imported += 1;
        metrics::counter!("ironlog_workouts_imported_total").increment(1);
        done += 1;
        if done.is_multiple_of(25) {
            report(done).await;
        }
    }
    drop(sends);
    // Whatever the queue did not confirm counts as failed: importing again sends it.
    summary.failed = total - summary.duplicates - summary.imported;
    report(total).await;
    if let Some(tx) = progress {
        let _ = tx.send(Progress::Summary(summary.clone())).await;
    }
    summary
}

/// Everything of the user's: profile and workouts as JSON (`format=json`, the default), or
/// one row per set as CSV (`format=csv`, which the import reads back).
#[utoipa::path(
    get, path = "/api/v1/export", tag = "data",
    params(("format" = Option<String>, Query, description = "json (default) or csv")),
    security(("session" = [])),
    responses(
        (status = 200, description = "an attachment: JSON {format, version, exported_at, profile, workouts} or CSV"),
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
    let workouts = history_of(&state, &user).await?;
    let now = Utc::now();
    let stem = format!("ironlog-{}", now.format("%Y-%m-%d"));
    let (body, mime, file) = if csv {
        let text = domain::export::to_csv(&workouts, &profile.catalog()).map_err(|e| {
            tracing::error!(error = %service::Chain(&e), "the CSV export failed");
            ApiError::Internal("the export could not be written")
        })?;
        (text, "text/csv; charset=utf-8", format!("{stem}.csv"))
    } else {
        let doc = json!({
            "format": "ironlog",
            "version": 1,
            "exported_at": now,
            "profile": profile,
            "workouts": workouts,
        });
        (doc.to_string(), "application/json", format!("{stem}.json"))
    };
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_query_defaults_and_reports_every_problem() {
        let q = parse_import_query(None).unwrap();
        assert_eq!(
            (q.format, q.unit, q.utc_offset.local_minus_utc()),
            (None, None, 0)
        );
        let q = parse_import_query(Some("format=hevy&unit=lb&utc_offset=%2B05:30")).unwrap();
        assert_eq!(q.format, Some(Source::Hevy));
        assert_eq!(q.unit, Some(Unit::Lb));
        assert_eq!(q.utc_offset.local_minus_utc(), 5 * 3600 + 1800);
        assert_eq!(
            parse_offset("-08:00").map(|o| o.local_minus_utc()),
            Some(-8 * 3600)
        );
        let problems = parse_import_query(Some("format=csv&unit=st&utc_offset=2&x=1")).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["format", "unit", "utc_offset", "x"]);
        for bad in ["+15:00", "+1:60", "0200", "", "+a:00"] {
            assert!(parse_offset(bad).is_none(), "{bad}");
        }
    }
}
