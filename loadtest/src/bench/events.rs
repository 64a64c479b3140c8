//! Logged-workout events exactly as the server publishes them.

use chrono::{Duration as Days, Utc};
use domain::{decode_new_workout, WorkoutLogged};
use uuid::Uuid;

use crate::workload;

/// A valid event for a fresh id, performed `days_ago` days back.
pub fn event(user: &str, days_ago: i64) -> anyhow::Result<WorkoutLogged> {
    let now = Utc::now();
    let mut body = workload::workout(Uuid::now_v7());
    body["performed_at"] = (now - Days::days(days_ago))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        .into();
    let new =
        decode_new_workout(&body, now).map_err(|p| anyhow::anyhow!("invalid workload: {p:?}"))?;
    Ok(WorkoutLogged::new(new, user, now))
}

pub fn bytes(event: &WorkoutLogged) -> Vec<u8> {
    serde_json::to_vec(event).unwrap_or_default()
}
