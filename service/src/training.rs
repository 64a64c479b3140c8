//! The training service: a user's profile, history and plan. The pages (server functions)
//! and the JSON API both call it, so they cannot disagree.

use std::sync::Arc;

use chrono::NaiveDate;
use domain::bodyweight::{Bodyweight, Weighing};
use domain::engine::Plan;
use domain::problem::Problem;
use domain::profile::Profile;
use domain::WorkoutLogged;

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
}

impl Training {
    pub fn new(
        workouts: Arc<dyn WorkoutStore>,
        profiles: Arc<dyn ProfileStore>,
        accounts: Arc<dyn AccountStore>,
    ) -> Self {
        Self {
            workouts,
            profiles,
            accounts,
        }
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
        self.still_active(user).await
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
        self.still_active(user).await
    }

    /// Removes the weighing of a day; false when there was none.
    pub async fn unweigh(&self, user: &str, date: NaiveDate) -> Result<bool, StoreError> {
        self.profiles.delete_weighing(user, date).await
    }

    /// Every workout of the user, oldest first.
    pub async fn history(&self, user: &str) -> Result<Vec<WorkoutLogged>, StoreError> {
        let mut all = Vec::new();
        let mut before = None;
        loop {
            let page = self
                .workouts
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

    /// Today's plan for the user: the active program over their whole history.
    pub async fn plan(&self, user: &str) -> Result<Plan, StoreError> {
        let profile = self.profile(user).await?;
        let history = self.history(user).await?;
        Ok(domain::engine::plan(
            &profile.active(),
            &history,
            &profile.catalog(),
            &profile.settings(),
        ))
    }
}
