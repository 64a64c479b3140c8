//! The read model: what Today, the plan endpoint and Progress show, kept beside the history so
//! a view reads one small record whatever the history's length.
//!
//! It is a replay's result, stored: [`ReadModel::build`] runs the very `engine::plan` and
//! `analytics::analyze` a view would run over the whole history, so the two cannot disagree.
//! What keeps it exact is when it is built (after every change to what it depends on, see
//! `service::read_model`), and [`VERSION`]: a model built by another version of the engine or
//! analytics is never served, only rebuilt.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::bodyweight::Bodyweight;
use crate::engine::Plan;
use crate::profile::Profile;
use crate::progress::{Progress, ProgressFacts};
use crate::WorkoutLogged;

/// The version of what [`ReadModel::build`] computes. Raise it with any change to the engine,
/// the analytics or this record: models of another version are rebuilt, never read. 2: MongoDB
/// keeps Progress's facts in a document of their own.
pub const VERSION: u32 = 2;

/// What [`VERSION`] was raised for, newest last: each version with a fingerprint of the sources
/// and golden files the model is computed by (`tests/engine_version.rs` lists them and
/// computes it). That test fails when the sources change and the newest entry is not a new
/// version with their new fingerprint, so an engine change cannot forget [`VERSION`].
pub const ENGINE_FINGERPRINTS: &[(u32, &str)] = &[(2, "8b3c7ef90d59d86eea96e78d3842b822")];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadModel {
    pub version: u32,
    /// The fingerprint of the profile the model was built for ([`inputs_of`]): a profile saved
    /// since (another program, an edited exercise) makes it unusable until rebuilt.
    pub inputs: String,
    /// Today's plan: the active program over the whole history.
    pub plan: Plan,
    /// What Progress shows of the whole history's analytics; read it through
    /// [`ReadModel::progress_on`].
    pub progress: ProgressFacts,
}

/// What the model depends on besides the history and the bodyweight log: the active program,
/// the user's own exercises and the gym settings, as the SHA-256 of their JSON (hex). Programs
/// the user is not running do not count, so editing one leaves the model usable.
pub fn inputs_of(profile: &Profile) -> String {
    let json = serde_json::to_vec(&(profile.active(), &profile.exercises, profile.settings()))
        // Serializing plain structs of strings and numbers into memory cannot fail; if it ever
        // did, an empty input would only make the model unusable, never wrong.
        .unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Today's plan: the active program over `history`. What the model keeps, and what a view
/// without a fresh model replays.
pub fn plan_of(profile: &Profile, history: &[WorkoutLogged]) -> Plan {
    crate::engine::plan(
        &profile.active(),
        history,
        &profile.catalog(),
        &profile.settings(),
    )
}

/// What Progress shows of `history`, analysed on `today`. What the model keeps, and what a
/// view without a fresh model replays.
pub fn progress_of(
    profile: &Profile,
    history: &[WorkoutLogged],
    bodyweight: &Bodyweight,
    today: NaiveDate,
) -> ProgressFacts {
    let analytics = crate::analytics::analyze(history, &profile.catalog(), bodyweight, today);
    ProgressFacts::of(&analytics, today)
}

impl ReadModel {
    /// The model of `history` (any order; tombstones are not in it) for `profile`, with the
    /// user's bodyweight log, built on `today`.
    pub fn build(
        profile: &Profile,
        history: &[WorkoutLogged],
        bodyweight: &Bodyweight,
        today: NaiveDate,
    ) -> Self {
        Self {
            version: VERSION,
            inputs: inputs_of(profile),
            plan: plan_of(profile, history),
            progress: progress_of(profile, history, bodyweight, today),
        }
    }

    /// Whether this model answers for `profile`: built by this version, for these inputs.
    pub fn serves(&self, profile: &Profile) -> bool {
        self.version == VERSION && self.inputs == inputs_of(profile)
    }

    /// Progress as of `today`, the day of the build or later: the streaks and windows move
    /// with the days, with no change to the history.
    pub fn progress_on(&self, today: NaiveDate) -> Progress {
        self.progress.on(today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a test date")
    }

    #[test]
    fn the_model_is_the_replay_of_its_history() {
        let history = sample::five_years("u")[..60].to_vec();
        let profile = Profile::default();
        let today = day("2026-11-30");
        let model = ReadModel::build(&profile, &history, &Bodyweight::default(), today);
        let catalog = profile.catalog();
        assert_eq!(
            model.plan,
            crate::engine::plan(&profile.active(), &history, &catalog, &profile.settings())
        );
        let analytics =
            crate::analytics::analyze(&history, &catalog, &Bodyweight::default(), today);
        assert_eq!(
            model.progress_on(today),
            ProgressFacts::of(&analytics, today).on(today)
        );
    }

    #[test]
    fn streaks_are_counted_to_the_day_they_are_read() {
        let history = sample::five_years("u")[..60].to_vec();
        let profile = Profile::default();
        let built = history
            .iter()
            .map(|w| w.performed_at.date_naive())
            .max()
            .expect("a sample history has sessions");
        let model = ReadModel::build(&profile, &history, &Bodyweight::default(), built);
        let later = built + chrono::Duration::days(30);
        assert!(model.progress_on(built).streaks.current_weeks > 0);
        assert_eq!(model.progress_on(later).streaks.current_weeks, 0);
        let analytics =
            crate::analytics::analyze(&history, &profile.catalog(), &Bodyweight::default(), later);
        assert_eq!(
            model.progress_on(later),
            ProgressFacts::of(&analytics, later).on(later)
        );
    }

    #[test]
    fn a_profile_running_another_program_is_not_served() {
        let history = sample::five_years("u")[..5].to_vec();
        let profile = Profile::default();
        let model = ReadModel::build(
            &profile,
            &history,
            &Bodyweight::default(),
            day("2026-11-30"),
        );
        assert!(model.serves(&profile));
        let mut other = profile.clone();
        other.active_program = "gzclp".into();
        assert!(!model.serves(&other));
        let mut heavier = profile.clone();
        heavier.warmups = !heavier.warmups;
        assert!(!model.serves(&heavier));
        let mut stale = model.clone();
        stale.version = VERSION + 1;
        assert!(!stale.serves(&profile));
    }
}
