//! The Log form's way to the device store (`public/device-store.js`, loaded by every page as
//! `IronlogStore`): the draft kept on every change, and saving through the outbox, which the
//! pages and the service worker replay. The store is JavaScript because the worker must run it
//! and has no Wasm; the form only calls it.

use crate::draft::{FormPositions, WorkoutBody};
use domain::Problem;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = IronlogStore, js_name = loadDraft, catch)]
    fn load_draft_js() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = IronlogStore, js_name = saveDraft, catch)]
    fn save_draft_js(form: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = IronlogStore, js_name = clearDraft, catch)]
    fn clear_draft_js() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = IronlogStore, js_name = save, catch)]
    fn save_js(
        body: JsValue,
        form: &str,
        summary: JsValue,
        positions: JsValue,
        method: &str,
    ) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = IronlogStore, js_name = isQuota)]
    fn is_quota_js(error: &JsValue) -> bool;
}

/// Why the device store could not do what was asked.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceError {
    /// The device has no room left for Ironlog's data.
    Full,
    /// The store is missing or failed (a private window without IndexedDB, a broken script).
    Unavailable(String),
}

impl DeviceError {
    fn from_js(error: JsValue) -> Self {
        // `isQuota` itself may be what is missing; then the store is unavailable anyway.
        let quota = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("IronlogStore"))
            .is_ok_and(|s| !s.is_undefined())
            && is_quota_js(&error);
        if quota {
            return DeviceError::Full;
        }
        let text = js_sys::JSON::stringify(&error)
            .ok()
            .and_then(|s| s.as_string())
            .filter(|s| s != "{}")
            .or_else(|| error.as_string())
            .unwrap_or_else(|| format!("{error:?}"));
        DeviceError::Unavailable(text)
    }
}

async fn call(promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, DeviceError> {
    let promise = promise.map_err(DeviceError::from_js)?;
    JsFuture::from(promise).await.map_err(DeviceError::from_js)
}

/// The saved form of the signed-in user, as `save_draft` was given it.
pub async fn load_draft() -> Result<Option<String>, DeviceError> {
    Ok(call(load_draft_js()).await?.as_string())
}

pub async fn save_draft(form: &str) -> Result<(), DeviceError> {
    call(save_draft_js(form)).await.map(drop)
}

pub async fn clear_draft() -> Result<(), DeviceError> {
    call(clear_draft_js()).await.map(drop)
}

/// Where a saved workout is now.
#[derive(Debug, Clone, PartialEq)]
pub enum Saved {
    /// The server accepted it.
    Stored { id: String },
    /// The server refused it; the problems name the JSON's fields.
    Refused {
        message: String,
        problems: Vec<Problem>,
    },
    /// In the outbox on this device: offline, the server busy, or the session over.
    Pending { reason: String },
    /// The device had no room: nothing was kept.
    Quota,
}

/// The store's answer as it comes, flat: serde's internally tagged enums buffer their input,
/// which costs the Wasm more than this struct does.
#[derive(Deserialize)]
struct Answer {
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    problems: Vec<Problem>,
    #[serde(default)]
    reason: String,
}

impl Answer {
    fn saved(self) -> Result<Saved, DeviceError> {
        Ok(match self.kind.as_str() {
            "stored" => Saved::Stored { id: self.id },
            "refused" => Saved::Refused {
                message: self.message,
                problems: self.problems,
            },
            "pending" => Saved::Pending {
                reason: self.reason,
            },
            "quota" => Saved::Quota,
            other => {
                return Err(DeviceError::Unavailable(format!(
                    "the device store answered {other:?}"
                )))
            }
        })
    }
}

/// What History shows of a workout while it waits in the outbox (public/offline-ui.js reads it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub lines: Vec<String>,
}

/// Saves the workout through the outbox: `body` is what the API takes, `form` the draft to
/// reopen it from if the server refuses it later, `summary` what History shows while it waits,
/// `positions` where the body's parts are in the form (to name a refusal's rows), and `method`
/// `POST` for a new workout or `PUT` for an edit.
pub async fn save(
    body: &WorkoutBody,
    form: &str,
    summary: &Summary,
    positions: &FormPositions,
    method: &str,
) -> Result<Saved, DeviceError> {
    // Handed to the store as JavaScript objects, which it keeps in IndexedDB as they are.
    let object = |json: serde_json::Result<String>| {
        let text =
            json.map_err(|e| DeviceError::Unavailable(format!("cannot write the workout: {e}")))?;
        js_sys::JSON::parse(&text).map_err(|e| DeviceError::Unavailable(format!("{e:?}")))
    };
    let answer = call(save_js(
        object(serde_json::to_string(body))?,
        form,
        object(serde_json::to_string(summary))?,
        object(serde_json::to_string(positions))?,
        method,
    ))
    .await?;
    let text = js_sys::JSON::stringify(&answer)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    serde_json::from_str::<Answer>(&text)
        .map_err(|e| DeviceError::Unavailable(format!("the device store answered oddly: {e}")))?
        .saved()
}
