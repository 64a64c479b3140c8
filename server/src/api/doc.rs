//! The OpenAPI 3.1 description of the JSON API, served at `/api/openapi.json`. Routes are
//! registered through `utoipa_axum`'s router together with their `#[utoipa::path]`, so a
//! route cannot exist without its description; a test checks every status the server
//! really answers against it.

use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

/// A workout as a client sends it.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NewWorkout {
    /// Made by the client (UUID v7 recommended); sending the same id again is safe.
    pub id: uuid::Uuid,
    /// RFC 3339, from 2000-01-01 to 24 hours ahead.
    #[schema(format = DateTime)]
    pub performed_at: String,
    /// 1 to 50 exercises.
    #[schema(min_items = 1, max_items = 50)]
    pub exercises: Vec<NewExercise>,
    /// Text a person typed: at most 1000 characters, line breaks and tabs but no other
    /// control characters. A blank note is no note.
    #[schema(max_length = 1000, pattern = "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]*$")]
    pub notes: Option<String>,
    /// Orders the versions of one workout: 1 (the default) for a first log; the largest wins.
    /// At most 24 hours ahead of now in milliseconds since 1970.
    #[schema(minimum = 1)]
    pub revision: Option<u64>,
}

/// A workout's new version: the whole workout, with its id and a revision larger than the one
/// edited (the time of the edit in milliseconds will do).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct WorkoutEdit {
    /// The id in the path.
    pub id: uuid::Uuid,
    /// RFC 3339, from 2000-01-01 to 24 hours ahead.
    #[schema(format = DateTime)]
    pub performed_at: String,
    /// 1 to 50 exercises.
    #[schema(min_items = 1, max_items = 50)]
    pub exercises: Vec<NewExercise>,
    /// Text a person typed: at most 1000 characters, line breaks and tabs but no other
    /// control characters. A blank note is no note.
    #[schema(max_length = 1000, pattern = "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]*$")]
    pub notes: Option<String>,
    /// Larger than the revision edited and than 1 (a first log's); at most 24 hours ahead of
    /// now in milliseconds since 1970.
    #[schema(minimum = 2)]
    pub revision: u64,
}

/// How a set was done; warm-ups count toward no record, volume or progression.
#[derive(ToSchema, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SetKind {
    Working,
    Warmup,
    Drop,
    Failure,
}

#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NewExercise {
    /// A catalog slug: lowercase words joined by hyphens.
    #[schema(
        example = "bench-press",
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length = 64
    )]
    pub exercise: String,
    /// 1 to 100 sets.
    #[schema(min_items = 1, max_items = 100)]
    pub sets: Vec<SetLog>,
    /// Text a person typed: at most 1000 characters, line breaks and tabs but no other
    /// control characters. A blank note is no note.
    #[schema(max_length = 1000, pattern = "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]*$")]
    pub notes: Option<String>,
    /// Exercises with the same group were done as a superset.
    #[schema(minimum = 1, maximum = 26)]
    pub group: Option<u8>,
}

#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SetLog {
    /// 0 to 1000.
    #[schema(minimum = 0, maximum = 1000)]
    pub weight_kg: f64,
    /// 1 to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub reps: u32,
    /// 1 to 10 in steps of 0.5.
    #[schema(minimum = 1, maximum = 10, multiple_of = 0.5)]
    pub rpe: Option<f64>,
    /// `working` when absent.
    pub kind: Option<SetKind>,
}

/// A stored workout.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Workout {
    pub v: u32,
    pub id: uuid::Uuid,
    pub user_id: String,
    /// Absent for workouts stored before revisions (revision 0).
    pub revision: Option<u64>,
    #[schema(format = DateTime)]
    pub performed_at: String,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub notes: Option<String>,
    pub exercises: Vec<NewExercise>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct WorkoutPage {
    /// Newest first.
    pub items: Vec<Workout>,
    /// Pass as `before` for the next (older) page; null on the last page.
    pub next: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Accepted {
    pub id: uuid::Uuid,
}

#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Credentials {
    /// One `@`, at most 64 characters before it, a dot inside the domain; no spaces or
    /// control characters; at most 254 characters.
    #[schema(
        pattern = "^[^@\\s\\x00-\\x1f\\x7f-\\x9f]{1,64}@[^@\\s\\x00-\\x1f\\x7f-\\x9f.][^@\\s\\x00-\\x1f\\x7f-\\x9f]*\\.[^@\\s\\x00-\\x1f\\x7f-\\x9f]*[^@\\s\\x00-\\x1f\\x7f-\\x9f.]$",
        max_length = 254
    )]
    pub email: String,
    #[schema(max_length = 256)]
    pub password: String,
}

