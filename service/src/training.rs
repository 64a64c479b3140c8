//! The training service: a user's profile, history and plan. The pages (server functions)
//! and the JSON API both call it, so they cannot disagree.

use std::sync::Arc;

use chrono::NaiveDate;
use domain::bodyweight::{Bodyweight, Weighing};
use domain::engine::Plan;
use domain::problem::Problem;
use domain::profile::Profile;
use domain::progress::Progress;
use domain::read_model;
use domain::WorkoutLogged;
use tokio::sync::Notify;

use crate::read_model::{Part, ReadModelStore, StoredModel};
use crate::{AccountStore, ProfileStore, StoreError, WorkoutStore};

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The profile breaks the domain's rules; each problem names its field.
    #[error("the profile is invalid ({} problems)", .0.len())]
    Invalid(Vec<Problem>),
    /// The account is deleted or being deleted: nothing of it is kept.
    #[error("the account is being deleted")]
    AccountGone,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How long a profile or weighing write holds back its user's read model: longer than any
/// write that has not failed can take to land.
pub const HOLD: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

/// Built once at start-up and shared by every request.
#[derive(Clone)]
pub struct Training {
    workouts: Arc<dyn WorkoutStore>,
    profiles: Arc<dyn ProfileStore>,
    accounts: Arc<dyn AccountStore>,
    models: Arc<dyn ReadModelStore>,
    /// Wakes this process's projector after a change marked a model stale.
    wake: Arc<Notify>,
    hold: chrono::TimeDelta,
}

impl Training {
    pub fn new(
        workouts: Arc<dyn WorkoutStore>,
        profiles: Arc<dyn ProfileStore>,
        accounts: Arc<dyn AccountStore>,
        models: Arc<dyn ReadModelStore>,
        wake: Arc<Notify>,
    ) -> Self {
        Self {
            workouts,
            profiles,
            accounts,
            models,
            wake,
            hold: HOLD,
        }
    }

    /// Holds models back for `hold` around profile and weighing writes instead of [`HOLD`].
    pub fn holding_for(mut self, hold: chrono::TimeDelta) -> Self {
        self.hold = hold;
        self
    }

    /// Before writing a change to the user's profile or bodyweight log: no model built from
    /// before the write may be stored until the write has landed (or failed for good).
    async fn hold(&self, user: &str) -> Result<(), StoreError> {
        let until = chrono::Utc::now() + self.hold;
        self.models.hold(user, until).await
    }

