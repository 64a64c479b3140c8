//! Import jobs: each user's running or last import, sent to the queue on a task of its own,
//! so a client that stops waiting (a timeout, a closed tab) does not stop it, and its outcome
//! stays readable at `GET /api/v1/import/latest` for [`KEPT_FOR`]. A leaf: it knows the
//! queue, not the server's state.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use domain::import::{Progress, Summary};
use domain::{NewWorkout, WorkoutLogged};
use futures::StreamExt;
use serde::Serialize;
use service::Publisher;
use tokio::sync::watch;

use crate::error::ApiError;

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

/// An import ready to send: the sessions not stored yet, and the summary so far.
pub struct Prepared {
    pub fresh: Vec<NewWorkout>,
    pub summary: Summary,
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

    /// Whether an import of the user's is sending now: asked before the work of preparing
    /// another (reading the file, saving exercises, charging the sessions).
    pub fn is_running(&self, user: &str) -> bool {
        self.jobs.get(user).is_some_and(|rx| running(&rx))
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
            done: summary.duplicates + summary.deleted,
            total: summary.sessions,
        });
        let entry = self.jobs.entry(user.to_owned()).and_upsert_with(|current| {
            match current.map(|e| e.into_value()) {
                Some(current) if running(&current) => current,
                _ => rx.clone(),
            }
        });
        if !entry.value().same_channel(&rx) {
            return Err(already_running());
        }
        tokio::spawn(send_all(publisher, user.to_owned(), fresh, summary, tx));
        Ok(rx)
    }
}

/// The answer to a second import while one runs.
pub fn already_running() -> ApiError {
    ApiError::Conflict(
        "an import of yours is still running; its outcome is at /api/v1/import/latest".into(),
    )
}

/// A job still sending: not done, and its task still alive (one that died without saying
/// `Done` has dropped its sender and must not block the user's next import for a day).
fn running(job: &watch::Receiver<ImportState>) -> bool {
    matches!(*job.borrow(), ImportState::Running { .. }) && job.has_changed().is_ok()
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

/// The job's lines for a streamed answer: progress as it changes, the last progress line
/// saying all sessions were handled, then the summary.
pub fn progress_lines(
    job: watch::Receiver<ImportState>,
) -> impl futures::Stream<Item = Progress> + Send {
    enum Next {
        Watch(watch::Receiver<ImportState>),
        Summary(Summary),
        End,
    }
    futures::stream::unfold(Next::Watch(job), |next| async move {
        match next {
            Next::End => None,
            Next::Summary(summary) => Some((Progress::Summary(summary), Next::End)),
            Next::Watch(mut job) => {
                let state = job.borrow_and_update().clone();
                match state {
                    ImportState::Done { summary } => {
                        let total = summary.sessions;
                        Some((
                            Progress::Progress { done: total, total },
                            Next::Summary(summary),
                        ))
                    }
                    ImportState::Running { done, total } => {
                        // The sender says Done before it is dropped, which the next turn
                        // reads; if its task died instead, the stream ends here.
                        let next = match job.changed().await {
                            Ok(()) => Next::Watch(job),
                            Err(_) => Next::End,
                        };
                        Some((Progress::Progress { done, total }, next))
                    }
                }
            }
        }
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
    let mut done = summary.duplicates + summary.deleted;
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
    summary.failed = total - summary.duplicates - summary.deleted - summary.imported;
    tracing::info!(user = %user, imported = summary.imported, failed = summary.failed, "import finished");
    job.send_replace(ImportState::Done { summary });
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::import::Source;

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
            deleted: 0,
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
        let again = jobs.start(publisher.clone(), "u1", prepared()).unwrap();
        assert!(finished(again).await.is_some());

        // A job whose task died without finishing does not hold the user's imports.
        let (dead, rx) = watch::channel(ImportState::Running { done: 1, total: 3 });
        jobs.jobs.insert("u3".into(), rx);
        assert!(jobs.is_running("u3"));
        drop(dead);
        assert!(!jobs.is_running("u3"));
        assert!(jobs.start(publisher, "u3", prepared()).is_ok());
    }
}
