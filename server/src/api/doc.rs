//! The OpenAPI 3.1 description of the JSON API, served at `/api/openapi.json`. Routes are
//! registered through `utoipa_axum`'s router together with their `#[utoipa::path]`, so a
//! route cannot exist without its description; a test checks every status the server
//! really answers against it.

use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

/// A workout as a client sends it.
#[derive(ToSchema)]
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
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NewExercise {
    /// A catalog slug: lowercase words joined by hyphens.
    #[schema(example = "bench-press", pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 64)]
    pub exercise: String,
    /// 1 to 100 sets.
    #[schema(min_items = 1, max_items = 100)]
    pub sets: Vec<SetLog>,
}

#[derive(ToSchema)]
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
}

/// A stored workout.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Workout {
    pub v: u32,
    pub id: uuid::Uuid,
    pub user_id: String,
    #[schema(format = DateTime)]
    pub performed_at: String,
    #[schema(format = DateTime)]
    pub received_at: String,
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

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Credentials {
    pub email: String,
    /// At least 10 characters at sign-up; at most 1024 bytes.
    pub password: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
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

/// An exercise: built in, or the user's own (`custom`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Exercise {
    #[schema(example = "bench-press")]
    pub slug: String,
    pub name: String,
    /// barbell, dumbbell, cable, machine, bodyweight or kettlebell.
    pub equipment: String,
    /// The load added on progress, in kilograms.
    pub increment_kg: f64,
    /// Muscle groups, e.g. chest, lats, upper_back, quads.
    pub primary: Vec<String>,
    pub secondary: Vec<String>,
    pub custom: bool,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Exercises {
    pub exercises: Vec<Exercise>,
}

/// A program: days of slots, each an exercise with its progression rule
/// (`{"kind": "linear", "sets": 3, "reps": 5, "deload_after": 3, "deload_percent": 10}`,
/// `double` with `min_reps`/`max_reps`, `rpe` with `reps`/`rpe`, `gzclp` with `tier`, or
/// `five_three_one`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Program {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub days_per_week: u32,
    pub days: Vec<serde_json::Value>,
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
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Profile {
    pub gym: serde_json::Value,
    pub warmups: bool,
    pub active_program: String,
    pub exercises: Vec<Exercise>,
    pub programs: Vec<Program>,
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
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PlannedExercise {
    pub exercise: String,
    pub name: String,
    pub reason: String,
    pub sets: Vec<PlannedSet>,
}

/// Today's session.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Plan {
    pub program: String,
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
/// alone; `failed` sessions were not queued (import the same file again to send them).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportSummary {
    /// strong, hevy or ironlog.
    pub format: String,
    pub rows: usize,
    pub sessions: usize,
    pub imported: usize,
    pub duplicates: usize,
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
    tags((name = "workouts"), (name = "auth"), (name = "training"), (name = "data"))
)]
pub struct ApiDoc;
