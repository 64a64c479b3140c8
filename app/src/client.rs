//! Browser-side calls to the JSON API (hydrate only). Plain `fetch` keeps the bundle small.

use domain::Problem;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

use crate::log::draft::WorkoutDraft;

pub enum SubmitError {
    Invalid(Vec<Problem>),
    Failed(String),
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    problems: Vec<Problem>,
}

#[derive(Deserialize)]
struct Accepted {
    id: String,
}

/// Attempts before giving up on a busy server; the same id makes every attempt safe.
const ATTEMPTS: u32 = 5;

/// Posts the workout, retrying with backoff on 503 or network failure. Returns the saved id.
pub async fn submit_workout(
    mut draft: WorkoutDraft,
    on_retry: impl Fn(u32),
) -> Result<String, SubmitError> {
    draft.performed_at = to_rfc3339(&draft.performed_at);
    let (body, positions) = draft.to_json();
    let body = body.to_string();
    let mut delay_ms = 500;
    for attempt in 1..=ATTEMPTS {
        match post_json("/api/v1/workouts", &body).await {
            Ok((202, text)) => {
                return serde_json::from_str::<Accepted>(&text)
                    .map(|a| a.id)
                    .map_err(|_| {
                        SubmitError::Failed("The server answered oddly; please try again.".into())
                    });
            }
            Ok((status, text)) if (400..500).contains(&status) => {
                let err: ErrorBody = serde_json::from_str(&text).unwrap_or(ErrorBody {
                    message: format!("The server refused the workout (HTTP {status})."),
                    problems: Vec::new(),
                });
                return Err(if err.problems.is_empty() {
                    SubmitError::Failed(err.message)
                } else {
                    // Name the rows the person sees, not the JSON's positions.
                    let problems = err
                        .problems
                        .into_iter()
                        .map(|p| Problem::new(positions.to_form_field(&p.field), p.message))
                        .collect();
                    SubmitError::Invalid(problems)
                });
            }
            // 503, other 5xx, or no answer at all: keep the id and try again.
            _ if attempt < ATTEMPTS => {
                on_retry(attempt);
                sleep(delay_ms).await;
                delay_ms *= 2;
            }
            _ => {}
        }
    }
    Err(SubmitError::Failed(
        "Couldn't reach the server. Your entries are still here: press Save again when you're back online (saving twice is safe)."
            .into(),
    ))
}

/// A `datetime-local` value is in the device's time zone; empty means now.
fn to_rfc3339(local: &str) -> String {
    let date = if local.trim().is_empty() {
        js_sys::Date::new_0()
    } else {
        js_sys::Date::new(&JsValue::from_str(local))
    };
    if date.get_time().is_nan() {
        return local.to_owned();
    }
    date.to_iso_string().as_string().unwrap_or_default()
}

async fn post_json(url: &str, body: &str) -> Result<(u16, String), JsValue> {
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    let request = Request::new_with_str_and_init(url, &init)?;
    request.headers().set("Content-Type", "application/json")?;
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await?
        .dyn_into()?;
    let text = JsFuture::from(response.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), text))
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}
