use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::problem::Problem;
use crate::rules;

/// The event schema published now, carried in field `v`. Version 2 added revisions, deletes,
/// notes, set kinds and supersets; events of version 1 (no such fields, revision 0) are still
/// read from queues and stores.
pub const EVENT_VERSION: u32 = 2;
/// The oldest event schema still read.
pub const FIRST_EVENT_VERSION: u32 = 1;

/// What kind of set it was. Warm-ups never count toward records, volume or progression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetKind {
    #[default]
    Working,
    Warmup,
    /// A drop set: a lighter set straight after the one before.
    Drop,
    /// Taken to failure.
    Failure,
}

impl SetKind {
    pub const ALL: [SetKind; 4] = [Self::Working, Self::Warmup, Self::Drop, Self::Failure];

    pub fn is_working(&self) -> bool {
        *self == Self::Working
    }

    /// Whether the set counts as work: toward records, volume and progression.
    pub fn counts(&self) -> bool {
        *self != Self::Warmup
    }

    /// Whether the set says something about the lifter's max: working sets and sets to
    /// failure. Warm-ups are light on purpose and a drop set follows a set that tired the
    /// lifter, so neither sets records, estimates a max or moves progression.
    pub fn shows_strength(&self) -> bool {
        matches!(self, Self::Working | Self::Failure)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Working => "working",
            Self::Warmup => "warmup",
            Self::Drop => "drop",
            Self::Failure => "failure",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One set as lifted: load in kilograms, repetitions, and optionally how hard it felt.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetLog {
    pub weight_kg: f64,
    pub reps: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpe: Option<f64>,
    #[serde(default, skip_serializing_if = "SetKind::is_working")]
    pub kind: SetKind,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseLog {
    pub exercise: String,
    pub sets: Vec<SetLog>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Exercises sharing a group (1 to [`rules::MAX_GROUP`]) were done as a superset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<u8>,
}

/// A workout as a client submits it: the client picks the id, so a retry is the same workout.
/// `revision` orders the versions of one workout: a first log is 1, an edit is any larger
/// number (Ironlog's clients use the time of the edit in milliseconds, or one more than the
/// version they edited if that is larger), and the largest revision wins wherever it lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWorkout {
    pub id: Uuid,
    pub performed_at: DateTime<Utc>,
    pub exercises: Vec<ExerciseLog>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default = "first_revision")]
    pub revision: u64,
}

pub fn first_revision() -> u64 {
    1
}

impl Default for NewWorkout {
    fn default() -> Self {
        Self {
            id: Uuid::nil(),
            performed_at: DateTime::<Utc>::default(),
            exercises: Vec::new(),
            notes: None,
            revision: first_revision(),
        }
    }
}

/// A saved workout (logged or edited): what travels on the queue and what is stored. Its key
/// is the user and `id`, which makes redelivery harmless; of two versions of one key, the
/// larger `revision` is kept. Version 1 events have no revision (0: older than any edit).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkoutLogged {
    pub v: u32,
    pub id: Uuid,
    pub user_id: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: u64,
    pub performed_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub exercises: Vec<ExerciseLog>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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
            revision: workout.revision,
            performed_at: workout.performed_at,
            received_at: truncate_to_millis(received_at),
            notes: workout.notes,
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
        match self.v {
            FIRST_EVENT_VERSION => {
                if self.revision != 0 || self.has_v2_fields() {
                    push(
                        "v".into(),
                        Some(
                            "version 1 events carry no revision, notes, set kinds or groups".into(),
                        ),
                    );
                }
            }
            EVENT_VERSION => push("revision".into(), rules::check_revision(self.revision, now)),
            v => push("v".into(), Some(format!("unsupported event version {v}"))),
        }
        if let Some(notes) = &self.notes {
            push("notes".into(), rules::check_note(notes));
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
            if let Some(notes) = &ex.notes {
                push(format!("exercises[{i}].notes"), rules::check_note(notes));
            }
            if let Some(group) = ex.group {
                push(format!("exercises[{i}].group"), rules::check_group(group));
            }
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

    fn has_v2_fields(&self) -> bool {
        self.notes.is_some()
            || self.exercises.iter().any(|e| {
                e.notes.is_some()
                    || e.group.is_some()
                    || e.sets.iter().any(|s| !s.kind.is_working())
            })
    }

    pub fn set_count(&self) -> usize {
        self.exercises.iter().map(|e| e.sets.len()).sum()
    }

    /// Total load moved in the sets that count (warm-ups don't): Σ weight × reps, in kilograms.
    pub fn volume_kg(&self) -> f64 {
        self.exercises
            .iter()
            .flat_map(|e| &e.sets)
            .filter(|s| s.kind.counts())
            .map(|s| s.weight_kg * f64::from(s.reps))
            .sum()
    }
}

/// Stores keep milliseconds (BSON dates do), so times are cut to milliseconds on the way in and
/// every adapter returns exactly what it was given.
pub fn truncate_to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}