/// A sign-up: as [`Credentials`], with the rules for a new password.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NewCredentials {
    #[schema(
        pattern = "^[^@\\s\\x00-\\x1f\\x7f-\\x9f]{1,64}@[^@\\s\\x00-\\x1f\\x7f-\\x9f.][^@\\s\\x00-\\x1f\\x7f-\\x9f]*\\.[^@\\s\\x00-\\x1f\\x7f-\\x9f]*[^@\\s\\x00-\\x1f\\x7f-\\x9f.]$",
        max_length = 254
    )]
    pub email: String,
    /// 10 to 256 characters, something besides spaces, no control characters.
    #[schema(
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$",
        min_length = 10,
        max_length = 256
    )]
    pub password: String,
}

#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// The account's password, asked again before it is deleted.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PasswordConfirmation {
    pub password: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SignedIn {
    pub user_id: String,
}

/// Every error: a code, a sentence, and each problem with the field it concerns.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Error {
    #[schema(example = "invalid_workout")]
    pub error: String,
    pub message: String,
    pub problems: Vec<Problem>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Problem {
    #[schema(example = "exercises[0].sets[2].reps")]
    pub field: String,
    pub message: String,
}

/// Kinds of equipment.
#[derive(ToSchema, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum Equipment {
    Barbell,
    Dumbbell,
    Cable,
    Machine,
    Bodyweight,
    Kettlebell,
}

/// Muscle groups.
#[derive(ToSchema, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum Muscle {
    Chest,
    Lats,
    UpperBack,
    LowerBack,
    Shoulders,
    RearDelts,
    Biceps,
    Triceps,
    Forearms,
    Abs,
    Quads,
    Hamstrings,
    Glutes,
    Adductors,
    Calves,
}

/// An exercise: built in, or the user's own (`custom`; its slug must not be a built-in one's).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Exercise {
    #[schema(
        example = "bench-press",
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length = 64
    )]
    pub slug: String,
    /// 1 to 80 characters, not only spaces, no control characters (`domain::rules::check_name`).
    #[schema(
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$",
        max_length = 80
    )]
    pub name: String,
    pub equipment: Equipment,
    /// The load added on progress, in kilograms.
    #[schema(minimum = 0.5, maximum = 50)]
    pub increment_kg: f64,
    pub primary: Vec<Muscle>,
    #[schema(nullable = false)]
    pub secondary: Option<Vec<Muscle>>,
    #[schema(nullable = false)]
    pub custom: Option<bool>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Exercises {
    pub exercises: Vec<Exercise>,
}

/// A day of a program: its slots, each an exercise of the catalog or the user's own with its
/// progression rule (`{"kind": "linear", "sets": 3, "reps": 5, "deload_after": 3,
/// "deload_percent": 10}`, `double` with `min_reps`/`max_reps`, `rpe` with `reps`/`rpe`,
/// `gzclp` with `tier`, or `five_three_one` with an optional `training_max_percent`). A slot's optional `group` (1 = A … 26 = Z)
/// makes a superset of the day's slots that share it.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Day {
    /// 1 to 80 characters, not only spaces, no control characters.
    #[schema(
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$",
        max_length = 80
    )]
    pub name: String,
    #[schema(min_items = 1, max_items = 20)]
    pub slots: Vec<serde_json::Value>,
}

/// A program: 1 to 14 days, run `days_per_week` times a week.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Program {
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 64)]
    pub slug: String,
    /// 1 to 80 characters, not only spaces, no control characters.
    #[schema(
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$",
        max_length = 80
    )]
    pub name: String,
    /// No control characters but line breaks and tabs.
    #[schema(
        max_length = 2000,
        nullable = false,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub description: Option<String>,
    #[schema(minimum = 1, maximum = 7)]
    pub days_per_week: u32,
    #[schema(min_items = 1, max_items = 14)]
    pub days: Vec<Day>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Programs {
    /// The active program's slug.
    pub active: String,
    pub programs: Vec<Program>,
}

/// Training settings: `gym` (unit `kg` or `lb`, `bar`, `smallest_plate`, `dumbbell_step`,
/// `machine_step`, in that unit), `warmups`, `active_program`, own `exercises` and
/// `programs`. Every field may be omitted for its default.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Profile {
    #[schema(nullable = false)]
    pub gym: Option<Gym>,
    #[schema(nullable = false)]
    pub warmups: Option<bool>,
    /// A built-in program's slug or one of `programs`'.
    #[schema(
        nullable = false,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length = 64
    )]
    pub active_program: Option<String>,
    #[schema(nullable = false, max_items = 200)]
    pub exercises: Option<Vec<Exercise>>,
    #[schema(nullable = false, max_items = 20)]
    pub programs: Option<Vec<Program>>,
}

