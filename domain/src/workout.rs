use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::problem::Problem;
use crate::rules;

/// Version of the [`WorkoutLogged`] event schema carried in field `v`.
pub const EVENT_VERSION: u32 = 1;

/// One set as lifted: load in kilograms, repetitions, and optionally how hard it felt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetLog {
    pub weight_kg: f64,
    pub reps: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpe: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseLog {
    pub exercise: String,
    pub sets: Vec<SetLog>,
}

/// A workout as a client submits it: the client picks the id, so a retry is the same workout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWorkout {
    pub id: Uuid,
    pub performed_at: DateTime<Utc>,
    pub exercises: Vec<ExerciseLog>,
}

/// The logged-workout event, version 1: what travels on the queue and what is stored.
/// `id` is the message id and the document `_id`, which makes redelivery harmless.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkoutLogged {
    pub v: u32,
    pub id: Uuid,
    pub user_id: String,
    pub performed_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub exercises: Vec<ExerciseLog>,
}

impl WorkoutLogged {
    pub fn new(
        workout: NewWorkout,
        user_id: impl Into<String>,
        received_at: DateTime<Utc>,
    ) -> Self {
        Self {
            v: EVENT_VERSION,
            id: workout.id,
            user_id: user_id.into(),
            performed_at: workout.performed_at,
            received_at: truncate_to_millis(received_at),
            exercises: workout.exercises,
        }
    }

    /// Every rule this event breaks, judged at `now`. The consumer checks events again because
    /// the queue may carry messages from other publishers or older versions.
    pub fn problems(&self, now: DateTime<Utc>) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut push = |field: String, msg: Option<String>| {
            if let Some(m) = msg {
                out.push(Problem::new(field, m));
            }
        };
        if self.v != EVENT_VERSION {
            push(
                "v".into(),
                Some(format!("unsupported event version {}", self.v)),
            );
        }
        if self.id.is_nil() {
            push("id".into(), Some("must not be the nil UUID".into()));
        }
        push("user_id".into(), rules::check_user_id(&self.user_id));
        push(
            "performed_at".into(),
            rules::check_performed_at(self.performed_at, now),
        );
        push(
            "exercises".into(),
            rules::check_count(self.exercises.len(), rules::MAX_EXERCISES, "exercise"),
        );
        for (i, ex) in self.exercises.iter().enumerate() {
            push(
                format!("exercises[{i}].exercise"),
                rules::check_slug(&ex.exercise),
            );
            push(
                format!("exercises[{i}].sets"),
                rules::check_count(ex.sets.len(), rules::MAX_SETS, "set"),
            );
            for (j, set) in ex.sets.iter().enumerate() {
                let at = format!("exercises[{i}].sets[{j}]");
                push(
                    format!("{at}.weight_kg"),
                    rules::check_weight(set.weight_kg),
                );
                push(format!("{at}.reps"), rules::check_reps(u64::from(set.reps)));
                if let Some(rpe) = set.rpe {
                    push(format!("{at}.rpe"), rules::check_rpe(rpe));
                }
            }
        }
        out
    }

    pub fn set_count(&self) -> usize {
        self.exercises.iter().map(|e| e.sets.len()).sum()
    }

    /// Total load moved: Σ weight × reps, in kilograms.
    pub fn volume_kg(&self) -> f64 {
        self.exercises
            .iter()
            .flat_map(|e| &e.sets)
            .map(|s| s.weight_kg * f64::from(s.reps))
            .sum()
    }
}

/// Stores keep milliseconds (BSON dates do), so times are cut to milliseconds on the way in and
/// every adapter returns exactly what it was given.
pub fn truncate_to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}
