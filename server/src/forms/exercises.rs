//! `POST /exercises/save`: the Programs page's form for the user's own exercises (new ones, and
//! those an import guessed): name, equipment, load step in the user's unit, primary and
//! secondary muscles.

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::catalog::{ExerciseInfo, Muscle};
use domain::units::{Equipment, Unit};

use super::admit::unit_field;
use super::answer::{page, Answer};
use super::profile_change::{change, BACK};
use super::signed_in::SignedIn;
use crate::state::AppState;

/// The form as an exercise (its slug empty for a new one), or what is wrong with it.
pub fn exercise_from_form(body: &[u8]) -> Result<ExerciseInfo, Vec<String>> {
    let mut problems = Vec::new();
    let mut exercise = ExerciseInfo {
        slug: String::new(),
        name: String::new(),
        equipment: Equipment::Machine,
        increment_kg: 0.0,
        primary: Vec::new(),
        secondary: Vec::new(),
        custom: true,
    };
    let mut unit = None;
    let mut step = None;
    for (key, value) in form_urlencoded::parse(body) {
        let value = value.trim();
        match key.as_ref() {
            "slug" => exercise.slug = value.to_owned(),
            "name" => exercise.name = value.to_owned(),
            "unit" => unit = Some(unit_field(value)),
            "equipment" => match serde_json::from_value(serde_json::json!(value)) {
                Ok(e) => exercise.equipment = e,
                Err(_) => problems.push(format!("Equipment: \"{value}\" is not one we know")),
            },
            "step" => step = Some(value.replace(',', ".")),
            "primary" | "secondary" => {
                let Some(m) = Muscle::ALL.iter().find(|m| m.name() == value) else {
                    problems.push(format!("Muscles: \"{value}\" is not a muscle group"));
                    continue;
                };
                let list = if key == "primary" {
                    &mut exercise.primary
                } else {
                    &mut exercise.secondary
                };
                if !list.contains(m) {
                    list.push(*m);
                }
            }
            _ => {}
        }
    }
    // The unit the load step was typed in: guessing one would store a wrong step.
    let unit = match unit {
        Some(Ok(unit)) => unit,
        Some(Err(line)) => {
            problems.push(line);
            Unit::Kg
        }
        None => {
            problems.push("Unit: the form did not say which unit the load step is in".to_owned());
            Unit::Kg
        }
    };
    match step.as_deref().map(str::parse::<f64>) {
        Some(Ok(v)) if v.is_finite() => exercise.increment_kg = unit.to_kg(v),
        _ => problems.push(format!(
            "Load step: \"{}\" is not a number",
            step.unwrap_or_default()
        )),
    }
    if exercise.primary.is_empty() {
        problems.push("Muscles: choose at least one primary muscle group".to_owned());
    }
    exercise.secondary.retain(|m| !exercise.primary.contains(m));
    if problems.is_empty() {
        Ok(exercise)
    } else {
        Err(problems)
    }
}

pub async fn save(State(state): State<AppState>, SignedIn(user): SignedIn, body: Body) -> Response {
    change(state, user, body, |profile, form| {
        let exercise = exercise_from_form(form).map_err(|problems| {
            Box::new(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Please fix the exercise",
                Answer::list(problems),
                BACK,
            ))
        })?;
        profile
            .save_exercise(exercise)
            .map(|slug| format!("/programs#exercise-{slug}"))
            .ok_or_else(|| {
                Box::new(page(
                    StatusCode::FORBIDDEN,
                    "Not saved",
                    Answer::text("Built-in exercises stay as they are: add one of your own."),
                    BACK,
                ))
            })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_exercise_in_the_forms_unit() {
        let e = exercise_from_form(
            b"slug=&name=Zercher+squat&equipment=barbell&unit=lb&step=5&primary=Quads&primary=Glutes&secondary=Glutes&secondary=Abs",
        )
        .unwrap();
        assert_eq!(e.name, "Zercher squat");
        assert_eq!(e.equipment, Equipment::Barbell);
        assert!(
            (e.increment_kg - 2.267_96).abs() < 1e-4,
            "{}",
            e.increment_kg
        );
        assert_eq!(e.primary, [Muscle::Quads, Muscle::Glutes]);
        assert_eq!(
            e.secondary,
            [Muscle::Abs],
            "a primary mover is not also secondary"
        );
        let problems = exercise_from_form(b"name=X&unit=kg&equipment=rope&step=a").unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        for (form, problem) in [
            (
                &b"name=X&unit=stone&step=5&primary=Quads"[..],
                "Unit: \"stone\" is not kg or lb",
            ),
            (
                b"name=X&step=5&primary=Quads",
                "Unit: the form did not say which unit the load step is in",
            ),
        ] {
            assert_eq!(exercise_from_form(form).unwrap_err(), [problem]);
        }
    }
}
