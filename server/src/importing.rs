//! An import, from the file to the queue, shared by `POST /api/v1/import` and the plain
//! form: the query, the caps, the sessions not stored yet, and the job that sends them.
//!
//! Imported sessions travel the same write pipeline as logged ones, with ids derived from
//! their content, so a second import of the same file sends nothing new and a re-sent session
//! overwrites itself with the same content. A job runs on its own task, so a client that stops
//! waiting (a timeout, a closed tab) does not stop it, and its outcome stays readable at
//! `GET /api/v1/import/latest` for [`KEPT_FOR`].

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{FixedOffset, Offset, Utc};
use domain::import::{self, Progress, Source, Summary, MAX_LISTED_REJECTIONS};
use domain::units::Unit;
use domain::{NewWorkout, Problem, WorkoutLogged};
use futures::StreamExt;
use serde::Serialize;
use service::Publisher;
use tokio::sync::watch;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;
use crate::training::{history_of, profile_of, save_profile};

/// An export of several years fits easily: 20,000 sets are about 2 MB.
pub const MAX_IMPORT_BODY: usize = 16 * 1024 * 1024;

/// Sessions in flight to the queue at once during an import.
const PUBLISH_CONCURRENCY: usize = 16;

/// How long the outcome of a user's last import is kept for `GET /api/v1/import/latest`.
pub const KEPT_FOR: Duration = Duration::from_secs(24 * 3600);

/// How many sessions an import may bring, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportCaps {
    /// New sessions in one import.
    pub per_import: usize,
    /// Sessions in one account's history, the import's included.
    pub per_account: usize,
}

impl Default for ImportCaps {
    fn default() -> Self {
        Self {
            per_import: 5_000,
            per_account: 20_000,
        }
    }
}

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
    let (fresh, duplicates): (Vec<NewWorkout>, Vec<NewWorkout>) = workouts
        .into_iter()
        .partition(|w| !known.ids.contains(&w.id));
    check_caps(&state.import_caps, fresh.len(), known.sessions)?;
    // Every new session is a write, charged as such (not one charge for the whole file).
    state.limits.import_sessions(user, fresh.len())?;
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

/// The user's stored sessions, as the import sees them.
struct Known {
    /// Each stored session's id and its content-derived id, so a session logged by hand and
    /// then imported from another app counts as a duplicate too.
    ids: HashSet<Uuid>,
    sessions: usize,
}

async fn known_ids(state: &AppState, user: &str) -> Result<Known, ApiError> {
    let history = history_of(state, user).await?;
    Ok(Known {
        sessions: history.len(),
        ids: history
            .iter()
            .flat_map(|w| [w.id, import::content_id(user, w.performed_at, &w.exercises)])
            .collect(),
    })
}

/// Refuses, whole and before anything is stored, an import over either cap.
fn check_caps(caps: &ImportCaps, fresh: usize, stored: usize) -> Result<(), ApiError> {
    let refuse = |message: String| Err(ApiError::InvalidInput(vec![Problem::new("file", message)]));
    if fresh > caps.per_import {
        return refuse(format!(
            "holds {fresh} new sessions; one import takes at most {}: export a shorter period, or split the file, and import each part",
            caps.per_import
        ));
    }
    if stored + fresh > caps.per_account {
        return refuse(format!(
            "would bring your history to {} sessions; an account holds at most {}",
            stored + fresh,
            caps.per_account
        ));
    }
    Ok(())
}

/// Where a user's import is: sending (with how far), or finished.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ImportState {
    Running { done: usize, total: usize },
    Done { summary: Summary },
}

/// The users' current or last imports: one running per user at a time.
#[derive(Clone)]
pub struct ImportJobs {
    jobs: moka::sync::Cache<String, watch::Receiver<ImportState>>,
}

impl Default for ImportJobs {
    fn default() -> Self {
        Self {
            jobs: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(KEPT_FOR)
                .build(),
        }
    }
}

impl ImportJobs {
    /// The state of the user's current or last import, if one ran recently.
    pub fn latest(&self, user: &str) -> Option<ImportState> {
        self.jobs.get(user).map(|rx| rx.borrow().clone())
    }

    /// Starts sending `prepared` for `user` on a task of its own; refused (409) while
    /// another import of theirs is running.
    pub fn start(
        &self,
        publisher: Arc<dyn Publisher>,
        user: &str,
        prepared: Prepared,
    ) -> Result<watch::Receiver<ImportState>, ApiError> {
        let Prepared { fresh, summary } = prepared;
        let (tx, rx) = watch::channel(ImportState::Running {
            done: summary.duplicates,
            total: summary.sessions,
        });
        let entry = self.jobs.entry(user.to_owned()).and_upsert_with(|current| {
            match current.map(|e| e.into_value()) {
                Some(running) if matches!(*running.borrow(), ImportState::Running { .. }) => {
                    running
                }
                _ => rx.clone(),
            }
        });
        if !entry.value().same_channel(&rx) {
            return Err(ApiError::Conflict(
                "an import of yours is still running; its outcome is at /api/v1/import/latest"
                    .into(),
            ));
        }
        tokio::spawn(send_all(publisher, user.to_owned(), fresh, summary, tx));
        Ok(rx)
    }
}

