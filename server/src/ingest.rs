//! Accepting a logged workout: validate, stamp, publish. Shared by the JSON API and the
//! no-JavaScript form so both answer the same way.

use chrono::Utc;
use domain::{decode_new_workout, WorkoutLogged};
use serde_json::Value;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

pub async fn accept(state: &AppState, user_id: &str, body: &Value) -> Result<Uuid, ApiError> {
    let now = Utc::now();
    let workout = decode_new_workout(body, now).map_err(ApiError::Invalid)?;
    let event = WorkoutLogged::new(workout, user_id, now);
    match state.publisher.publish(&event).await {
        Ok(()) => {
            metrics::counter!("ironlog_workouts_accepted_total").increment(1);
            Ok(event.id)
        }
        Err(e) => {
            metrics::counter!("ironlog_publish_unavailable_total").increment(1);
            Err(ApiError::Publish {
                id: event.id,
                source: e,
            })
        }
    }
}
