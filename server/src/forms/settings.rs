//! `POST /settings`: the units-and-equipment form on Your data, a plain HTML form that needs no
//! JavaScript. The gym is checked whole, as `PUT /api/v1/profile` checks it, then saved, and
//! the browser goes back to Your data.

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::units::{Gym, Unit};
use domain::Problem;

use super::answer::{page, read_form, Answer, Back};
use super::signed_in::SignedIn;
use crate::error::ApiError;
use crate::state::AppState;
use crate::training::{profile_of, save_profile};

const BACK: Back = ("/data", "Back to your settings");

/// The form's fields as a gym. A unit switched while the numbers are still the other unit's
/// defaults takes the new unit's defaults, so "lb" does not leave a 20 lb bar behind.
pub fn gym_from_form(body: &[u8], current: &Gym) -> Result<Gym, Vec<Problem>> {
    let mut gym = current.clone();
    let mut problems = Vec::new();
    for (key, value) in form_urlencoded::parse(body) {
        let value = value.trim();
        let slot = match key.as_ref() {
            "unit" => {
                match Unit::from_symbol(value) {
                    Some(unit) => gym.unit = unit,
                    None => {
                        problems.push(Problem::new("unit", format!("\"{value}\" is not kg or lb")))
                    }
                }
                continue;
            }
            "plates" => {
                match domain::units::parse_plates(value) {
                    // The usual plates left as they were stay "the usual plates", so they
                    // follow the smallest plate and the unit.
                    Ok(pairs) if current.plates.is_empty() && pairs == current.plate_pairs() => {}
                    Ok(pairs) => gym.plates = pairs,
                    Err(m) => problems.push(Problem::new("plates", m)),
                }
                continue;
            }
            "bar" => &mut gym.bar,
            "smallest_plate" => &mut gym.smallest_plate,
            "dumbbell_step" => &mut gym.dumbbell_step,
            "machine_step" => &mut gym.machine_step,
            _ => continue,
        };
        match value.replace(',', ".").parse::<f64>() {
            Ok(v) => *slot = v,
            Err(_) => problems.push(Problem::new(
                key.as_ref(),
                format!("\"{value}\" is not a number"),
            )),
        }
    }
    if gym.unit != current.unit {
        let old_defaults = Gym::for_unit(current.unit);
        let same_numbers = |a: &Gym, b: &Gym| {
            (a.bar, a.smallest_plate, a.dumbbell_step, a.machine_step)
                == (b.bar, b.smallest_plate, b.dumbbell_step, b.machine_step)
        };
        if same_numbers(&gym, &old_defaults) {
            gym = Gym::for_unit(gym.unit);
        }
    }
    if problems.is_empty() {
        Ok(gym)
    } else {
        Err(problems)
    }
}

fn label(field: &str) -> &str {
    match field.trim_start_matches("gym.") {
        "unit" => "Unit",
        "bar" => "Bar",
        "smallest_plate" => "Smallest plate",
        "dumbbell_step" => "Dumbbell step",
        "machine_step" => "Machine step",
        "plates" => "Plates",
        other => other,
    }
}

fn refused(problems: &[Problem]) -> Response {
    let lines = problems
        .iter()
        .map(|p| format!("{}: {}", label(&p.field), p.message));
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Please fix your settings",
        Answer::list(lines),
        BACK,
    )
}

fn unavailable() -> Response {
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Not saved yet",
        Answer::text("Your settings are unavailable for a moment. Go back and save again."),
        BACK,
    )
}

pub async fn submit(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    body: Body,
) -> Response {
    let bytes = match read_form(body, BACK, crate::extract::MAX_BODY).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let Ok(mut profile) = profile_of(&state, &user.id).await else {
        return unavailable();
    };
    profile.gym = match gym_from_form(&bytes, &profile.gym) {
        Ok(gym) => gym,
        Err(problems) => return refused(&problems),
    };
    match save_profile(&state, &user.id, &profile).await {
        Ok(()) => Redirect::to("/data?saved=settings").into_response(),
        Err(ApiError::InvalidInput(problems)) => refused(&problems),
        Err(_) => unavailable(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_form_and_switches_defaults_with_the_unit() {
        let metric = Gym::metric();
        let gym = gym_from_form(
            b"unit=kg&bar=15&smallest_plate=0%2C5&dumbbell_step=2&machine_step=5",
            &metric,
        )
        .unwrap();
        assert_eq!(
            (gym.unit, gym.bar, gym.smallest_plate),
            (Unit::Kg, 15.0, 0.5)
        );

        // Only the unit changed: the pound defaults come with it.
        let untouched = b"unit=lb&bar=20&smallest_plate=1.25&dumbbell_step=2&machine_step=5";
        assert_eq!(gym_from_form(untouched, &metric).unwrap(), Gym::imperial());
        // The unit and the numbers changed: the numbers are kept.
        let typed = b"unit=lb&bar=35&smallest_plate=1.25&dumbbell_step=5&machine_step=10";
        let gym = gym_from_form(typed, &metric).unwrap();
        assert_eq!(
            (gym.unit, gym.bar, gym.smallest_plate),
            (Unit::Lb, 35.0, 1.25)
        );
    }

    #[test]
    fn names_what_is_not_a_number_or_unit() {
        let problems = gym_from_form(b"unit=stone&bar=heavy", &Gym::metric()).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["unit", "bar"]);
        assert_eq!(problems[1].message, "\"heavy\" is not a number");
    }

    #[test]
    fn plates_are_read_and_the_usual_ones_stay_the_usual_ones() {
        let metric = Gym::metric();
        let usual = domain::units::format_plates(&metric.plate_pairs());
        let body = format!(
            "unit=kg&bar=20&smallest_plate=1.25&dumbbell_step=2&machine_step=5&plates={usual}"
        );
        let gym = gym_from_form(body.as_bytes(), &metric).unwrap();
        assert!(
            gym.plates.is_empty(),
            "left as shown: still the usual plates"
        );
        let home = gym_from_form(b"plates=20%C3%972%2C+10%C3%972%2C+5x4", &metric).unwrap();
        assert_eq!(home.plates, vec![(20.0, 2), (10.0, 2), (5.0, 4)]);
        let problems = gym_from_form(b"plates=20%C3%97two", &metric).unwrap_err();
        assert_eq!(problems[0].field, "plates");
    }
}
