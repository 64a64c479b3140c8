//! A workout as typed into the Log form, turned into the JSON the API takes. Shared by the
//! browser (hydrated form) and the server (the same form posted without JavaScript), so both
//! send the validator the same thing. Blank set rows are skipped; text that is not a number is
//! passed through as text so the validator names the field. Weights are typed in the user's
//! unit and sent in kilograms.

use domain::units::Unit;
use serde::{Deserialize, Serialize};

// Serialized as the draft kept on the device (`device.rs`): every field as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SetDraft {
    /// In the draft's unit.
    pub weight: String,
    pub reps: String,
    pub rpe: String,
    /// A set kind's name (`warmup`, `drop`, `failure`); empty for a working set.
    #[serde(default)]
    pub kind: String,
    /// The stored load of a set opened for editing, in kilograms: sent as it was while the
    /// weight still reads as it did, so an edit elsewhere never rounds it (100 kg shown as
    /// 220.46 lb would come back as 99.999 kg).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_kg: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExerciseDraft {
    pub exercise: String,
    /// Slug and name of an exercise the built-in list lacks (the user's own, from a plan).
    #[serde(default)]
    pub extra: Option<(String, String)>,
    pub sets: Vec<SetDraft>,
    #[serde(default)]
    pub notes: String,
    /// The superset's letter (`A` to `Z`), or empty.
    #[serde(default)]
    pub group: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkoutDraft {
    pub id: String,
    /// RFC 3339; the caller resolves an empty field to "now".
    pub performed_at: String,
    /// The unit the weights are typed in.
    pub unit: Unit,
    pub exercises: Vec<ExerciseDraft>,
    #[serde(default)]
    pub notes: String,
    /// Set when the draft edits a stored workout: the revision it was opened at. Saving sends
    /// a larger one ([`edit_revision`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_revision: Option<u64>,
}

/// The revision an edit of `base` saves as: the time of the edit in milliseconds, or one more
/// than `base` if the device's clock is behind it.
pub fn edit_revision(base: u64, now_ms: u64) -> u64 {
    now_ms.max(base.saturating_add(1))
}

/// A superset letter (`A`…`Z`) as the API's group number; anything else is none.
pub fn group_number(letter: &str) -> Option<u8> {
    match letter.trim().as_bytes() {
        [c @ b'A'..=b'Z'] => Some(c - b'A' + 1),
        [c @ b'a'..=b'z'] => Some(c - b'a' + 1),
        _ => None,
    }
}

/// The letter of a group number, as the form and History show it.
pub fn group_letter(group: u8) -> String {
    match group {
        1..=26 => char::from(b'A' + group - 1).to_string(),
        other => other.to_string(),
    }
}

impl SetDraft {
    fn is_blank(&self) -> bool {
        self.weight.trim().is_empty() && self.reps.trim().is_empty() && self.rpe.trim().is_empty()
    }
}

/// A number as typed: whole, decimal, or (not a number) the text itself, which the validator
/// then names at its field.
// Typed rather than `serde_json::Value`: the Wasm carries no JSON tree to build the body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Typed {
    Whole(u64),
    Decimal(f64),
    Text(String),
}

impl Typed {
    fn parse(text: &str) -> Self {
        let t = text.trim().replace(',', ".");
        if let Ok(n) = t.parse::<u64>() {
            return Self::Whole(n);
        }
        match t.parse::<f64>() {
            Ok(f) if f.is_finite() => Self::Decimal(f),
            _ => Self::Text(text.trim().to_owned()),
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Whole(n) => Some(*n as f64),
            Self::Decimal(f) => Some(*f),
            Self::Text(_) => None,
        }
    }
}

/// A stored load as the form shows it in `unit` (blank for bodyweight).
pub fn shown(kg: f64, unit: Unit) -> String {
    if kg == 0.0 {
        String::new()
    } else {
        domain::units::trim(unit.from_kg(kg))
    }
}

/// A typed weight in kilograms; text that is not a number stays as it is.
fn in_kg(weight: Typed, unit: Unit) -> Typed {
    match (unit, weight.as_f64()) {
        (Unit::Lb, Some(lb)) => Typed::Decimal(unit.to_kg(lb)),
        _ => weight,
    }
}

/// The body of `POST /api/v1/workouts` (or of the `PUT` of an edit) the form sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkoutBody {
    id: String,
    performed_at: String,
    exercises: Vec<ExerciseBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    /// Set by the caller for an edit ([`edit_revision`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct ExerciseBody {
    exercise: String,
    sets: Vec<SetBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct SetBody {
    weight_kg: Typed,
    reps: Typed,
    #[serde(skip_serializing_if = "Option::is_none")]
    rpe: Option<Typed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
}

