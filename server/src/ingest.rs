//! Accepting a change to a workout (logged, edited or deleted): validate, stamp, publish.
//! Shared by the JSON API and the no-JavaScript form so both answer the same way. Nothing here
//! reads the store: a change is answered on the queue's confirm, and the consumer applies it
//! by its revision (see `WorkoutStore::apply`).

use chrono::Utc;
use domain::{decode_new_workout, Problem, WorkoutChange, WorkoutDeleted, WorkoutLogged};
use serde_json::Value;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// Logs a workout.
pub async fn accept(state: &AppState, user_id: &str, body: &Value) -> Result<Uuid, ApiError> {
    let now = Utc::now();
    let workout = decode_new_workout(body, now).map_err(ApiError::Invalid)?;
    publish(
        state,
        WorkoutChange::Saved(WorkoutLogged::new(workout, user_id, now)),
    )
    .await
}

/// Replaces workout `id` with the body, which names the same id and the revision the edit
/// is (an edit without one could silently lose to the version it edits).
pub async fn accept_edit(
    state: &AppState,
    user_id: &str,
    id: Uuid,
    body: &Value,
) -> Result<Uuid, ApiError> {
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
        Some(r) if r.as_u64() == Some(1) => problems.push(Problem::new(
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
            publish(
                state,
                WorkoutChange::Saved(WorkoutLogged::new(workout, user_id, now)),
            )
            .await
        }
        _ => Err(ApiError::Invalid(problems)),
    }
}

/// Deletes workout `id`, for good: no later save brings it back. The nil id is never a
/// workout's (the validator refuses it), so there is nothing to delete.
pub async fn accept_delete(state: &AppState, user_id: &str, id: Uuid) -> Result<Uuid, ApiError> {
    if id.is_nil() {
        return Err(ApiError::NotFound);
    }
    publish(
        state,
        WorkoutChange::Deleted(WorkoutDeleted::new(id, user_id, Utc::now())),
    )
    .await
}

async fn publish(state: &AppState, change: WorkoutChange) -> Result<Uuid, ApiError> {
    let id = change.id();
    match state.publisher.publish_change(&change).await {
        Ok(()) => {
            metrics::counter!("ironlog_workouts_accepted_total").increment(1);
            Ok(id)
        }
        Err(e) => {
            metrics::counter!("ironlog_publish_unavailable_total").increment(1);
            Err(ApiError::Publish { id, source: e })
        }
    }
}
