//! A synthetic history for benchmarks: five years of the upper/lower program (800 sessions,
//! 20,000 sets), loads creeping up, a few reps missed now and then. Deterministic.

use chrono::{Duration, TimeZone, Utc};
use uuid::Uuid;

use crate::program::builtin_program;
use crate::{ExerciseLog, SetLog, WorkoutLogged};

pub const SESSIONS: usize = 800;
const SETS_PER_EXERCISE: usize = 5;

/// The history, oldest first, for `user_id`.
pub fn five_years(user_id: &str) -> Vec<WorkoutLogged> {
    let Some(program) = builtin_program("upper-lower-4x") else {
        return Vec::new();
    };
    let start = Utc
        .with_ymd_and_hms(2021, 11, 1, 18, 0, 0)
        .single()
        .unwrap_or_default();
    (0..SESSIONS)
        .map(|i| {
            let day = &program.days[i % program.days.len()];
            let at = start + Duration::hours(i as i64 * 24 * 365 * 5 / SESSIONS as i64);
            let exercises = day
                .slots
                .iter()
                .enumerate()
                .map(|(j, slot)| ExerciseLog {
                    notes: None,
                    group: None,
                    exercise: slot.exercise.clone(),
                    sets: (0..SETS_PER_EXERCISE)
                        .map(|k| SetLog {
                            kind: Default::default(),
                            weight_kg: 40.0 + (i / 8) as f64 * 0.5 + j as f64 * 5.0,
                            reps: 6 + ((i + k) % 5) as u32,
                            rpe: (k % 2 == 0).then_some(8.0),
                        })
                        .collect(),
                })
                .collect();
            WorkoutLogged {
                revision: 0,
                notes: None,
                v: 1,
                id: Uuid::from_u128(i as u128 + 1),
                user_id: user_id.to_owned(),
                performed_at: at,
                received_at: at,
                exercises,
            }
        })
        .collect()
}
