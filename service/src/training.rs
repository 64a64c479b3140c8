//! The training service: a user's profile, history and plan. The pages (server functions)
//! and the JSON API both call it, so they cannot disagree.

use std::sync::Arc;

use chrono::NaiveDate;
use domain::bodyweight::{Bodyweight, Weighing};
use domain::engine::Plan;
use domain::problem::Problem;
use domain::profile::Profile;
use domain::progress::{Progress, ProgressFacts};
use domain::read_model::ReadModel;
use domain::WorkoutLogged;
use tokio::sync::Notify;

use crate::read_model::ReadModelStore;
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

/// Built once at start-up and shared by every request.
#[derive(Clone)]
pub struct Training {
    workouts: Arc<dyn WorkoutStore>,
    profiles: Arc<dyn ProfileStore>,
    accounts: Arc<dyn AccountStore>,
    models: Arc<dyn ReadModelStore>,
    /// Wakes this process's projector after a change marked a model stale.
    wake: Arc<Notify>,
}

/// Every workout of the user, oldest first, read a page at a time.
pub(crate) async fn whole_history(
    workouts: &dyn WorkoutStore,
    user: &str,
) -> Result<Vec<WorkoutLogged>, StoreError> {
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = workouts
            .list(user, domain::cursor::MAX_PAGE, before)
            .await?;
        all.extend(page.items);
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    all.reverse();
    Ok(all)
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
        }
    }

    /// After a change to what the user's read model depends on has been written.
    async fn mark_stale(&self, user: &str) -> Result<(), StoreError> {
        self.models.mark_stale(&[user.to_owned()]).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// The user's read model, if it is fresh and made for `profile`. A user with no model
    /// (or one of another version) is marked stale, so the projector builds it.
    async fn fresh_model(
        &self,
        user: &str,
        profile: &Profile,
    ) -> Result<Option<ReadModel>, StoreError> {
        let stored = self.models.stored_model(user).await?;
        let outdated = stored.as_ref().is_none_or(|s| {
            s.model
                .as_ref()
                .is_none_or(|m| m.version != domain::read_model::VERSION)
                && s.built_at == s.generation
        });
        let fresh = stored.and_then(|s| s.fresh()).filter(|m| m.serves(profile));
        metrics::counter!(
            "ironlog_read_model_reads_total",
            "result" => if fresh.is_some() { "fresh" } else { "replayed" }
        )
        .increment(1);
        if fresh.is_none() && outdated {
            self.mark_stale(user).await?;
        }
        Ok(fresh)
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
        Ok(self.profiles.profile(user).await?.unwrap_or_default())
    }

    /// Saves a changed profile after checking it whole; nothing is saved when it has problems.
    pub async fn save_profile(&self, user: &str, profile: &Profile) -> Result<(), ProfileError> {
        let problems = profile.problems();
        if !problems.is_empty() {
            return Err(ProfileError::Invalid(problems));
        }
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
        self.profiles.put_weighing(user, &weighing).await?;
        self.still_active(user).await?;
        Ok(self.mark_stale(user).await?)
    }

    /// Removes the weighing of a day; false when there was none.
    pub async fn unweigh(&self, user: &str, date: NaiveDate) -> Result<bool, StoreError> {
        let removed = self.profiles.delete_weighing(user, date).await?;
        if removed {
            self.mark_stale(user).await?;
        }
        Ok(removed)
    }

    /// Every workout of the user, oldest first.
    pub async fn history(&self, user: &str) -> Result<Vec<WorkoutLogged>, StoreError> {
        whole_history(self.workouts.as_ref(), user).await
    }

    /// Today's plan for the user: the active program over their whole history, from the read
    /// model when it is fresh, else replayed.
    pub async fn plan(&self, user: &str) -> Result<Plan, StoreError> {
        let profile = self.profile(user).await?;
        if let Some(model) = self.fresh_model(user, &profile).await? {
            return Ok(model.plan);
        }
        let history = self.history(user).await?;
        Ok(domain::engine::plan(
            &profile.active(),
            &history,
            &profile.catalog(),
            &profile.settings(),
        ))
    }

    /// What Progress shows of the user's whole history as of `today`, from the read model
    /// when it is fresh, else analysed from the history and the bodyweight log.
    pub async fn progress(&self, user: &str, today: NaiveDate) -> Result<Progress, StoreError> {
        let profile = self.profile(user).await?;
        if let Some(model) = self.fresh_model(user, &profile).await? {
            return Ok(model.progress_on(today));
        }
        let history = self.history(user).await?;
        let bodyweight = self.bodyweight(user).await?;
        let analytics =
            domain::analytics::analyze(&history, &profile.catalog(), &bodyweight, today);
        Ok(ProgressFacts::of(&analytics, today).on(today))
    }
}
