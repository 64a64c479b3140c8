//! Accepting a change to a workout (logged, edited or deleted): validate, stamp, publish.
//! Every surface (the JSON API, the plain Log and History forms) calls these, so all answer the
//! same way. Nothing here reads a store: a change is answered on the queue's confirm, and the
//! consumer applies it by its revision (see `WorkoutStore::apply`).

use std::sync::Arc;

use chrono::Utc;
use domain::{decode_new_workout, Problem, WorkoutChange, WorkoutDeleted, WorkoutLogged};
use serde_json::Value;
use uuid::Uuid;

use crate::queue::{PublishError, Publisher};

/// Why a change was not accepted, in the product's terms.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The workout breaks the rules: every problem, by field.
    #[error("the workout has {} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
    /// There is no such workout to change (the nil id is never a workout's).
    #[error("no such workout")]
    NotFound,
    /// The queue did not take the change; the client retries it as it is (same id).
    #[error("the write queue is unavailable; try again shortly")]
    Unavailable {
        id: Uuid,
        #[source]
        source: PublishError,
    },
}

/// Takes a user's changes to their workouts onto the write path.
#[derive(Clone)]
pub struct Changes {
    publisher: Arc<dyn Publisher>,
}

impl Changes {
    pub fn new(publisher: Arc<dyn Publisher>) -> Self {
        Self { publisher }
    }

    /// Logs a workout.
    pub async fn log(&self, user_id: &str, body: &Value) -> Result<Uuid, ChangeError> {
        let now = Utc::now();
        let workout = decode_new_workout(body, now).map_err(ChangeError::Invalid)?;
        self.publish(WorkoutChange::Saved(WorkoutLogged::new(
            workout, user_id, now,
        )))
        .await
    }

    /// Replaces workout `id` with the body, which names the same id and the revision the edit
    /// is (an edit without one could silently lose to the version it edits). An id never
    /// logged is created: nothing here reads the store.
    pub async fn edit(&self, user_id: &str, id: Uuid, body: &Value) -> Result<Uuid, ChangeError> {
        let now = Utc::now();
        let decoded = decode_new_workout(body, now);
        let mut problems = match &decoded {
            Ok(_) => Vec::new(),
            Err(problems) => problems.clone(),
        };
        match body.get("revision") {
            None | Some(Value::Null) => problems.push(Problem::new(
                "revision",
                "is required when editing: a number larger than the revision edited (the time of the edit in milliseconds will do)",
            )),
            // 1 is a first log's: an edit at 1 would tie with it, and a tie has no winner.
            // `1.0` is 1 too: the decoder reads whole numbers as JSON Schema's integers.
            Some(r) if r.as_f64() == Some(1.0) => problems.push(Problem::new(
                "revision",
                "must be larger than 1, the revision of a first log",
            )),
            Some(_) => {}
        }
        if let Ok(w) = &decoded {
            if w.id != id {
                problems.push(Problem::new("id", "must be the id in the path"));
            }
        }
        match decoded {
            Ok(workout) if problems.is_empty() => {
                self.publish(WorkoutChange::Saved(WorkoutLogged::new(
                    workout, user_id, now,
                )))
                .await
            }
            _ => Err(ChangeError::Invalid(problems)),
        }
    }

    /// Deletes workout `id`, for good: no later save brings it back.
    pub async fn delete(&self, user_id: &str, id: Uuid) -> Result<Uuid, ChangeError> {
        if id.is_nil() {
            return Err(ChangeError::NotFound);
        }
        self.publish(WorkoutChange::Deleted(WorkoutDeleted::new(
            id,
            user_id,
            Utc::now(),
        )))
        .await
    }

    async fn publish(&self, change: WorkoutChange) -> Result<Uuid, ChangeError> {
        let id = change.id();
        match self.publisher.publish_change(&change).await {
            Ok(()) => {
                metrics::counter!("ironlog_workouts_accepted_total").increment(1);
                Ok(id)
            }
            Err(source) => {
                metrics::counter!("ironlog_publish_unavailable_total").increment(1);
                Err(ChangeError::Unavailable { id, source })
            }
        }
    }
}
