//! The training service: a user's profile, history and plan. The pages (server functions)
//! and the JSON API both call it, so they cannot disagree.

use std::sync::Arc;

use domain::engine::Plan;
use domain::problem::Problem;
use domain::profile::Profile;
use domain::WorkoutLogged;

use crate::{ProfileStore, StoreError, WorkoutStore};

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The profile breaks the domain's rules; each problem names its field.
    #[error("the profile is invalid ({} problems)", .0.len())]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Built once at start-up and shared by every request.
#[derive(Clone)]
pub struct Training {
    workouts: Arc<dyn WorkoutStore>,
    profiles: Arc<dyn ProfileStore>,
}

impl Training {
    pub fn new(workouts: Arc<dyn WorkoutStore>, profiles: Arc<dyn ProfileStore>) -> Self {
        Self { workouts, profiles }
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
        Ok(self.profiles.put_profile(user, profile).await?)
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
