//! `POST /progress/bodyweight` and `POST /progress/bodyweight/delete`: Progress's bodyweight
//! form and its Delete buttons, plain HTML forms. The weight comes in the unit the form was
//! shown in and is stored in kilograms.

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use domain::bodyweight::{Weighing, MAX_KG, MIN_KG};
use service::ProfileError;

use super::admit::{admit_write, field, unit_field};
use super::answer::{page, Answer, Back};
use super::signed_in::SignedIn;
use crate::state::AppState;

const BACK: Back = ("/progress#bodyweight", "Back to Progress");
const DONE: &str = "/progress#bodyweight";

/// The form's weighing, or what is wrong with it, in the form's unit.
pub fn weighing_from_form(body: &[u8]) -> Result<Weighing, Vec<String>> {
    let get = |name| field(body, name).unwrap_or_default().trim().to_owned();
    // The unit the weight was typed in: guessing one would store a wrong weight.
    let unit = unit_field(&get("unit")).map_err(|line| vec![line])?;
    let mut problems = Vec::new();
    let date = get("date");
    let date = date.parse::<NaiveDate>().map_err(|_| {
        problems.push(format!("Day: \"{date}\" is not a day"));
    });
    let weight = get("weight");
    let kg = weight
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|w| w.is_finite())
        .map(|w| unit.to_kg(w))
        .filter(|kg| (MIN_KG..=MAX_KG).contains(kg));
    if kg.is_none() {
        problems.push(format!(
            "Weight: \"{weight}\" is not a weight from {} to {}",
            unit.show(MIN_KG),
            unit.show(MAX_KG)
        ));
    }
    match (date, kg) {
        (Ok(date), Some(kg)) => Ok(Weighing { date, kg }),
        _ => Err(problems),
    }
}

fn unavailable(what: &str) -> Response {
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        what,
        Answer::text("Your bodyweight log is unavailable for a moment. Go back and try again."),
        BACK,
    )
}

pub async fn submit(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    body: Body,
) -> Response {
    let bytes = match admit_write(&state, &user, body, BACK).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let weighing = match weighing_from_form(&bytes) {
        Ok(w) => w,
        Err(problems) => {
            return page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Please fix your weighing",
                Answer::list(problems),
                BACK,
            )
        }
    };
    let today = chrono::Utc::now().date_naive();
    match state.training.weigh(&user.id, weighing, today).await {
        Ok(()) => Redirect::to(DONE).into_response(),
        Err(ProfileError::Invalid(problems)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please fix your weighing",
            Answer::list(problems.into_iter().map(|p| match p.field.as_str() {
                "date" => format!("Day: {}", p.message),
                "kg" => format!("Weight: {}", p.message),
                _ => p.message,
            })),
            BACK,
        ),
        Err(ProfileError::AccountGone) => Redirect::to("/login").into_response(),
        Err(ProfileError::Store(e)) => {
            tracing::warn!(error = %e, "a weighing was not saved");
            unavailable("Not saved yet")
        }
    }
}

pub async fn remove(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    body: Body,
) -> Response {
    let bytes = match admit_write(&state, &user, body, BACK).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let Some(date) = field(&bytes, "date").and_then(|d| d.trim().parse::<NaiveDate>().ok()) else {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not deleted",
            Answer::text("The form did not say which day's weighing to delete."),
            BACK,
        );
    };
    match state.training.unweigh(&user.id, date).await {
        // Already gone (a second tap, another tab) is what was asked for.
        Ok(_) => Redirect::to(DONE).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "a weighing was not deleted");
            unavailable("Not deleted yet")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_weight_in_the_forms_unit() {
        let w = weighing_from_form(b"date=2026-03-01&weight=81%2C5&unit=kg").unwrap();
        assert_eq!((w.date.to_string(), w.kg), ("2026-03-01".to_owned(), 81.5));
        let w = weighing_from_form(b"date=2026-03-01&weight=180&unit=lb").unwrap();
        assert!((w.kg - 81.646_627_4).abs() < 1e-6, "{}", w.kg);
        let problems = weighing_from_form(b"date=yesterday&weight=5000&unit=lb").unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[1].contains("lb"), "{problems:?}");
        let unknown = weighing_from_form(b"date=2026-03-01&weight=180&unit=stone").unwrap_err();
        assert_eq!(unknown, ["Unit: \"stone\" is not kg or lb"]);
    }
}