    /// After a change to what the user's read model depends on has been written.
    async fn mark_stale(&self, user: &str) -> Result<(), StoreError> {
        self.models.mark_stale(&[user.to_owned()]).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// The user's read model, if it is fresh and made for `profile`; `None` sends the view to
    /// the replay, which is never wrong. A user whose record nobody will rebuild (never built,
    /// built by an older version, built for another profile, or with the part missing or
    /// undecodable) is marked stale on the way, so the projector builds it. A read model store that fails only costs the replay.
    async fn fresh_model(&self, user: &str, profile: &Profile, part: Part) -> Option<StoredModel> {
        let stored = match self.models.stored_part(user, part).await {
            Ok(stored) => stored,
            Err(e) => {
                metrics::counter!("ironlog_read_model_errors_total").increment(1);
                tracing::warn!(error = %crate::Chain(&e), "reading a read model failed; replaying the history");
                None
            }
        };
        let unclaimed = stored.as_ref().is_none_or(StoredModel::outdated);
        // Of a record built from everything the user has now: whether it was built for the
        // profile as it is (`None` for a stale or older record).
        let built_for_profile = stored
            .as_ref()
            .filter(|s| s.current() && s.inputs.is_some())
            .map(|s| s.serves(profile));
        let foreign = built_for_profile == Some(false);
        let fresh = stored.filter(|s| {
            built_for_profile == Some(true)
                && match part {
                    Part::Plan => s.plan.is_some(),
                    Part::Progress => s.progress.is_some(),
                    Part::Both => s.plan.is_some() && s.progress.is_some(),
                }
        });
        // Fresh and for this profile, yet the part is missing or does not decode: only a
        // rebuild mends it, and nothing else would ask for one.
        let unreadable = built_for_profile == Some(true) && fresh.is_none();
        metrics::counter!(
            "ironlog_read_model_reads_total",
            "result" => if fresh.is_some() { "fresh" } else { "replayed" }
        )
        .increment(1);
        if unclaimed || foreign || unreadable {
            if let Err(e) = self.mark_stale(user).await {
                tracing::warn!(error = %crate::Chain(&e), "marking a read model stale failed; the next view asks again");
            }
        }
        fresh
    }

    /// After a write of the user's profile or weighings: a session another server still
    /// trusts (its cache lags a deletion by up to 30 s) must not leave them behind. Checked
    /// after the write, on the primary, so a deletion that begins at any moment is seen: either
    /// it removes what was written, or this does.
    async fn still_active(&self, user: &str) -> Result<(), ProfileError> {
        let active = self.accounts.active(&[user.to_owned()]).await?;
        if active.contains(user) {
            return Ok(());
        }
        self.profiles.forget(user).await?;
        Err(ProfileError::AccountGone)
    }

    /// The workout store, for the reads that are not training (History's pages, one workout).
    pub fn workouts(&self) -> &dyn WorkoutStore {
        self.workouts.as_ref()
    }

    /// The user's profile, or the defaults before they save one.
    pub async fn profile(&self, user: &str) -> Result<Profile, StoreError> {
        // Cleaned: names stored before they refused control characters must not block saves.
        Ok(self
            .profiles
            .profile(user)
            .await?
            .map(Profile::cleaned)
            .unwrap_or_default())
    }

    /// Saves a changed profile after checking it whole; nothing is saved when it has problems.
    pub async fn save_profile(&self, user: &str, profile: &Profile) -> Result<(), ProfileError> {
        let problems = profile.problems();
        if !problems.is_empty() {
            return Err(ProfileError::Invalid(problems));
        }
        self.hold(user).await?;
        self.profiles.put_profile(user, profile).await?;
        self.still_active(user).await?;
        Ok(self.mark_stale(user).await?)
    }

    /// The user's bodyweight log.
    pub async fn bodyweight(&self, user: &str) -> Result<Bodyweight, StoreError> {
        Ok(Bodyweight::new(self.profiles.weighings(user).await?))
    }

    /// Logs what the user weighed on a day (replacing that day's weighing) after checking it
    /// against `today`, the server's date.
    pub async fn weigh(
        &self,
        user: &str,
        weighing: Weighing,
        today: NaiveDate,
    ) -> Result<(), ProfileError> {
        let mut problems = domain::bodyweight::problems(weighing.date, weighing.kg, today);
        if problems.is_empty() {
            let log = self.profiles.weighings(user).await?;
            if log.len() >= domain::bodyweight::MAX_WEIGHINGS
                && !log.iter().any(|w| w.date == weighing.date)
            {
                problems.push(Problem::new(
                    "",
                    format!(
                        "the log holds its most, {} weighings: delete old ones first",
                        domain::bodyweight::MAX_WEIGHINGS
                    ),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(ProfileError::Invalid(problems));
        }
        self.hold(user).await?;
        self.profiles.put_weighing(user, &weighing).await?;
        self.still_active(user).await?;
        Ok(self.mark_stale(user).await?)
    }

    /// Removes the weighing of a day; false when there was none.
    pub async fn unweigh(&self, user: &str, date: NaiveDate) -> Result<bool, StoreError> {
        self.hold(user).await?;
        let removed = self.profiles.delete_weighing(user, date).await?;
        self.mark_stale(user).await?;
        Ok(removed)
    }

    /// Every workout of the user, oldest first.
    pub async fn history(&self, user: &str) -> Result<Vec<WorkoutLogged>, StoreError> {
        crate::store::whole_history(self.workouts.as_ref(), user).await
    }

    /// Today's plan for the user: the active program over their whole history, from the read
    /// model when it is fresh, else replayed.
    pub async fn plan(&self, user: &str) -> Result<Plan, StoreError> {
        let profile = self.profile(user).await?;
        if let Some(plan) = self
            .fresh_model(user, &profile, Part::Plan)
            .await
            .and_then(|s| s.plan)
        {
            return Ok(plan);
        }
        let history = self.history(user).await?;
        Ok(read_model::plan_of(&profile, &history))
    }

    /// What Progress shows of the user's whole history as of `today`, from the read model
    /// when it is fresh, else analysed from the history and the bodyweight log.
    pub async fn progress(&self, user: &str, today: NaiveDate) -> Result<Progress, StoreError> {
        let profile = self.profile(user).await?;
        if let Some(facts) = self
            .fresh_model(user, &profile, Part::Progress)
            .await
            .and_then(|s| s.progress)
        {
            return Ok(facts.on(today));
        }
        let history = self.history(user).await?;
        let bodyweight = self.bodyweight(user).await?;
        Ok(read_model::progress_of(&profile, &history, &bodyweight, today).on(today))
    }
}
