//! Keeping each user's read model (`domain::read_model`) exact, CQRS style: the write side
//! marks it stale, a projector rebuilds it, and the views read it only while it is fresh.
//!
//! Every user's record carries a generation. Whatever changes what the model depends on (the
//! worker after it persists a batch, a saved profile, a weighing) first writes the change and
//! then raises the generation (`mark_stale`). The projector reads the generation, then the
//! history, builds, and stores the model only if the generation is still the one it read
//! (`put`). So a model is stored fresh only when no change landed after the history it was
//! built from, and a change that lands during a build leaves the record stale for the next
//! round: any interleaving of workers, projectors and crashes ends in the replay's result.
//! A view that finds no fresh model replays the history itself, as before: slower, never
//! wrong.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::bodyweight::Bodyweight;
use domain::read_model::ReadModel;
use tokio::sync::Notify;

use crate::{AccountStore, ProfileStore, StoreError, WorkoutStore};

/// A user's record: the generation of what the model depends on, and the model last built.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredModel {
    /// Raised by every change to the user's history, profile or bodyweight log.
    pub generation: u64,
    /// The generation the stored model was built at.
    pub built_at: u64,
    pub model: Option<ReadModel>,
}

impl StoredModel {
    /// The model, if it was built from everything the user has now, by this version.
    pub fn fresh(self) -> Option<ReadModel> {
        if self.built_at != self.generation {
            return None;
        }
        self.model
            .filter(|m| m.version == domain::read_model::VERSION)
    }
}

#[async_trait]
pub trait ReadModelStore: Send + Sync + 'static {
    /// Raises the generation of each user's record (creating it), which marks it stale: one
    /// write for all of them. Call after writing the change, never before.
    async fn mark_stale(&self, users: &[String]) -> Result<(), StoreError>;

    /// Marks stale every record built by a version other than `version`: what a new engine
    /// must rebuild. With `None`, every record. Returns how many were marked.
    async fn mark_outdated(&self, version: Option<u32>) -> Result<u64, StoreError>;

    /// Up to `limit` users whose records are stale.
    async fn stale_users(&self, limit: usize) -> Result<Vec<String>, StoreError>;

    /// The user's record, if there is one.
    async fn stored_model(&self, user: &str) -> Result<Option<StoredModel>, StoreError>;

    /// Stores `model` as built at `generation`, only if the record is still at `generation`;
    /// false when a change raised it since (the record stays stale) or the record is gone.
    async fn put_model(
        &self,
        user: &str,
        generation: u64,
        model: &ReadModel,
    ) -> Result<bool, StoreError>;

    /// Removes the user's record (the account is gone).
    async fn forget_model(&self, user: &str) -> Result<(), StoreError>;
}

/// What rebuilding one user's model came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rebuilt {
    /// Stored fresh.
    Fresh,
    /// A change landed while it was built: still stale, to be built again.
    Raced,
    /// The account is gone or being deleted: its record was removed.
    Gone,
}

/// The stores a rebuild reads and writes.
#[derive(Clone)]
pub struct Projection {
    pub workouts: Arc<dyn WorkoutStore>,
    pub profiles: Arc<dyn ProfileStore>,
    pub accounts: Arc<dyn AccountStore>,
    pub models: Arc<dyn ReadModelStore>,
}

impl Projection {
    /// Builds and stores the user's model from what is stored now, as of `today`.
    pub async fn rebuild(&self, user: &str, today: NaiveDate) -> Result<Rebuilt, StoreError> {
        // The generation first: every change it counts is already written, so the history
        // read next holds them all.
        let generation = self
            .models
            .stored_model(user)
            .await?
            .map_or(0, |s| s.generation);
        if !self
            .accounts
            .active(&[user.to_owned()])
            .await?
            .contains(user)
        {
            self.models.forget_model(user).await?;
            return Ok(Rebuilt::Gone);
        }
        let profile = self.profiles.profile(user).await?.unwrap_or_default();
        let history = crate::training::whole_history(self.workouts.as_ref(), user).await?;
        let bodyweight = Bodyweight::new(self.profiles.weighings(user).await?);
        let model = ReadModel::build(&profile, &history, &bodyweight, today);
        Ok(if self.models.put_model(user, generation, &model).await? {
            metrics::counter!("ironlog_read_models_rebuilt_total").increment(1);
            Rebuilt::Fresh
        } else {
            Rebuilt::Raced
        })
    }

    /// Rebuilds stale models until none is left but those that failed, `batch` users at a
    /// time. `progress` hears the count stored so far after each round. A user whose rebuild
    /// fails (a record that cannot be read) is left stale, logged and skipped, so one bad
    /// record does not hold the others back; the views replay that user's history meanwhile.
    pub async fn catch_up(
        &self,
        batch: usize,
        mut progress: impl FnMut(usize) + Send,
    ) -> Result<CaughtUp, StoreError> {
        let mut done = CaughtUp::default();
        let mut failed: HashSet<String> = HashSet::new();
        loop {
            let users = self.models.stale_users(batch + failed.len()).await?;
            let todo: Vec<&String> = users.iter().filter(|u| !failed.contains(*u)).collect();
            if todo.is_empty() {
                done.failed = failed.len();
                return Ok(done);
            }
            let mut raced = 0;
            for user in &todo {
                match self.rebuild(user, today()).await {
                    Ok(Rebuilt::Fresh) => done.fresh += 1,
                    Ok(Rebuilt::Raced) => raced += 1,
                    Ok(Rebuilt::Gone) => {}
                    Err(e) => {
                        metrics::counter!("ironlog_read_model_errors_total").increment(1);
                        tracing::warn!(error = %crate::Chain(&e), "rebuilding a read model failed; the views replay meanwhile");
                        failed.insert((*user).clone());
                    }
                }
            }
            progress(done.fresh);
            if raced == todo.len() {
                // Every record raced a change: let the writers finish before the next round.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// What [`Projection::catch_up`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaughtUp {
    /// Models stored fresh.
    pub fresh: usize,
    /// Users whose rebuild failed; their records stay stale.
    pub failed: usize,
}

/// The server's date, in UTC: what the analytics count streaks to.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// How the projector paces itself.
#[derive(Debug, Clone, Copy)]
pub struct ProjectorConfig {
    /// How often to look for stale records another process marked.
    pub poll: Duration,
    /// Users rebuilt per round.
    pub batch: usize,
}

impl Default for ProjectorConfig {
    fn default() -> Self {
        Self {
            poll: Duration::from_millis(250),
            batch: 64,
        }
    }
}

/// Rebuilds stale models until `shutdown`: at once when `wake` is notified (a change in this
/// process), and every `poll` for changes other processes marked. First marks stale what an
/// older version built. A store error is logged and retried on the next round; the views
/// replay meanwhile.
pub async fn run_projector(
    projection: Projection,
    config: ProjectorConfig,
    wake: Arc<Notify>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let mut outdated_marked = false;
    loop {
        if !outdated_marked {
            match projection
                .models
                .mark_outdated(Some(domain::read_model::VERSION))
                .await
            {
                Ok(n) => {
                    outdated_marked = true;
                    if n > 0 {
                        tracing::info!(
                            models = n,
                            version = domain::read_model::VERSION,
                            "rebuilding read models of another version"
                        );
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %crate::Chain(&e), "cannot mark outdated read models yet")
                }
            }
        }
        if let Err(e) = projection.catch_up(config.batch, |_| {}).await {
            tracing::warn!(error = %crate::Chain(&e), "rebuilding read models failed; will retry");
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(config.poll) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}
