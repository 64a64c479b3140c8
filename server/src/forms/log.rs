//! `POST /log`: the Log form submitted without JavaScript (before hydration, or with scripts
//! off). It builds the same JSON the browser would and goes through the same validation and
//! publish, then redirects to History; errors come back as a plain page.

use std::collections::BTreeMap;

use app::draft::{describe_field, edit_revision, ExerciseDraft, SetDraft, WorkoutDraft};
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use domain::rules::{MAX_EXERCISES, MAX_SETS};
use service::ChangeError;

use super::admit::unit_field;
use super::answer::{page, read_form, Answer, Back};
use super::signed_in::SignedIn;
use crate::limits::RetryAfter;
use crate::state::AppState;

const BACK: Back = ("/", "Back to the Log form");

/// A bracketed form field name, e.g. `exercises[3][exercise]` or `exercises[3][sets][1][reps]`.
#[derive(Debug, PartialEq)]
enum Field<'a> {
    /// `exercise`, `notes` or `group` of an exercise.
    Exercise(usize, &'a str),
    Set {
        exercise: usize,
        set: usize,
        name: &'a str,
    },
}

fn parse_key(key: &str) -> Option<Field<'_>> {
    let rest = key.strip_prefix("exercises[")?;
    let (i, rest) = rest.split_once("][")?;
    let exercise: usize = i.parse().ok()?;
    match rest.strip_prefix("sets][") {
        Some(rest) => {
            let (j, rest) = rest.split_once("][")?;
            Some(Field::Set {
                exercise,
                set: j.parse().ok()?,
                name: rest.strip_suffix(']')?,
            })
        }
        None => {
            let part = rest.strip_suffix(']')?;
            ["exercise", "notes", "group"]
                .contains(&part)
                .then_some(Field::Exercise(exercise, part))
        }
    }
}

/// Indices past the limits are dropped here; the limits themselves are the validator's job,
/// and these bounds only stop a hostile form from making us allocate. A unit other than `kg`
/// or `lb` is refused (its message, for the page): read as kilograms, 225 lb would be stored
/// as 225 kg.
pub fn draft_from_form(body: &[u8]) -> Result<WorkoutDraft, String> {
    let mut draft = WorkoutDraft::default();
    let mut exercises: BTreeMap<usize, ExerciseDraft> = BTreeMap::new();
    for (key, value) in form_urlencoded::parse(body) {
        match key.as_ref() {
            "id" => draft.id = value.into_owned(),
            "performed_at" => draft.performed_at = value.into_owned(),
            "notes" => draft.notes = value.into_owned(),
            // Not a number: treated as a new log, whose validation then names what is wrong.
            "base_revision" => draft.base_revision = value.trim().parse().ok(),
            "unit" => draft.unit = unit_field(&value)?,
            other => match parse_key(other) {
                Some(Field::Exercise(i, part)) if i <= MAX_EXERCISES => {
                    let e = exercises.entry(i).or_default();
                    match part {
                        "exercise" => e.exercise = value.into_owned(),
                        "notes" => e.notes = value.into_owned(),
                        "group" => e.group = value.into_owned(),
                        _ => {}
                    }
                }
                Some(Field::Set {
                    exercise,
                    set,
                    name,
                }) if exercise <= MAX_EXERCISES && set <= MAX_SETS => {
                    let sets = &mut exercises.entry(exercise).or_default().sets;
                    if sets.len() <= set {
                        sets.resize(set + 1, SetDraft::default());
                    }
                    let s = &mut sets[set];
                    match name {
                        // `weight_kg`: the field's name before the form took pounds.
                        "weight" | "weight_kg" => s.weight = value.into_owned(),
                        "reps" => s.reps = value.into_owned(),
                        "rpe" => s.rpe = value.into_owned(),
                        "kind" => s.kind = value.into_owned(),
                        _ => {}
                    }
                }
                _ => {}
            },
        }
    }
    draft.exercises = exercises.into_values().collect();
    Ok(draft)
}

/// Without JavaScript the browser sends `datetime-local` text with no zone: read it as UTC.
fn resolve_performed_at(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        Utc::now().to_rfc3339()
    } else if t.len() == 16 {
        format!("{t}:00Z")
    } else if t.len() == 19 {
        format!("{t}Z")
    } else {
        t.to_owned()
    }
}