/// The trimmed text, or none when it is blank.
fn filled(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Where each exercise and set of the JSON came from in the form: blank rows are skipped, so
/// `exercises[0].sets[1]` in a problem may be the form's third row.
// Serialized into an outbox item, so History can name the form's rows of a workout the
// server refuses later (public/offline-ui.js reads it).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FormPositions {
    exercises: Vec<(usize, Vec<usize>)>,
}

/// Splits `name[3]rest` into (3, rest).
fn indexed<'a>(field: &'a str, name: &str) -> Option<(usize, &'a str)> {
    let rest = field.strip_prefix(name)?.strip_prefix('[')?;
    let (i, rest) = rest.split_once(']')?;
    Some((i.parse().ok()?, rest))
}

impl FormPositions {
    /// Rewrites a problem's field path from JSON positions to the form's rows.
    pub fn to_form_field(&self, field: &str) -> String {
        let Some((i, rest)) = indexed(field, "exercises") else {
            return field.to_owned();
        };
        let Some((form_i, sets)) = self.exercises.get(i) else {
            return field.to_owned();
        };
        match rest.strip_prefix(".").and_then(|r| indexed(r, "sets")) {
            Some((j, tail)) => {
                let form_j = sets.get(j).copied().unwrap_or(j);
                format!("exercises[{form_i}].sets[{form_j}]{tail}")
            }
            None => format!("exercises[{form_i}]{rest}"),
        }
    }
}

impl WorkoutDraft {
    /// The API body, and where its parts came from in the form.
    pub fn to_body(&self) -> (WorkoutBody, FormPositions) {
        let mut positions = FormPositions::default();
        let exercises = self
            .exercises
            .iter()
            .enumerate()
            .filter_map(|(form_i, ex)| {
                let kept: Vec<(usize, &SetDraft)> = ex
                    .sets
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| !s.is_blank())
                    .collect();
                if kept.is_empty() {
                    return None;
                }
                let sets = kept
                    .iter()
                    .map(|(_, s)| SetBody {
                        // A blank weight is a bodyweight set.
                        weight_kg: match s.stored_kg {
                            Some(kg) if s.weight.trim() == shown(kg, self.unit) => {
                                Typed::Decimal(kg)
                            }
                            _ if s.weight.trim().is_empty() => Typed::Whole(0),
                            _ => in_kg(Typed::parse(&s.weight), self.unit),
                        },
                        reps: Typed::parse(&s.reps),
                        rpe: (!s.rpe.trim().is_empty()).then(|| Typed::parse(&s.rpe)),
                        kind: filled(&s.kind).filter(|k| k != "working"),
                    })
                    .collect();
                positions
                    .exercises
                    .push((form_i, kept.iter().map(|(j, _)| *j).collect()));
                Some(ExerciseBody {
                    exercise: ex.exercise.trim().to_owned(),
                    sets,
                    notes: filled(&ex.notes),
                    group: group_number(&ex.group),
                })
            })
            .collect();
        let body = WorkoutBody {
            id: self.id.trim().to_owned(),
            performed_at: self.performed_at.clone(),
            exercises,
            notes: filled(&self.notes),
            revision: None,
        };
        (body, positions)
    }

    /// The same draft with its weights in `unit`: a draft kept on the device before the person
    /// changed their unit comes back in the unit the form now shows. Text that is not a number
    /// stays as typed.
    pub fn in_unit(mut self, unit: Unit) -> Self {
        if self.unit == unit {
            return self;
        }
        for set in self.exercises.iter_mut().flat_map(|e| e.sets.iter_mut()) {
            if let Some(typed) = Typed::parse(&set.weight).as_f64() {
                set.weight = domain::units::trim(unit.from_kg(self.unit.to_kg(typed)));
            }
        }
        self.unit = unit;
        self
    }

    /// One line per exercise with sets, as typed: what History shows of a workout that is not
    /// synced yet ("Back squat: 100 kg × 5 @8, 100 kg × 5").
    pub fn summary_lines(&self) -> Vec<String> {
        let symbol = self.unit.symbol();
        self.exercises
            .iter()
            .filter_map(|ex| {
                let sets: Vec<String> = ex
                    .sets
                    .iter()
                    .filter(|s| !s.is_blank())
                    .map(|s| {
                        let weight = match s.weight.trim() {
                            "" => "bodyweight".to_owned(),
                            w => format!("{w} {symbol}"),
                        };
                        let rpe = match s.rpe.trim() {
                            "" => String::new(),
                            r => format!(" @{r}"),
                        };
                        let kind = match domain::SetKind::parse(s.kind.trim()) {
                            Some(k) if !k.is_working() => format!(" ({})", kind_label(k)),
                            _ => String::new(),
                        };
                        format!("{weight} × {}{rpe}{kind}", s.reps.trim())
                    })
                    .collect();
                if sets.is_empty() {
                    return None;
                }
                let name = match &ex.extra {
                    Some((slug, name)) if *slug == ex.exercise => name.as_str(),
                    _ => domain::catalog::display_name(&ex.exercise),
                };
                Some(format!("{name}: {}", sets.join(", ")))
            })
            .collect()
    }
}

