//! Browser-side calls to the JSON API (hydrate only), over `gloo-net`'s fetch wrapper (already
//! in the Wasm: `leptos_router` and `server_fn` use it). Requests keep fetch's default
//! credentials mode, `same-origin`: the session cookie goes with every call to the API.
//! Workouts are saved through the device's outbox instead (`device.rs`).

use std::time::Duration;

use domain::Problem;
use gloo_net::http::Request;
use gloo_timers::future::sleep;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    problems: Vec<Problem>,
}

/// A `datetime-local` value is in the device's time zone; empty means now.
pub fn to_rfc3339(local: &str) -> String {
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

/// Now on the device's clock, as a `datetime-local` field holds it (`2026-12-01T07:30`).
pub fn now_local() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// An RFC 3339 time as a `datetime-local` field shows it, in the device's time zone.
pub fn local_input(rfc3339: &str) -> String {
    let d = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if d.get_time().is_nan() {
        return rfc3339.chars().take(16).collect();
    }
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// The API's error answer, or `fallback` as its message when the body is not one.
fn error_body(text: &str, fallback: impl FnOnce() -> String) -> ErrorBody {
    serde_json::from_str(text).unwrap_or_else(|_| ErrorBody {
        message: fallback(),
        problems: Vec::new(),
    })
}

/// Polls `GET /api/v1/workouts/{id}` every half second, at most `polls` times; true once the
/// workout is stored at `revision` or later (an edit), or at all.
pub async fn wait_until_stored(id: &str, revision: Option<u64>, polls: u32) -> bool {
    #[derive(Deserialize)]
    struct Stored {
        #[serde(default)]
        revision: u64,
    }
    let url = format!("/api/v1/workouts/{id}");
    for _ in 0..polls {
        sleep(Duration::from_millis(500)).await;
        let Ok(response) = Request::get(&url).send().await else {
            continue;
        };
        if !response.ok() {
            continue;
        }
        match revision {
            None => return true,
            Some(want) => {
                if response
                    .json::<Stored>()
                    .await
                    .is_ok_and(|s| s.revision >= want)
                {
                    return true;
                }
            }
        }
    }
    false
}

/// GETs JSON from the API; a failure is a sentence for the page.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, String> {
    let failed = |_| "Couldn't reach the server; check your connection and reload.".to_owned();
    let response = Request::get(url).send().await.map_err(failed)?;
    let text = response.text().await.map_err(failed)?;
    if !response.ok() {
        let status = response.status();
        return Err(error_body(&text, || format!("the server answered HTTP {status}")).message);
    }
    serde_json::from_str(&text).map_err(|e| format!("the server answered oddly ({e})"))
}

/// The user's whole history, oldest first, read 100 workouts a request; `on_progress` hears
/// how many have arrived.
pub async fn all_workouts(
    on_progress: impl Fn(usize),
) -> Result<Vec<domain::WorkoutLogged>, String> {
    #[derive(Deserialize)]
    struct PageView {
        items: Vec<domain::WorkoutLogged>,
        next: Option<String>,
    }
    let mut history = Vec::new();
    let mut url = "/api/v1/workouts?limit=100".to_owned();
    loop {
        let page: PageView = get_json(&url).await?;
        history.extend(page.items);
        on_progress(history.len());
        match page.next {
            Some(next) => url = format!("/api/v1/workouts?limit=100&before={next}"),
            None => break,
        }
    }
    history.reverse();
    Ok(history)
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
    let response = Request::post(&format!("/api/v1/import{query}"))
        .header("Content-Type", "text/csv")
        .header("Accept", "application/x-ndjson")
        .body(text)
        .map_err(unreachable)?
        .send()
        .await
        .map_err(unreachable)?;
    if !response.ok() {
        let text = response.text().await.map_err(unreachable)?;
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
