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
use chrono::{DateTime, NaiveDate, Utc};
use domain::bodyweight::Bodyweight;
use domain::engine::Plan;
use domain::profile::Profile;
use domain::progress::ProgressFacts;
use domain::read_model::{inputs_of, ReadModel, VERSION};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::{AccountStore, ProfileStore, StoreError, WorkoutStore};

/// A user's record: the generation of what the model depends on, and the model last built.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredModel {
    /// Raised by every change to the user's history, profile or bodyweight log.
    pub generation: u64,
    /// The generation the stored model was built at.
    pub built_at: u64,
    /// The engine version that built the stored model, if there is one.
    pub version: Option<u32>,
    /// No model may be stored before this time: a change to the profile or the bodyweight log
    /// is being written ([`ReadModelStore::hold`]).
    pub held_until: Option<DateTime<Utc>>,
    /// The fingerprint of the profile the stored model was built for.
    pub inputs: Option<String>,
    /// The parts of the stored model that were read ([`Part`]), if it is of this version and
    /// they could be read (a record another version wrote is left unread: it is rebuilt, never
    /// served).
    pub plan: Option<Plan>,
    pub progress: Option<ProgressFacts>,
}

/// Which part of a model a view reads: each is stored apart, so the plan's view does not read
/// the history's analytics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Plan,
    Progress,
    Both,
}

impl Part {
    pub fn plan(self) -> bool {
        matches!(self, Part::Plan | Part::Both)
    }

    pub fn progress(self) -> bool {
        matches!(self, Part::Progress | Part::Both)
    }
}

impl StoredModel {
    /// Whether what was read was built from everything the user has now, by this version.
    pub fn current(&self) -> bool {
        self.built_at == self.generation && self.version == Some(VERSION)
    }

    /// Whether it was built for `profile` as it is now.
    pub fn serves(&self, profile: &Profile) -> bool {
        self.inputs.as_deref() == Some(inputs_of(profile).as_str())
    }

    /// The whole model, if both parts were read and it is fresh.
    pub fn fresh(self) -> Option<ReadModel> {
        if !self.current() {
            return None;
        }
        Some(ReadModel {
            version: VERSION,
            inputs: self.inputs?,
            plan: self.plan?,
            progress: self.progress?,
        })
    }

    /// Whether the record needs a build nobody has asked for: it was never built, or an older
    /// version built it, and nothing marked it stale since.
    pub fn outdated(&self) -> bool {
        self.built_at == self.generation && self.version.is_none_or(|v| v < VERSION)
    }

    pub fn held(&self, now: DateTime<Utc>) -> bool {
        self.held_until.is_some_and(|until| until > now)
    }
}

/// What storing a built model came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    Stored,
    /// The generation moved on since the build (or the record is gone): not stored.
    Moved,
    /// A change is being written: not stored, try after the hold.
    Held,
}

