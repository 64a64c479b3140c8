//! Ironlog's CSV export: one row per set, readable by spreadsheets and by Ironlog's import.

use crate::catalog::Catalog;
use crate::WorkoutLogged;

pub const CSV_HEADER: [&str; 8] = [
    "workout_id",
    "performed_at",
    "exercise",
    "exercise_name",
    "set",
    "weight_kg",
    "reps",
    "rpe",
];

/// Every set of `workouts`, in the order given.
pub fn to_csv(workouts: &[WorkoutLogged], catalog: &Catalog) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; a failure would only lose the row, never panic.
    let _ = writer.write_record(CSV_HEADER);
    for w in workouts {
        let id = w.id.to_string();
        let at = w
            .performed_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        for e in &w.exercises {
            let name = catalog.name(&e.exercise);
            for (i, s) in e.sets.iter().enumerate() {
                let _ = writer.write_record([
                    id.as_str(),
                    at.as_str(),
                    e.exercise.as_str(),
                    name,
                    &(i + 1).to_string(),
                    &s.weight_kg.to_string(),
                    &s.reps.to_string(),
                    &s.rpe.map(|r| r.to_string()).unwrap_or_default(),
                ]);
            }
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}
