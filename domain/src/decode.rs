//! Turns client JSON into a [`NewWorkout`], reporting every problem at once (wrong types,
//! unknown or missing fields and out-of-range values) rather than stopping at the first, as
//! serde would.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::problem::Problem;
use crate::rules;
use crate::workout::{
    first_revision, truncate_to_millis, ExerciseLog, NewWorkout, SetKind, SetLog,
};

/// Decodes and validates a submitted workout, judged at `now`.
pub fn decode_new_workout(body: &Value, now: DateTime<Utc>) -> Result<NewWorkout, Vec<Problem>> {
    let mut d = Decoder::default();
    let workout = d.workout(body, now);
    match workout {
        Some(w) if d.problems.is_empty() => Ok(w),
        _ => Err(d.problems),
    }
}

#[derive(Default)]
struct Decoder {
    problems: Vec<Problem>,
}

impl Decoder {
    fn report(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(Problem::new(field, message));
    }

    fn check(&mut self, field: &str, outcome: Option<String>) -> bool {
        match outcome {
            Some(message) => {
                self.report(field, message);
                false
            }
            None => true,
        }
    }

    /// The object at `path` with only `allowed` keys; unknown keys are reported.
    fn object<'v>(
        &mut self,
        path: &str,
        value: &'v Value,
        allowed: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Some(map) = value.as_object() else {
            self.report(path, format!("must be an object, got {}", kind(value)));
            return None;
        };
        for key in map.keys().filter(|k| !allowed.contains(&k.as_str())) {
            self.report(&join(path, key), "unknown field");
        }
        Some(map)
    }

    fn required<'v>(
        &mut self,
        path: &str,
        map: &'v Map<String, Value>,
        key: &str,
    ) -> Option<&'v Value> {
        let value = map.get(key);
        if value.is_none() {
            self.report(&join(path, key), "is required");
        }
        value
    }

    fn workout(&mut self, body: &Value, now: DateTime<Utc>) -> Option<NewWorkout> {
        let map = self.object(
            "",
            body,
            &["id", "performed_at", "exercises", "notes", "revision"],
        )?;
        let id = self.required("", map, "id").and_then(|v| self.id(v));
        let performed_at = self
            .required("", map, "performed_at")
            .and_then(|v| self.performed_at(v, now));
        let exercises = self.required("", map, "exercises").and_then(|v| {
            self.list(
                "exercises",
                v,
                rules::MAX_EXERCISES,
                "exercise",
                Self::exercise,
            )
        });
        let notes = self.note("notes", map.get("notes"));
        let revision = match map.get("revision") {
            None | Some(Value::Null) => Some(first_revision()),
            Some(v) => match whole(v) {
                Some(n) => self
                    .check("revision", rules::check_revision(n, now))
                    .then_some(n),
                None => {
                    self.report(
                        "revision",
                        format!("must be a whole number, got {}", kind(v)),
                    );
                    None
                }
            },
        };
        Some(NewWorkout {
            id: id?,
            performed_at: performed_at?,
            exercises: exercises?,
            notes: notes?,
            revision: revision?,
        })
    }

    /// An optional note: absent, null or blank all mean none.
    fn note(&mut self, field: &str, value: Option<&Value>) -> Option<Option<String>> {
        match value {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) if s.trim().is_empty() => Some(None),
            Some(Value::String(s)) => {
                // Browsers send a text area's line breaks as CRLF.
                let s = s.replace("\r\n", "\n");
                self.check(field, rules::check_note(&s)).then_some(Some(s))
            }
            Some(v) => {
                self.report(field, format!("must be a string, got {}", kind(v)));
                None
            }
        }
    }

    fn id(&mut self, value: &Value) -> Option<Uuid> {
        let Some(text) = value.as_str() else {
            self.report("id", format!("must be a UUID string, got {}", kind(value)));
            return None;
        };
        match Uuid::try_parse(text) {
            Ok(id) if id.is_nil() => {
                self.report("id", "must not be the nil UUID");
                None
            }
            Ok(id) => Some(id),
            Err(_) => {
                self.report(
                    "id",
                    "must be a UUID such as 0192e4a0-7b1c-7cc0-a5b2-3f0c1d2e4f5a",
                );
                None
            }
        }
    }

    fn performed_at(&mut self, value: &Value, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let Some(text) = value.as_str() else {
            self.report(
                "performed_at",
                format!("must be an RFC 3339 date-time string, got {}", kind(value)),
            );
            return None;
        };
        let Ok(at) = DateTime::parse_from_rfc3339(text) else {
            self.report(
                "performed_at",
                "must be an RFC 3339 date-time such as 2026-11-23T18:30:00Z",
            );
            return None;
        };
        let at = truncate_to_millis(at.with_timezone(&Utc));
        self.check("performed_at", rules::check_performed_at(at, now))
            .then_some(at)
    }

    /// A non-empty array of at most `max` items, each decoded by `item` with its index.
    fn list<T>(
        &mut self,
        path: &str,
        value: &Value,
        max: usize,
        what: &str,
        item: fn(&mut Self, &str, &Value) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Some(items) = value.as_array() else {
            self.report(path, format!("must be an array, got {}", kind(value)));
            return None;
        };
        if !self.check(path, rules::check_count(items.len(), max, what)) {
            return None;
        }
        let decoded: Vec<Option<T>> = items
            .iter()
            .enumerate()
            .map(|(i, v)| item(self, &format!("{path}[{i}]"), v))
            .collect();
        decoded.into_iter().collect()
    }

    fn exercise(&mut self, path: &str, value: &Value) -> Option<ExerciseLog> {
        let map = self.object(path, value, &["exercise", "sets", "notes", "group"])?;
        let slug = self.required(path, map, "exercise").and_then(|v| {
            let field = join(path, "exercise");
            match v.as_str() {
                Some(s) => self
                    .check(&field, rules::check_slug(s))
                    .then(|| s.to_owned()),
                None => {
                    self.report(&field, format!("must be a string, got {}", kind(v)));
                    None
                }
            }
        });
        let sets = self
            .required(path, map, "sets")
            .and_then(|v| self.list(&join(path, "sets"), v, rules::MAX_SETS, "set", Self::set));
        let notes = self.note(&join(path, "notes"), map.get("notes"));
        let group = match map.get("group") {
            None | Some(Value::Null) => Some(None),
            Some(v) => {
                let field = join(path, "group");
                match whole(v).and_then(|n| u8::try_from(n).ok()) {
                    Some(n) => self.check(&field, rules::check_group(n)).then_some(Some(n)),
                    None => {
                        self.report(
                            &field,
                            format!("must be a whole number between 1 and {}", rules::MAX_GROUP),
                        );
                        None
                    }
                }
            }
        };
        Some(ExerciseLog {
            exercise: slug?,
            sets: sets?,
            notes: notes?,
            group: group?,
        })
    }

    fn set(&mut self, path: &str, value: &Value) -> Option<SetLog> {
        let map = self.object(path, value, &["weight_kg", "reps", "rpe", "kind"])?;
        let weight_kg = self
            .required(path, map, "weight_kg")
            .and_then(|v| self.number(&join(path, "weight_kg"), v, rules::check_weight));
        let reps = self.required(path, map, "reps").and_then(|v| {
            let field = join(path, "reps");
            match whole(v) {
                Some(n) => self
                    .check(&field, rules::check_reps(n))
                    .then(|| u32::try_from(n).ok())
                    .flatten(),
                None if v.is_number() => {
                    self.report(&field, "must be a whole number between 1 and 100");
                    None
                }
                None => {
                    self.report(&field, format!("must be a number, got {}", kind(v)));
                    None
                }
            }
        });
        // `rpe` may be absent or null; both mean "not recorded".
        let rpe = match map.get("rpe") {
            None | Some(Value::Null) => Some(None),
            Some(v) => self
                .number(&join(path, "rpe"), v, rules::check_rpe)
                .map(Some),
        };
        let set_kind = match map.get("kind") {
            None | Some(Value::Null) => Some(SetKind::Working),
            Some(v) => {
                let parsed = v.as_str().and_then(SetKind::parse);
                if parsed.is_none() {
                    self.report(
                        &join(path, "kind"),
                        "must be one of working, warmup, drop, failure",
                    );
                }
                parsed
            }
        };
        Some(SetLog {
            weight_kg: weight_kg?,
            reps: reps?,
            rpe: rpe?,
            kind: set_kind?,
        })
    }

    fn number(
        &mut self,
        field: &str,
        value: &Value,
        rule: fn(f64) -> Option<String>,
    ) -> Option<f64> {
        let Some(n) = value.as_f64() else {
            self.report(field, format!("must be a number, got {}", kind(value)));
            return None;
        };
        self.check(field, rule(n)).then_some(n)
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A whole number as JSON Schema's `integer` reads it: `17` and `17.0` alike (a number whose
/// fraction is zero), never `17.5`, a negative number or one past what a double holds exactly.
fn whole(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(f))
            .map(|f| f as u64)
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