#[async_trait]
pub trait ReadModelStore: Send + Sync + 'static {
    /// Raises the generation of each user's record (creating it), which marks it stale: one
    /// write for all of them. Call after writing the change, never before.
    async fn mark_stale(&self, users: &[String]) -> Result<(), StoreError>;

    /// Raises the generation, as [`ReadModelStore::mark_stale`], and refuses models until
    /// `until`: called before a change that has no redelivery (a profile or a weighing), so that
    /// if the process dies between the write and its `mark_stale`, no model built from before
    /// the write is stored as fresh. The projector builds once the hold has passed.
    async fn hold(&self, user: &str, until: DateTime<Utc>) -> Result<(), StoreError>;

    /// Marks stale every record built by a version older than `version` (or never built):
    /// what a new engine must rebuild. A newer version's records are left to it, so processes
    /// of two versions side by side during a rolling update do not rebuild each other's.
    /// Returns how many were marked.
    async fn mark_outdated(&self, version: u32) -> Result<u64, StoreError>;

    /// Up to `limit` users whose records are stale.
    async fn stale_users(&self, limit: usize) -> Result<Vec<String>, StoreError>;

    /// The user's record, if there is one, with both parts of its model.
    async fn stored_model(&self, user: &str) -> Result<Option<StoredModel>, StoreError> {
        self.stored_part(user, Part::Both).await
    }

    /// The user's record, if there is one, with only `part` of its model read.
    async fn stored_part(&self, user: &str, part: Part) -> Result<Option<StoredModel>, StoreError>;

    /// Stores `model` as built at `generation`, only if the record is still at `generation`
    /// and not held at `now`; otherwise the record stays stale.
    async fn put_model(
        &self,
        user: &str,
        generation: u64,
        model: &ReadModel,
        now: DateTime<Utc>,
    ) -> Result<Put, StoreError>;

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
    /// A change is being written: left stale, built after the hold.
    Held,
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
    /// Over `workouts` and a store that keeps the accounts, profiles and read models.
    pub fn new<T>(workouts: Arc<dyn WorkoutStore>, rest: Arc<T>) -> Self
    where
        T: AccountStore + ProfileStore + ReadModelStore,
    {
        Self {
            workouts,
            profiles: rest.clone(),
            accounts: rest.clone(),
            models: rest,
        }
    }

    async fn gone(&self, user: &str) -> Result<bool, StoreError> {
        Ok(!self
            .accounts
            .active(&[user.to_owned()])
            .await?
            .contains(user))
    }

    /// Builds and stores the user's model from what is stored now, as of `today`.
    pub async fn rebuild(&self, user: &str, today: NaiveDate) -> Result<Rebuilt, StoreError> {
        // The generation first: every change it counts is already written, so the history
        // read next holds them all.
        let stored = self.models.stored_model(user).await?;
        if stored.as_ref().is_some_and(|s| s.held(Utc::now())) {
            return Ok(Rebuilt::Held);
        }
        let generation = stored.map_or(0, |s| s.generation);
        if self.gone(user).await? {
            self.models.forget_model(user).await?;
            return Ok(Rebuilt::Gone);
        }
        let profile = self.profiles.profile(user).await?.unwrap_or_default();
        let history = crate::store::whole_history(self.workouts.as_ref(), user).await?;
        let bodyweight = Bodyweight::new(self.profiles.weighings(user).await?);
        let model = ReadModel::build(&profile, &history, &bodyweight, today);
        let put = self
            .models
            .put_model(user, generation, &model, Utc::now())
            .await;
        // Whatever came of it: a deletion that began after the check above removed the record
        // (which refuses the model, but not a part written before it), or a worker's late mark
        // made it again with a generation that restarted. Look again, so a deleted account
        // keeps nothing.
        if self.gone(user).await? {
            self.models.forget_model(user).await?;
            return Ok(Rebuilt::Gone);
        }
        Ok(match put? {
            Put::Stored => {
                metrics::counter!("ironlog_read_models_rebuilt_total").increment(1);
                Rebuilt::Fresh
            }
            Put::Moved => Rebuilt::Raced,
            Put::Held => Rebuilt::Held,
        })
    }

    /// Rebuilds stale models, `batch` users at a time, until none is left but those this
    /// call already tried: a user whose rebuild failed (a record that cannot be read; logged),
    /// raced a change or is held is left stale for a later call, so no user holds the others
    /// back. `progress` hears the count stored so far after each round. Stops early at
    /// `shutdown`.
    pub async fn catch_up(
        &self,
        batch: usize,
        shutdown: &CancellationToken,
        mut progress: impl FnMut(usize) + Send,
    ) -> Result<CaughtUp, StoreError> {
        let mut done = CaughtUp::default();
        let mut tried: HashSet<String> = HashSet::new();
        loop {
            let users = self.models.stale_users(batch + tried.len()).await?;
            let todo: Vec<String> = users.into_iter().filter(|u| !tried.contains(u)).collect();
            if todo.is_empty() || shutdown.is_cancelled() {
                return Ok(done);
            }
            for user in todo {
                match self.rebuild(&user, today()).await {
                    Ok(Rebuilt::Fresh) => done.fresh += 1,
                    Ok(Rebuilt::Raced | Rebuilt::Held | Rebuilt::Gone) => {}
                    Err(e) => {
                        metrics::counter!("ironlog_read_model_errors_total").increment(1);
                        tracing::warn!(%user, error = %crate::Chain(&e), "rebuilding a read model failed; its views replay the history meanwhile");
                        done.failed += 1;
                    }
                }
                tried.insert(user);
                if shutdown.is_cancelled() {
                    return Ok(done);
                }
            }
            progress(done.fresh);
        }
    }
}

/// What [`Projection::catch_up`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaughtUp {
    /// Models stored fresh.
    pub fresh: usize,
    /// Rebuilds that failed; those records stay stale.
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
    shutdown: CancellationToken,
) {
    let mut outdated_marked = false;
    loop {
        if !outdated_marked {
            match projection.models.mark_outdated(VERSION).await {
                Ok(n) => {
                    outdated_marked = true;
                    if n > 0 {
                        tracing::info!(
                            models = n,
                            version = VERSION,
                            "rebuilding read models an older version built"
                        );
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %crate::Chain(&e), "cannot mark outdated read models yet")
                }
            }
        }
        if let Err(e) = projection.catch_up(config.batch, &shutdown, |_| {}).await {
            tracing::warn!(error = %crate::Chain(&e), "rebuilding read models failed; will retry");
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(config.poll) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}
