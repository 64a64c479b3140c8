//! Every change to a workout as it travels on the queue: saved (logged or edited) or deleted.
//! Stores apply changes so that the order they arrive in never matters: of two saves the larger
//! revision is kept, and a delete is final (a tombstone stays where the workout was, so a save
//! that was sent before it and arrives after it stays deleted).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::problem::Problem;
use crate::rules;
use crate::workout::{truncate_to_millis, WorkoutLogged, EVENT_VERSION, FIRST_EVENT_VERSION};

/// A workout deleted by its owner (event version 2, `"type": "deleted"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkoutDeleted {
    pub v: u32,
    pub id: Uuid,
    pub user_id: String,
    pub received_at: DateTime<Utc>,
}

impl WorkoutDeleted {
    pub fn new(id: Uuid, user_id: impl Into<String>, received_at: DateTime<Utc>) -> Self {
        Self {
            v: EVENT_VERSION,
            id,
            user_id: user_id.into(),
            received_at: truncate_to_millis(received_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum WorkoutChange {
    Saved(WorkoutLogged),
    Deleted(WorkoutDeleted),
}

const TYPE: &str = "type";
const SAVED: &str = "saved";
const DELETED: &str = "deleted";

impl WorkoutChange {
    pub fn user_id(&self) -> &str {
        match self {
            Self::Saved(w) => &w.user_id,
            Self::Deleted(d) => &d.user_id,
        }
    }

    pub fn id(&self) -> Uuid {
        match self {
            Self::Saved(w) => w.id,
            Self::Deleted(d) => d.id,
        }
    }

    /// The broker's message id: one per change, so a retry of the same change is the same
    /// message and two edits are two.
    pub fn message_id(&self) -> String {
        match self {
            Self::Saved(w) => format!("{}.{}", w.id, w.revision),
            Self::Deleted(d) => format!("{}.{DELETED}", d.id),
        }
    }

    /// Whether this change, applied after `other` to the same workout, leaves its own result:
    /// a delete always does; a save does over a save of no larger revision (the same revision
    /// is the same change, sent again).
    pub fn supersedes(&self, other: &WorkoutChange) -> bool {
        match (self, other) {
            (Self::Deleted(_), _) => true,
            (Self::Saved(_), Self::Deleted(_)) => false,
            (Self::Saved(a), Self::Saved(b)) => a.revision >= b.revision,
        }
    }

    /// The message body. Saves of version 1 are written as they were (no `type`).
    pub fn encode(&self) -> Result<Vec<u8>, serde_json::Error> {
        let (mut value, kind) = match self {
            Self::Saved(w) => (serde_json::to_value(w)?, SAVED),
            Self::Deleted(d) => (serde_json::to_value(d)?, DELETED),
        };
        let v2 = value.get("v").and_then(Value::as_u64) != Some(u64::from(FIRST_EVENT_VERSION));
        if let (Some(map), true) = (value.as_object_mut(), v2) {
            map.insert(TYPE.into(), Value::from(kind));
        }
        serde_json::to_vec(&value)
    }

    /// Reads a message body of any supported version; the error says why it cannot be read.
    pub fn decode(body: &[u8]) -> Result<Self, String> {
        let mut value: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        let map = value
            .as_object_mut()
            .ok_or_else(|| "the event is not a JSON object".to_owned())?;
        let kind = match map.remove(TYPE) {
            None => SAVED.to_owned(),
            Some(Value::String(kind)) => kind,
            Some(other) => return Err(format!("`type` must be a string, got {other}")),
        };
        let version = map.get("v").and_then(Value::as_u64);
        if kind != SAVED && version == Some(u64::from(FIRST_EVENT_VERSION)) {
            return Err(format!("version 1 events have no `type` ({kind})"));
        }
        match kind.as_str() {
            SAVED => serde_json::from_value(value)
                .map(Self::Saved)
                .map_err(|e| e.to_string()),
            DELETED => serde_json::from_value(value)
                .map(Self::Deleted)
                .map_err(|e| e.to_string()),
            other => Err(format!("unknown event type `{other}`")),
        }
    }

    /// Every rule the change breaks, judged at `now` (see [`WorkoutLogged::problems`]).
    pub fn problems(&self, now: DateTime<Utc>) -> Vec<Problem> {
        match self {
            Self::Saved(w) => w.problems(now),
            Self::Deleted(d) => {
                let mut out = Vec::new();
                if d.v != EVENT_VERSION {
                    out.push(Problem::new(
                        "v",
                        format!("deletes are events of version {EVENT_VERSION}, not {}", d.v),
                    ));
                }
                if d.id.is_nil() {
                    out.push(Problem::new("id", "must not be the nil UUID"));
                }
                if let Some(m) = rules::check_user_id(&d.user_id) {
                    out.push(Problem::new("user_id", m));
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workout::{ExerciseLog, SetKind, SetLog};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn saved(revision: u64) -> WorkoutLogged {
        WorkoutLogged {
            v: EVENT_VERSION,
            id: Uuid::from_u128(7),
            user_id: "u".into(),
            revision,
            performed_at: now(),
            received_at: now(),
            notes: Some("felt strong".into()),
            exercises: vec![ExerciseLog {
                exercise: "squat".into(),
                sets: vec![SetLog {
                    weight_kg: 60.0,
                    reps: 5,
                    rpe: None,
                    kind: SetKind::Warmup,
                }],
                notes: Some("belt on".into()),
                group: Some(1),
            }],
        }
    }

    #[test]
    fn every_change_reads_back_as_itself() {
        for change in [
            WorkoutChange::Saved(saved(3)),
            WorkoutChange::Deleted(WorkoutDeleted::new(Uuid::from_u128(7), "u", now())),
        ] {
            let body = change.encode().unwrap();
            assert_eq!(WorkoutChange::decode(&body), Ok(change.clone()));
            assert!(
                change.problems(now()).is_empty(),
                "{:?}",
                change.problems(now())
            );
        }
    }

    #[test]
    fn version_one_events_still_read_as_saves_of_revision_zero() {
        let body = br#"{"v":1,"id":"0192e4a0-7b1c-7cc0-a5b2-3f0c1d2e4f5a","user_id":"u",
            "performed_at":"2026-11-29T10:00:00Z","received_at":"2026-11-29T10:00:01Z",
            "exercises":[{"exercise":"squat","sets":[{"weight_kg":100.0,"reps":5}]}]}"#;
        let WorkoutChange::Saved(w) = WorkoutChange::decode(body).unwrap() else {
            panic!("a save");
        };
        assert_eq!((w.v, w.revision), (1, 0));
        assert!(w.problems(now()).is_empty());
        // And it is written back in its own version's shape, with no `type`.
        let again = WorkoutChange::Saved(w).encode().unwrap();
        assert!(!String::from_utf8(again).unwrap().contains("type"));
    }

    #[test]
    fn version_one_events_cannot_carry_what_version_two_added() {
        let mut w = saved(0);
        w.v = FIRST_EVENT_VERSION;
        let fields: Vec<String> = w.problems(now()).into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["v"]);
        let deleted = br#"{"v":1,"type":"deleted","id":"0192e4a0-7b1c-7cc0-a5b2-3f0c1d2e4f5a","user_id":"u","received_at":"2026-11-29T10:00:01Z"}"#;
        assert!(WorkoutChange::decode(deleted).is_err());
    }

    #[test]
    fn unreadable_events_say_why() {
        for (body, says) in [
            (&b"[1]"[..], "not a JSON object"),
            (br#"{"v":2,"type":"renamed"}"#, "unknown event type"),
            (br#"{"v":2,"type":7}"#, "must be a string"),
            (br#"{"v":2,"type":"deleted","id":"x"}"#, "UUID"),
        ] {
            let err = WorkoutChange::decode(body).unwrap_err();
            assert!(err.contains(says), "{err}");
        }
    }

    #[test]
    fn a_version_two_save_needs_a_revision_not_far_ahead() {
        assert_eq!(saved(0).problems(now())[0].field, "revision");
        let far = u64::try_from((now() + chrono::Duration::days(2)).timestamp_millis()).unwrap();
        assert_eq!(saved(far).problems(now())[0].field, "revision");
        assert!(saved(1).problems(now()).is_empty());
    }

    #[test]
    fn deletes_supersede_everything_and_saves_only_older_saves() {
        let del = WorkoutChange::Deleted(WorkoutDeleted::new(Uuid::from_u128(7), "u", now()));
        let (old, new) = (
            WorkoutChange::Saved(saved(1)),
            WorkoutChange::Saved(saved(2)),
        );
        assert!(del.supersedes(&new));
        assert!(!new.supersedes(&del));
        assert!(new.supersedes(&old));
        assert!(!old.supersedes(&new));
        assert!(old.supersedes(&old), "the same change sent again");
    }
}
