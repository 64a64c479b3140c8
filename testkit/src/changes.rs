//! Scripts of workout changes for the ordering tests: workouts logged, edited and deleted by
//! several users, as the lifters made them, and the same changes as a queue might deliver them
//! (shuffled, some twice). Whatever order they arrive in, a store must end as if it had
//! applied them in the order they were made: [`Script::expected`].

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{ExerciseLog, SetLog, WorkoutChange, WorkoutDeleted, WorkoutLogged};
use rand::seq::SliceRandom;
/// For the `exercises` of [`Script::generate_with`].
pub use rand::{rngs::StdRng, Rng, SeedableRng};
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
        Self::generate_with(users, workouts, seed, |_, _, rng| {
            squat(rng.random_range(1..=10))
        })
    }

    /// As [`Script::generate`], with each save's exercises from `exercises(user, n, rng)`
    /// (`n` counts the user's workouts): histories a program's engine has something to read.
    pub fn generate_with(
        users: &[String],
        workouts: usize,
        seed: u64,
        mut exercises: impl FnMut(&str, usize, &mut StdRng) -> Vec<ExerciseLog>,
    ) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let start = Utc
            .with_ymd_and_hms(2026, 6, 1, 8, 0, 0)
            .single()
            .unwrap_or_default();
        let mut changes = Vec::new();
        for n in 0..workouts {
            let user = &users[n % users.len()];
            let at = start + Duration::hours(n as i64);
            let id = Uuid::now_v7();
            let mut revision = 1;
            let nth = n / users.len();
            let first = exercises(user, nth, &mut rng);
            changes.push(save(user, id, at, revision, first));
            if rng.random_bool(0.5) {
                for _ in 0..rng.random_range(1..=3) {
                    revision += rng.random_range(1..=1000);
                    let edit = exercises(user, nth, &mut rng);
                    changes.push(save(user, id, at, revision, edit));
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

fn squat(reps: u32) -> Vec<ExerciseLog> {
    vec![ExerciseLog {
        exercise: "squat".into(),
        notes: reps.is_multiple_of(3).then(|| format!("{reps} reps")),
        sets: vec![SetLog {
            weight_kg: 100.0,
            reps,
            ..SetLog::default()
        }],
        ..ExerciseLog::default()
    }]
}

fn save(
    user: &str,
    id: Uuid,
    at: DateTime<Utc>,
    revision: u64,
    exercises: Vec<ExerciseLog>,
) -> WorkoutChange {
    WorkoutChange::Saved(WorkoutLogged {
        v: domain::EVENT_VERSION,
        id,
        user_id: user.to_owned(),
        revision,
        performed_at: at,
        received_at: at,
        notes: Some(format!("revision {revision}")),
        exercises,
    })
}