pub async fn submit(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    body: Body,
) -> Response {
    if let Err(RetryAfter(secs)) = state.limits.write(&user.id) {
        return page(
            StatusCode::TOO_MANY_REQUESTS,
            "Slow down",
            Answer::text(format!(
                "Too many workouts at once. Try again in {secs} s: saving twice is safe."
            )),
            BACK,
        );
    }
    let bytes = match read_form(body, BACK, crate::extract::MAX_BODY).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let mut draft = match draft_from_form(&bytes) {
        Ok(draft) => draft,
        Err(problem) => {
            return page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Please fix your workout",
                Answer::list([problem]),
                BACK,
            )
        }
    };
    draft.performed_at = resolve_performed_at(&draft.performed_at);
    let (mut form_body, positions) = draft.to_body();
    let revision = draft.base_revision.map(|base| {
        let now = u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0);
        edit_revision(base, now)
    });
    form_body.revision = revision;
    let body = match serde_json::to_value(&form_body) {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "the Log form's body did not serialize");
            return page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Not saved",
                Answer::text(
                    "The workout could not be read on the server. Go back and submit again.",
                ),
                BACK,
            );
        }
    };
    let accepted = match revision {
        None => state
            .changes
            .log(&user.id, &body)
            .await
            .map(|id| (id, None)),
        Some(revision) => match uuid::Uuid::try_parse(draft.id.trim()) {
            Ok(id) => state
                .changes
                .edit(&user.id, id, &body)
                .await
                .map(|id| (id, Some(revision))),
            Err(_) => Err(ChangeError::Invalid(vec![domain::Problem::new(
                "id",
                "must be the id of the workout edited",
            )])),
        },
    };
    match accepted {
        Ok((id, None)) => Redirect::to(&format!("/history?logged={id}")).into_response(),
        Ok((id, Some(revision))) => {
            Redirect::to(&format!("/history?logged={id}&revision={revision}")).into_response()
        }
        Err(ChangeError::Invalid(problems)) => {
            let lines = problems.iter().map(|p| {
                // Name the form's rows, not the JSON's positions (blank rows are skipped).
                let field = describe_field(&positions.to_form_field(&p.field));
                format!("{field} {}", p.message)
            });
            page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Please fix your workout",
                Answer::list(lines),
                BACK,
            )
        }
        Err(e) => page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Not saved yet",
            Answer::text(format!(
                "{e}. Go back and submit again: saving twice is safe."
            )),
            BACK,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::units::Unit;

    #[test]
    fn builds_a_draft_from_bracketed_names() {
        let body = "id=abc&performed_at=&exercises%5B1%5D%5Bexercise%5D=bench-press\
            &exercises%5B0%5D%5Bexercise%5D=squat&exercises%5B0%5D%5Bsets%5D%5B0%5D%5Bweight_kg%5D=100\
            &exercises%5B0%5D%5Bsets%5D%5B0%5D%5Breps%5D=5&exercises%5B0%5D%5Bsets%5D%5B0%5D%5Brpe%5D=\
            &exercises%5B1%5D%5Bsets%5D%5B0%5D%5Breps%5D=8&exercises%5B99999999999%5D%5Bexercise%5D=x";
        let d = draft_from_form(body.as_bytes()).unwrap();
        assert_eq!(d.id, "abc");
        assert_eq!(d.exercises.len(), 2);
        assert_eq!(d.exercises[0].exercise, "squat");
        assert_eq!(
            d.exercises[0].sets[0],
            SetDraft {
                weight: "100".into(),
                reps: "5".into(),
                rpe: String::new(),
                kind: String::new(),
                stored_kg: None,
            }
        );
        assert_eq!(d.exercises[1].sets[0].reps, "8");
        assert_eq!(d.unit, Unit::Kg);

        let lb = draft_from_form(
            b"unit=lb&exercises%5B0%5D%5Bexercise%5D=squat&exercises%5B0%5D%5Bsets%5D%5B0%5D%5Bweight%5D=225",
        )
        .unwrap();
        assert_eq!(lb.unit, Unit::Lb);
        assert_eq!(lb.exercises[0].sets[0].weight, "225");
        assert_eq!(draft_from_form(b"unit=kg").unwrap().unit, Unit::Kg);
        for unknown in ["LB", "stone", "", "kg%20"] {
            let body = format!("unit={unknown}");
            assert!(
                draft_from_form(body.as_bytes()).is_err_and(|m| m.contains("kg or lb")),
                "{unknown:?} was taken"
            );
        }
    }

    #[test]
    fn parses_field_names() {
        assert_eq!(
            parse_key("exercises[2][exercise]"),
            Some(Field::Exercise(2, "exercise"))
        );
        assert_eq!(
            parse_key("exercises[2][group]"),
            Some(Field::Exercise(2, "group"))
        );
        assert_eq!(
            parse_key("exercises[0][sets][4][rpe]"),
            Some(Field::Set {
                exercise: 0,
                set: 4,
                name: "rpe"
            })
        );
        for bad in [
            "exercises",
            "exercises[x][exercise]",
            "exercises[1][other]",
            "exercises[1][sets][y][reps]",
        ] {
            assert_eq!(parse_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_zone_less_times_as_utc() {
        assert_eq!(
            resolve_performed_at("2026-11-23T18:30"),
            "2026-11-23T18:30:00Z"
        );
        assert_eq!(
            resolve_performed_at("2026-11-23T18:30:00+01:00"),
            "2026-11-23T18:30:00+01:00"
        );
        assert!(resolve_performed_at("").ends_with("+00:00"));
    }
}
