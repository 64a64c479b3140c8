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
                let err = error_body(&text, || {
                    format!("The server refused the workout (HTTP {status}).")
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
    let response = send(&request).await?;
    Ok((response.status(), text_of(&response).await?))
}

/// Sends a request; an error means no answer at all.
async fn send(request: &Request) -> Result<Response, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    JsFuture::from(window.fetch_with_request(request))
        .await?
        .dyn_into()
}

async fn text_of(response: &Response) -> Result<String, JsValue> {
    Ok(JsFuture::from(response.text()?)
        .await?
        .as_string()
        .unwrap_or_default())
}

/// The API's error answer, or `fallback` as its message when the body is not one.
fn error_body(text: &str, fallback: impl FnOnce() -> String) -> ErrorBody {
    serde_json::from_str(text).unwrap_or_else(|_| ErrorBody {
        message: fallback(),
        problems: Vec::new(),
    })
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Polls `GET /api/v1/workouts/{id}` every half second, at most `polls` times; true once the
/// workout is stored.
pub async fn wait_until_stored(id: &str, polls: u32) -> bool {
    let url = format!("/api/v1/workouts/{id}");
    for _ in 0..polls {
        sleep(500).await;
        let Ok(request) = Request::new_with_str(&url) else {
            return false;
        };
        if send(&request).await.is_ok_and(|r| r.ok()) {
            return true;
        }
    }
    false
}

/// GETs JSON from the API; a failure is a sentence for the page.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, String> {
    let failed = |_| "Couldn't reach the server; check your connection and reload.".to_owned();
    let request = Request::new_with_str(url).map_err(failed)?;
    let response = send(&request).await.map_err(failed)?;
    let text = text_of(&response).await.map_err(failed)?;
    if !response.ok() {
        let status = response.status();
        return Err(error_body(&text, || format!("the server answered HTTP {status}")).message);
    }
    serde_json::from_str(&text).map_err(|e| format!("the server answered oddly ({e})"))
}

/// Sends an export file to `POST /api/v1/import`, reporting progress from the streamed
/// answer, and returns the summary.
pub async fn import_file(
    file: web_sys::File,
    query: &str,
    on_progress: impl Fn(usize, usize),
) -> Result<domain::import::Summary, String> {
    use domain::import::Progress;

    let unreachable =
        |_| "Couldn't reach the server; check your connection and try again.".to_owned();
    let text = JsFuture::from(file.text())
        .await
        .map_err(|_| "Couldn't read the file.".to_owned())?
        .as_string()
        .unwrap_or_default();
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(&text));
    let request = Request::new_with_str_and_init(&format!("/api/v1/import{query}"), &init)
        .map_err(unreachable)?;
    let headers = request.headers();
    headers
        .set("Content-Type", "text/csv")
        .map_err(unreachable)?;
    headers
        .set("Accept", "application/x-ndjson")
        .map_err(unreachable)?;
    let response = send(&request).await.map_err(unreachable)?;
    if !response.ok() {
        let text = text_of(&response).await.map_err(unreachable)?;
        let status = response.status();
        let err = error_body(&text, || {
            format!("The server refused the file (HTTP {status}).")
        });
        // The file's problem is the one worth showing ("the file is empty", a missing column).
        return Err(err.problems.into_iter().next().map_or(err.message, |p| {
            let mut m = p.message;
            if let Some(first) = m.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            format!("{m}.")
        }));
    }
    let body = response.body().ok_or("The server sent no answer.")?;
    let reader: web_sys::ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| "This browser cannot read the answer.".to_owned())?;
    let mut pending: Vec<u8> = Vec::new();
    let cut = "The connection broke before the import finished; import the same file again (nothing is added twice).";
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|_| cut.to_owned())?;
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if let Ok(value) = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")) {
            if let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>() {
                pending.extend(bytes.to_vec());
            }
        }
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            // From text, as every other answer is read: one JSON reader in the Wasm, not two.
            let text = std::str::from_utf8(&line).unwrap_or_default();
            match serde_json::from_str::<Progress>(text) {
                Ok(Progress::Progress { done, total }) => on_progress(done, total),
                Ok(Progress::Summary(summary)) => return Ok(summary),
                Err(_) => {}
            }
        }
        if done {
            return Err(cut.to_owned());
        }
    }
}
