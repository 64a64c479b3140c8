//! What the load sends: realistic logged workouts with unique ids.

use serde_json::{json, Value};
use uuid::Uuid;

/// A three-set session, the size of a typical logged workout (about 400 bytes of JSON).
pub fn workout(id: Uuid) -> Value {
    json!({
        "id": id,
        "performed_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "exercises": [
            {"exercise": "squat", "sets": [
                {"weight_kg": 100.0, "reps": 5, "rpe": 8.0},
                {"weight_kg": 100.0, "reps": 5},
                {"weight_kg": 100.0, "reps": 5}
            ]},
            {"exercise": "bench-press", "sets": [{"weight_kg": 72.5, "reps": 8}]}
        ]
    })
}