/// The gym, in its unit: the bar's weight and the smallest steps of plates, dumbbells and
/// machines (at most 100 kg, or 220.46 lb; steps at least 0.1).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Gym {
    #[schema(pattern = "^(kg|lb)$")]
    pub unit: String,
    #[schema(minimum = 0, maximum = 220.46)]
    pub bar: f64,
    #[schema(minimum = 0.1, maximum = 220.46)]
    pub smallest_plate: f64,
    #[schema(minimum = 0.1, maximum = 220.46)]
    pub dumbbell_step: f64,
    #[schema(minimum = 0.1, maximum = 220.46)]
    pub machine_step: f64,
    /// The plates owned, in the unit: `[size, pairs]`, at most 12 sizes of at most 50 kg (110.23
    /// lb), at most 20 pairs each and 500 kg a side in all. Absent or empty: a commercial gym's
    /// plates down to `smallest_plate`.
    #[schema(value_type = Option<Vec<Vec<f64>>>, max_items = 12)]
    pub plates: Option<Vec<(f64, u32)>>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PlannedSet {
    pub weight_kg: f64,
    pub reps: u32,
    /// As many reps as possible; `reps` is the least.
    pub amrap: bool,
    pub rpe: Option<f64>,
    pub warmup: bool,
    /// Why, in plain words: "+2.5 kg: all 3×5 made at 100 kg last time".
    pub reason: String,
    /// Barbell sets only: `{"plates": [[size_kg, count], …]}` a side, heaviest first (empty:
    /// the bar alone), or `{"unreachable": {"below": kg, "above": kg}}` when the user's plates
    /// cannot make the load (the nearest loads they can; either may be null).
    #[schema(value_type = Option<Object>)]
    pub plates: Option<()>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PlannedExercise {
    pub exercise: String,
    pub name: String,
    pub reason: String,
    pub sets: Vec<PlannedSet>,
    /// The program's superset group (1 = A … 26 = Z), when the day prescribes one.
    #[schema(minimum = 1, maximum = 26, nullable = false)]
    pub group: Option<u8>,
}

/// Today's session.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Plan {
    /// The program's slug.
    pub program: String,
    /// The program's name.
    pub program_name: String,
    pub day: String,
    pub day_index: u32,
    /// `kg` or `lb`: loads are rounded to this unit's plates; `weight_kg` is always kilograms.
    pub unit: String,
    pub exercises: Vec<PlannedExercise>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Rejection {
    /// 1-based line of the file.
    pub line: u64,
    #[schema(example = "reps \"5.5\" is not a whole number")]
    pub reason: String,
}

/// What an import did. Sessions already in the history count as `duplicates` and are left
/// alone, and so are sessions the user `deleted` before; `failed` sessions were not queued
/// (import the same file again to send them).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportSummary {
    /// strong, hevy or ironlog.
    pub format: String,
    pub rows: usize,
    pub sessions: usize,
    pub imported: usize,
    pub duplicates: usize,
    pub deleted: usize,
    pub failed: usize,
    pub warmup_sets: usize,
    pub non_strength_sets: usize,
    /// The first 200 rejected rows.
    pub rejected: Vec<Rejection>,
    pub rejected_total: usize,
    /// Exercises added to the user's own because the catalog lacked their names.
    pub new_exercises: Vec<String>,
}

/// Where the user's current or last import is.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportStatus {
    /// running or done.
    #[schema(pattern = "^(running|done)$")]
    pub status: String,
    /// While running: sessions handled so far.
    pub done: Option<usize>,
    /// While running: sessions in the file.
    pub total: Option<usize>,
    /// Once done.
    pub summary: Option<ImportSummary>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Activate {
    /// The active program's slug.
    pub active: String,
}

/// What the user weighed on a day, in kilograms.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Weighing {
    #[schema(format = Date, example = "2026-03-01")]
    pub date: String,
    #[schema(minimum = 20, maximum = 400, example = 81.5)]
    pub kg: f64,
}

/// A day's weight, in kilograms (20 to 400).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct WeighingBody {
    #[schema(minimum = 20, maximum = 400, example = 81.5)]
    pub kg: f64,
}

/// The bodyweight log, oldest first, and the trend at each weighing: an exponentially
/// smoothed average (10 % of the difference a day) that hides the daily swing.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BodyweightLog {
    pub weighings: Vec<Weighing>,
    pub trend: Vec<Weighing>,
}

