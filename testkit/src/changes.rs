//! Scripts of workout changes for the ordering tests: workouts logged, edited and deleted by
//! several users, as the lifters made them, and the same changes as a queue might deliver them
//! (shuffled, some twice). Whatever order they arrive in, a store must end as if it had
//! applied them in the order they were made: [`Script::expected`].

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{ExerciseLog, SetLog, WorkoutChange, WorkoutDeleted, WorkoutLogged};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

pub struct Script {
    /// Every change, in the order the lifters made them.
    pub changes: Vec<WorkoutChange>,
}

/// What a store must hold for each (user, workout id) the script touched: the workout, or
/// `None` where it was deleted.
pub type Expected = HashMap<(String, Uuid), Option<WorkoutLogged>>;

impl Script {
    /// `workouts` logged across `users`; about half edited (one to three times, each edit a
    /// larger revision) and one in five of all deleted after its edits.
    pub fn generate(users: &[String], workouts: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let start = Utc
            .with_ymd_and_hms(2026, 6, 1, 8, 0, 0)
            .single()
            .unwrap_or_default();
        let mut changes = Vec::new();
        for n in 0..workouts {
            let user = &users[n % users.len()];
            let at = start + Duration::minutes(n as i64);
            let id = Uuid::now_v7();
            let mut revision = 1;
            changes.push(save(user, id, at, revision, rng.random_range(1..=10)));
            if rng.random_bool(0.5) {
                for _ in 0..rng.random_range(1..=3) {
                    revision += rng.random_range(1..=1000);
                    changes.push(save(user, id, at, revision, rng.random_range(1..=10)));
                }
            }
            if rng.random_bool(0.2) {
                changes.push(WorkoutChange::Deleted(WorkoutDeleted::new(
                    id,
                    user.clone(),
                    at + Duration::days(1),
                )));
            }
        }
        Self { changes }
    }

    /// The end state of applying the changes in the order they were made.
    pub fn expected(&self) -> Expected {
        let mut state = Expected::new();
        for change in &self.changes {
            let key = (change.user_id().to_owned(), change.id());
            let value = match change {
                WorkoutChange::Saved(w) => Some(w.clone()),
                WorkoutChange::Deleted(_) => None,
            };
            state.insert(key, value);
        }
        state
    }

    /// The changes as a queue with redeliveries might hand them over: shuffled, and one in
    /// `every` of them a second time somewhere else.
    pub fn delivered(&self, every: usize, seed: u64) -> Vec<WorkoutChange> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut out = self.changes.clone();
        out.extend(self.changes.iter().step_by(every.max(1)).cloned());
        out.shuffle(&mut rng);
        out
    }
}

fn save(user: &str, id: Uuid, at: DateTime<Utc>, revision: u64, reps: u32) -> WorkoutChange {
    WorkoutChange::Saved(WorkoutLogged {
        v: domain::EVENT_VERSION,
        id,
        user_id: user.to_owned(),
        revision,
        performed_at: at,
        received_at: at,
        notes: reps
            .is_multiple_of(3)
            .then(|| format!("revision {revision}")),
        exercises: vec![ExerciseLog {
            exercise: "squat".into(),
            sets: vec![SetLog {
                weight_kg: 100.0,
                reps,
                ..SetLog::default()
            }],
            ..ExerciseLog::default()
        }],
    })
}