/// Waits for the job to finish; its summary.
pub async fn finished(mut job: watch::Receiver<ImportState>) -> Option<Summary> {
    let state = job
        .wait_for(|s| matches!(s, ImportState::Done { .. }))
        .await
        .ok()?;
    match &*state {
        ImportState::Done { summary } => Some(summary.clone()),
        ImportState::Running { .. } => None,
    }
}

/// The job's lines for a streamed answer: progress as it changes, then the summary.
pub fn progress_lines(
    job: watch::Receiver<ImportState>,
) -> impl futures::Stream<Item = Progress> + Send {
    futures::stream::unfold(Some(job), |job| async move {
        let mut job = job?;
        let state = job.borrow_and_update().clone();
        let line = match state {
            ImportState::Done { summary } => return Some((Progress::Summary(summary), None)),
            ImportState::Running { done, total } => Progress::Progress { done, total },
        };
        // The sender is dropped only after it sent Done, which the next turn reads.
        let _ = job.changed().await;
        Some((line, Some(job)))
    })
}

/// Publishes the sessions, reporting progress into `job`; stops sending at the queue's first
/// failure (the rest count as failed: importing again sends them).
async fn send_all(
    publisher: Arc<dyn Publisher>,
    user: String,
    fresh: Vec<NewWorkout>,
    mut summary: Summary,
    job: watch::Sender<ImportState>,
) {
    let total = summary.sessions;
    let mut done = summary.duplicates;
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
            tracing::warn!(error = %service::Chain(&e), "import: publish failed; the rest is not sent");
            break;
        }
        summary.imported += 1;
        metrics::counter!("ironlog_workouts_imported_total").increment(1);
        done += 1;
        if done.is_multiple_of(25) {
            job.send_replace(ImportState::Running { done, total });
        }
    }
    drop(sends);
    // Whatever the queue did not confirm counts as failed: importing again sends it.
    summary.failed = total - summary.duplicates - summary.imported;
    tracing::info!(user = %user, imported = summary.imported, failed = summary.failed, "import finished");
    job.send_replace(ImportState::Done { summary });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_over_a_cap_is_refused_whole_with_the_cap_named() {
        let caps = ImportCaps {
            per_import: 100,
            per_account: 150,
        };
        assert!(check_caps(&caps, 100, 50).is_ok());
        let message = |r: Result<(), ApiError>| match r {
            Err(ApiError::InvalidInput(p)) => p[0].message.clone(),
            other => panic!("{other:?}"),
        };
        assert!(message(check_caps(&caps, 101, 0)).contains("at most 100"));
        assert!(message(check_caps(&caps, 60, 100)).contains("at most 150"));
    }

    #[tokio::test]
    async fn one_import_runs_per_user_and_its_outcome_stays_readable() {
        let jobs = ImportJobs::default();
        let (tx, rx) = watch::channel(ImportState::Running { done: 0, total: 3 });
        jobs.jobs.insert("u1".into(), rx);
        /// Nothing to send in these jobs; the real queues are in the HTTP tests.
        struct Nowhere;
        #[async_trait::async_trait]
        impl Publisher for Nowhere {
            async fn publish_bytes(
                &self,
                _: &str,
                _: Vec<u8>,
            ) -> Result<(), service::PublishError> {
                Ok(())
            }
            fn is_connected(&self) -> bool {
                true
            }
        }
        let publisher: Arc<dyn Publisher> = Arc::new(Nowhere);
        let empty = || Summary {
            format: Source::Ironlog,
            rows: 0,
            sessions: 0,
            imported: 0,
            duplicates: 0,
            failed: 0,
            warmup_sets: 0,
            non_strength_sets: 0,
            rejected: Vec::new(),
            rejected_total: 0,
            new_exercises: Vec::new(),
        };
        let prepared = || Prepared {
            fresh: Vec::new(),
            summary: empty(),
        };
        assert!(matches!(
            jobs.start(publisher.clone(), "u1", prepared()),
            Err(ApiError::Conflict(_))
        ));
        let other = jobs.start(publisher.clone(), "u2", prepared()).unwrap();
        assert!(finished(other).await.is_some());
        tx.send_replace(ImportState::Done { summary: empty() });
        assert!(matches!(jobs.latest("u1"), Some(ImportState::Done { .. })));
        let again = jobs.start(publisher, "u1", prepared()).unwrap();
        assert!(finished(again).await.is_some());
    }

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