/// A set kind as the form and History name it.
pub fn kind_label(kind: domain::SetKind) -> &'static str {
    match kind {
        domain::SetKind::Working => "working",
        domain::SetKind::Warmup => "warm-up",
        domain::SetKind::Drop => "drop set",
        domain::SetKind::Failure => "to failure",
    }
}

/// What a field path's names are called on the page; a name not here is shown as it is.
/// `public/offline-ui.js` labels the problems of a workout refused from the outbox with a copy
/// of this table (the page script is plain JavaScript, loaded before any Wasm): a test checks
/// that the two are the same.
pub const FIELD_LABELS: [(&str, &str); 5] = [
    ("exercises", "Exercise"),
    ("sets", "set"),
    ("weight_kg", "weight"),
    ("performed_at", "date"),
    ("id", "workout id"),
];

/// Labels a validator field path for people: `exercises[1].sets[2].reps` → "Exercise 2, set 3: reps".
pub fn describe_field(field: &str) -> String {
    let mut parts = Vec::new();
    for segment in field.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let label = FIELD_LABELS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(name, |(_, label)| label);
        parts.push(match index {
            Some(i) => format!("{label} {}", i + 1),
            None => label.to_owned(),
        });
    }
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(if i == parts.len() - 1 { ": " } else { ", " });
        }
        out.push_str(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// `const LABELS = { name: "Label", … };` of `public/offline-ui.js`, as pairs.
    fn js_labels() -> Vec<(String, String)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../public/offline-ui.js");
        let script = std::fs::read_to_string(path).expect("public/offline-ui.js");
        let line = script
            .lines()
            .find_map(|l| l.trim().strip_prefix("const LABELS = {"))
            .expect("offline-ui.js declares its LABELS on one line");
        let body = line.trim_end_matches(';').trim_end().trim_end_matches('}');
        body.split(',')
            .map(|pair| {
                let (name, label) = pair.split_once(':').expect("name: \"label\"");
                (
                    name.trim().to_owned(),
                    label.trim().trim_matches('"').to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn the_outbox_labels_fields_as_the_log_form_does() {
        let rust: Vec<(String, String)> = FIELD_LABELS
            .iter()
            .map(|(n, l)| ((*n).to_owned(), (*l).to_owned()))
            .collect();
        assert_eq!(
            js_labels(),
            rust,
            "public/offline-ui.js LABELS differ from FIELD_LABELS"
        );
        assert_eq!(
            describe_field("exercises[1].sets[2].weight_kg"),
            "Exercise 2, set 3: weight"
        );
        assert_eq!(describe_field("performed_at"), "date");
        assert_eq!(
            describe_field("exercises[0].exercise"),
            "Exercise 1: exercise"
        );
    }

    /// The body as the API reads it.
    fn json_of(draft: &WorkoutDraft) -> (Value, FormPositions) {
        let (body, positions) = draft.to_body();
        (
            serde_json::to_value(body).expect("a body serializes"),
            positions,
        )
    }

    fn set(w: &str, r: &str, rpe: &str) -> SetDraft {
        SetDraft {
            weight: w.into(),
            reps: r.into(),
            rpe: rpe.into(),
            kind: String::new(),
            stored_kg: None,
        }
    }

    #[test]
    fn skips_blank_rows_and_empty_exercises() {
        let draft = WorkoutDraft {
            notes: String::new(),
            base_revision: None,
            id: "x".into(),
            performed_at: "2026-11-23T10:00:00Z".into(),
            unit: Unit::Kg,
            exercises: vec![
                ExerciseDraft {
                    extra: None,
                    exercise: "squat".into(),
                    notes: String::new(),
                    group: String::new(),
                    sets: vec![
                        set("100", "5", "8.5"),
                        set("", "", ""),
                        set("102,5", "3", ""),
                    ],
                },
                ExerciseDraft {
                    notes: String::new(),
                    group: String::new(),
                    extra: None,
                    exercise: "bench-press".into(),
                    sets: vec![set(" ", "", "")],
                },
            ],
        };
        let (body, positions) = json_of(&draft);
        assert_eq!(
            body,
            json!({"id": "x", "performed_at": "2026-11-23T10:00:00Z", "exercises": [
                {"exercise": "squat", "sets": [{"weight_kg": 100, "reps": 5, "rpe": 8.5}, {"weight_kg": 102.5, "reps": 3}]}
            ]})
        );
        // The second JSON set is the form's third row.
        assert_eq!(
            positions.to_form_field("exercises[0].sets[1].reps"),
            "exercises[0].sets[2].reps"
        );
        assert_eq!(
            positions.to_form_field("exercises[0].exercise"),
            "exercises[0].exercise"
        );
        assert_eq!(positions.to_form_field("performed_at"), "performed_at");
    }

    #[test]
    fn sends_pounds_as_kilograms() {
        let draft = WorkoutDraft {
            unit: Unit::Lb,
            exercises: vec![ExerciseDraft {
                notes: String::new(),
                group: String::new(),
                extra: None,
                exercise: "squat".into(),
                sets: vec![
                    set("225", "5", "8"),
                    set("", "10", ""),
                    set("lots", "1", ""),
                ],
            }],
            ..Default::default()
        };
        let sets = &json_of(&draft).0["exercises"][0]["sets"];
        let kg = sets[0]["weight_kg"].as_f64().unwrap();
        assert!((kg - 102.058_283_25).abs() < 1e-6, "{kg}");
        assert!(
            (Unit::Lb.from_kg(kg) - 225.0).abs() < 1e-9,
            "round-trips to 225 lb"
        );
        assert_eq!(sets[0]["rpe"], json!(8), "RPE is not a weight");
        assert_eq!(sets[1]["weight_kg"], json!(0), "blank is bodyweight");
        assert_eq!(
            sets[2]["weight_kg"],
            json!("lots"),
            "text is left for the validator"
        );
    }

    #[test]
    fn maps_positions_past_skipped_exercises() {
        let draft = WorkoutDraft {
            exercises: vec![
                ExerciseDraft {
                    notes: String::new(),
                    group: String::new(),
                    extra: None,
                    exercise: "squat".into(),
                    sets: vec![set("", "", "")],
                },
                ExerciseDraft {
                    notes: String::new(),
                    group: String::new(),
                    extra: None,
                    exercise: "dip".into(),
                    sets: vec![set("", "", ""), set("0", "0", "")],
                },
            ],
            ..Default::default()
        };
        let (_, positions) = json_of(&draft);
        assert_eq!(
            positions.to_form_field("exercises[0].sets[0].reps"),
            "exercises[1].sets[1].reps"
        );
        assert_eq!(
            positions.to_form_field("exercises[7].sets[0].reps"),
            "exercises[7].sets[0].reps"
        );
    }

    #[test]
    fn passes_non_numbers_through_for_the_validator_to_name() {
        let draft = WorkoutDraft {
            exercises: vec![ExerciseDraft {
                notes: String::new(),
                group: String::new(),
                extra: None,
                exercise: "squat".into(),
                sets: vec![set("heavy", "", "")],
            }],
            ..Default::default()
        };
        assert_eq!(
            json_of(&draft).0["exercises"][0]["sets"][0],
            json!({"weight_kg": "heavy", "reps": ""})
        );
    }

    #[test]
    fn a_kept_draft_comes_back_in_the_unit_the_form_shows() {
        let kept = WorkoutDraft {
            unit: Unit::Kg,
            exercises: vec![ExerciseDraft {
                notes: String::new(),
                group: String::new(),
                exercise: "squat".into(),
                extra: None,
                sets: vec![
                    set("100", "5", "8"),
                    set("", "10", ""),
                    set("heavy", "1", ""),
                ],
            }],
            ..Default::default()
        };
        let lb = kept.clone().in_unit(Unit::Lb);
        assert_eq!(lb.unit, Unit::Lb);
        let sets = &lb.exercises[0].sets;
        assert_eq!(sets[0].weight, "220.46");
        assert_eq!(sets[0].rpe, "8", "RPE is not a weight");
        assert_eq!(sets[1].weight, "", "bodyweight stays blank");
        assert_eq!(sets[2].weight, "heavy", "text stays for the validator");
        assert_eq!(
            kept.clone().in_unit(Unit::Kg),
            kept,
            "same unit, same draft"
        );
    }

    #[test]
    fn a_draft_survives_its_round_trip_through_json() {
        let draft = WorkoutDraft {
            notes: String::new(),
            base_revision: None,
            id: "0193".into(),
            performed_at: "2026-12-01T07:30".into(),
            unit: Unit::Lb,
            exercises: vec![ExerciseDraft {
                notes: String::new(),
                group: String::new(),
                exercise: "my-sled-push".into(),
                extra: Some(("my-sled-push".into(), "Sled push".into())),
                sets: vec![set("90", "8", "")],
            }],
        };
        let text = serde_json::to_string(&draft).unwrap();
        assert_eq!(serde_json::from_str::<WorkoutDraft>(&text).unwrap(), draft);
    }

    #[test]
    fn summarizes_what_was_typed() {
        let draft = WorkoutDraft {
            unit: Unit::Kg,
            exercises: vec![
                ExerciseDraft {
                    notes: String::new(),
                    group: String::new(),
                    exercise: "squat".into(),
                    extra: None,
                    sets: vec![set("100", "5", "8"), set("", "", ""), set("", "12", "")],
                },
                ExerciseDraft {
                    notes: String::new(),
                    group: String::new(),
                    exercise: "my-sled-push".into(),
                    extra: Some(("my-sled-push".into(), "Sled push".into())),
                    sets: vec![set("40", "10", "")],
                },
                ExerciseDraft {
                    notes: String::new(),
                    group: String::new(),
                    exercise: "deadlift".into(),
                    extra: None,
                    sets: vec![set("", "", "")],
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            draft.summary_lines(),
            vec![
                format!(
                    "{}: 100 kg × 5 @8, bodyweight × 12",
                    domain::catalog::display_name("squat")
                ),
                "Sled push: 40 kg × 10".to_owned(),
            ]
        );
    }

    #[test]
    fn an_edited_workout_keeps_its_stored_loads_unless_they_are_retyped() {
        let opened = |stored: f64| SetDraft {
            weight: shown(stored, Unit::Lb),
            reps: "5".into(),
            stored_kg: Some(stored),
            ..SetDraft::default()
        };
        let mut retyped = opened(100.0);
        retyped.weight = "225".into();
        let draft = WorkoutDraft {
            unit: Unit::Lb,
            exercises: vec![ExerciseDraft {
                exercise: "squat".into(),
                sets: vec![opened(100.0), retyped, opened(0.0)],
                ..ExerciseDraft::default()
            }],
            ..WorkoutDraft::default()
        };
        let sets = &json_of(&draft).0["exercises"][0]["sets"];
        assert_eq!(
            sets[0]["weight_kg"],
            json!(100.0),
            "220.46 lb shown, 100 kg sent"
        );
        assert!((sets[1]["weight_kg"].as_f64().unwrap() - 102.058).abs() < 1e-3);
        assert_eq!(
            sets[2]["weight_kg"],
            json!(0.0),
            "bodyweight stays bodyweight"
        );
    }

    #[test]
    fn sends_kinds_groups_notes_and_an_edit_s_revision_only_when_there_are_some() {
        let mut warmup = set("60", "5", "");
        warmup.kind = "warmup".into();
        let mut working = set("100", "5", "");
        working.kind = " working ".into();
        let draft = WorkoutDraft {
            id: " w1 ".into(),
            notes: "  felt good ".into(),
            exercises: vec![
                ExerciseDraft {
                    exercise: "squat".into(),
                    sets: vec![warmup, working],
                    notes: " belt ".into(),
                    group: "b".into(),
                    extra: None,
                },
                ExerciseDraft {
                    exercise: "dip".into(),
                    sets: vec![set("", "10", "")],
                    notes: "  ".into(),
                    group: "?".into(),
                    extra: None,
                },
            ],
            ..Default::default()
        };
        let (mut body, _) = draft.to_body();
        let sent = serde_json::to_value(&body).expect("a body serializes");
        assert_eq!(
            sent,
            json!({"id": "w1", "performed_at": "", "notes": "felt good", "exercises": [
                {"exercise": "squat", "notes": "belt", "group": 2, "sets": [
                    {"weight_kg": 60, "reps": 5, "kind": "warmup"},
                    {"weight_kg": 100, "reps": 5}
                ]},
                {"exercise": "dip", "sets": [{"weight_kg": 0, "reps": 10}]}
            ]})
        );
        body.revision = Some(42);
        let edited = serde_json::to_value(&body).expect("a body serializes");
        assert_eq!(edited["revision"], json!(42));
    }

    #[test]
    fn describes_fields() {
        assert_eq!(
            describe_field("exercises[1].sets[2].reps"),
            "Exercise 2, set 3: reps"
        );
        assert_eq!(describe_field("performed_at"), "date");
        assert_eq!(describe_field("exercises"), "Exercise");
    }
}