/// A set that holds a record: the heaviest for its rep count.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Record {
    #[schema(minimum = 1, maximum = 12)]
    pub reps: u32,
    /// The load, in kilograms; for a bodyweight exercise, with the bodyweight it moved.
    pub weight_kg: f64,
    #[schema(format = Date)]
    pub date: String,
    /// For a bodyweight exercise: the part of `weight_kg` that was the lifter's bodyweight.
    #[schema(nullable = false)]
    pub bodyweight_kg: Option<f64>,
}

/// An exercise's best estimated 1RM of each week trained, as columns of one length.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Weekly {
    /// The Monday of the first week trained (null when there is none).
    #[schema(format = Date)]
    pub first: Option<String>,
    /// Each week trained, in weeks after `first`, ascending.
    pub week: Vec<u32>,
    /// The week's best estimate, to 0.1 kg.
    pub e1rm_kg: Vec<f64>,
    /// The set the estimate came from.
    pub weight_kg: Vec<f64>,
    pub reps: Vec<u32>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ExerciseProgress {
    pub exercise: String,
    pub name: String,
    /// Days it was trained.
    pub days: u32,
    pub weekly: Weekly,
    pub records: Vec<Record>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MuscleWeek {
    #[schema(example = "quads")]
    pub muscle: String,
    /// Sets that trained it: 1 as a primary mover, ½ as a secondary one.
    pub sets: f64,
    pub volume_kg: f64,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Week {
    /// The week's Monday.
    #[schema(format = Date)]
    pub start: String,
    pub muscles: Vec<MuscleWeek>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CalendarDay {
    #[schema(format = Date)]
    pub date: String,
    pub sessions: u32,
    pub sets: u32,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Streaks {
    pub current_weeks: u32,
    pub longest_weeks: u32,
    pub current_days: u32,
    pub longest_days: u32,
}

/// What the Progress page shows, as of `today` (the server's date, UTC): totals, streaks,
/// each exercise's weekly best estimate and records (the one trained most first), the weeks
/// of the volume chart that had sets and the days trained in the calendar's weeks. Kept up to
/// date as workouts are stored, so its size does not grow with the history's length beyond
/// one number a week per exercise.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Progress {
    #[schema(format = Date)]
    pub today: String,
    pub sessions: u32,
    pub sets: u32,
    pub streaks: Streaks,
    pub exercises: Vec<ExerciseProgress>,
    pub weeks: Vec<Week>,
    pub calendar: Vec<CalendarDay>,
}

/// What every endpoint that reads a JSON body may answer before it looks at the content.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BodyRefusals {
    #[response(status = 400, description = "not JSON")]
    Malformed(Error),
    #[response(status = 403, description = "sent from another site")]
    CrossSite(Error),
    #[response(status = 413, description = "over 64 KiB")]
    TooLarge(Error),
    #[response(status = 415, description = "not application/json")]
    NotJson(Error),
}

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "ironlog_session",
                "Set by sign-up and log-in (named __Host-ironlog_session over HTTPS)",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Ironlog API", description = "Log workouts and read them back. Every workout call needs a session cookie from sign-up or log-in."),
    modifiers(&SessionCookie),
    tags((name = "workouts"), (name = "auth"), (name = "training"), (name = "data"), (name = "pages"))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    /// The description's copies of the domain's enums (the domain, built for Wasm too, does
    /// not depend on utoipa) name exactly the values the server takes.
    #[test]
    fn described_muscles_and_equipment_are_the_domains() {
        let doc = serde_json::to_value(super::super::described().1).unwrap();
        let values = |name: &str| -> Vec<String> {
            let mut v: Vec<String> = doc["components"]["schemas"][name]["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("{name} has an enum"))
                .iter()
                .map(|x| x.as_str().unwrap().to_owned())
                .collect();
            v.sort();
            v
        };
        let mut muscles: Vec<String> = domain::catalog::Muscle::ALL
            .iter()
            .map(|m| {
                serde_json::to_value(m)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        muscles.sort();
        assert_eq!(values("Muscle"), muscles);
        let equipment = values("Equipment");
        assert_eq!(equipment.len(), 6);
        for e in equipment {
            serde_json::from_value::<domain::units::Equipment>(serde_json::Value::String(
                e.clone(),
            ))
            .unwrap_or_else(|_| panic!("{e} is not the domain's"));
        }
    }

    #[test]
    fn the_cursor_pattern_is_the_one_the_server_parses_with() {
        let json = serde_json::to_string(&super::super::described().1).unwrap();
        let pattern = domain::cursor::CURSOR_PATTERN;
        assert!(
            json.contains(&serde_json::to_string(pattern).unwrap()),
            "the workouts listing's `before`"
        );
        let optional = format!("^({})?$", &pattern[1..pattern.len() - 1]);
        assert!(
            json.contains(&serde_json::to_string(&optional).unwrap()),
            "the History page's server function"
        );
    }
}
