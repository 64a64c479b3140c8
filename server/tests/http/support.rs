//! Shared by the integration tests: a client for the JSON API and the bad-input matrix.
#![allow(dead_code)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use uuid::Uuid;

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(256)
        .build()
        .expect("client")
}

pub const PASSWORD: &str = "correct horse battery";

/// The `name=value` of the session cookie in a response, if it sets one.
pub fn session_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("ironlog_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// A client that sends `cookie` with every request.
pub fn client_with_cookie(cookie: &str) -> reqwest::Client {
    client_with_header("cookie", cookie)
}

/// A client that sends the header `name: value` with every request and follows no redirect.
pub fn client_with_header(name: &'static str, value: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(name, value.parse().expect("a header-safe value"));
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(256)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("client")
}

/// Signs up a fresh account; returns its email and session cookie.
pub async fn sign_up(base: &str) -> (String, String) {
    let email = format!("lifter-{}@example.com", Uuid::now_v7());
    let resp = client()
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("sign-up answers");
    assert_eq!(resp.status(), 201, "sign-up");
    let cookie = session_cookie(&resp).expect("sign-up sets a session cookie");
    (email, cookie)
}

/// Signs up a fresh account and returns a client that acts as it.
pub async fn signed_in_client(base: &str) -> reqwest::Client {
    let (_, cookie) = sign_up(base).await;
    client_with_cookie(&cookie)
}

pub fn workout(id: Uuid, reps: u32) -> Value {
    json!({
        "id": id,
        "performed_at": "2026-11-20T17:30:00Z",
        "exercises": [
            {"exercise": "squat", "sets": [{"weight_kg": 100.0, "reps": reps, "rpe": 8.0}, {"weight_kg": 100.0, "reps": reps}]},
            {"exercise": "bench-press", "sets": [{"weight_kg": 72.5, "reps": 8}]}
        ]
    })
}

/// Posts a workout; returns the status, the Retry-After header and how long the answer took.
pub async fn post(
    client: &reqwest::Client,
    base: &str,
    body: &Value,
) -> (u16, Option<String>, Duration) {
    let started = Instant::now();
    let result = client
        .post(format!("{base}/api/v1/workouts"))
        .json(body)
        .send()
        .await;
    let took = started.elapsed();
    match result {
        Ok(r) => {
            let retry = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            (r.status().as_u16(), retry, took)
        }
        Err(_) => (0, None, took),
    }
}

/// Every workout id the API lists, walking all pages.
/// The `field` of every problem in a 4xx answer, in order.
pub async fn problem_fields(resp: reqwest::Response) -> Vec<String> {
    let body: Value = resp.json().await.expect("a JSON error");
    body["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["field"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// GET `url` and read the answer as JSON.
pub async fn get_json(client: &reqwest::Client, url: &str) -> Value {
    client
        .get(url)
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("a JSON answer")
}

pub async fn listed_ids(client: &reqwest::Client, base: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut url = format!("{base}/api/v1/workouts?limit=100");
    loop {
        let page = get_json(client, &url).await;
        for item in page["items"].as_array().expect("items") {
            ids.push(item["id"].as_str().expect("id").to_owned());
        }
        match page["next"].as_str() {
            Some(next) => url = format!("{base}/api/v1/workouts?limit=100&before={next}"),
            None => return ids,
        }
    }
}

/// Waits until the API lists exactly `expected`, then checks no duplicates appear.
pub async fn await_exactly(
    client: &reqwest::Client,
    base: &str,
    expected: &HashSet<String>,
    within: Duration,
) {
    let deadline = Instant::now() + within;
    let mut last = Vec::new();
    while Instant::now() < deadline {
        last = listed_ids(client, base).await;
        if last.len() == expected.len() && last.iter().cloned().collect::<HashSet<_>>() == *expected
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let got: HashSet<String> = last.iter().cloned().collect();
    let missing = expected.difference(&got).count();
    let extra = got.difference(expected).count();
    panic!(
        "after {within:?} the API lists {} records ({} distinct): {missing} missing, {extra} unexpected",
        last.len(),
        got.len()
    );
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Bad requests must get a 4xx with a JSON body naming every problem, never a 5xx.
pub async fn assert_bad_inputs_rejected(client: &reqwest::Client, base: &str) {
    let url = format!("{base}/api/v1/workouts");
    let raw = |body: &'static str| body.as_bytes().to_vec();
    struct Case {
        name: &'static str,
        body: Vec<u8>,
        content_type: &'static str,
        status: u16,
        fields: Vec<&'static str>,
    }
    let case = |name, body, content_type, status, fields| Case {
        name,
        body,
        content_type,
        status,
        fields,
    };
    let cases: Vec<Case> = vec![
        case(
            "malformed JSON",
            raw("{\"id\": "),
            "application/json",
            400,
            vec![],
        ),
        case(
            "not JSON at all",
            raw("hello"),
            "application/json",
            400,
            vec![],
        ),
        case("wrong content type", raw("{}"), "text/plain", 415, vec![]),
        case(
            "wrong types",
            raw(
                r#"{"id": 5, "performed_at": true, "exercises": [{"exercise": 1, "sets": [{"weight_kg": "heavy", "reps": "five", "rpe": []}]}]}"#,
            ),
            "application/json",
            422,
            vec![
                "id",
                "performed_at",
                "exercises[0].exercise",
                "exercises[0].sets[0].weight_kg",
                "exercises[0].sets[0].reps",
                "exercises[0].sets[0].rpe",
            ],
        ),
        case(
            "out of range",
            raw(
                r#"{"id": "0192e4a0-7b1c-7cc0-a5b2-3f0c1d2e4f5a", "performed_at": "1970-01-01T00:00:00Z", "exercises": [{"exercise": "squat", "sets": [{"weight_kg": 5000, "reps": 0, "rpe": 12}]}]}"#,
            ),
            "application/json",
            422,
            vec![
                "performed_at",
                "exercises[0].sets[0].weight_kg",
                "exercises[0].sets[0].reps",
                "exercises[0].sets[0].rpe",
            ],
        ),
        case(
            "unknown fields",
            raw(
                r#"{"id": "0192e4a0-7b1c-7cc0-a5b2-3f0c1d2e4f5a", "performed_at": "2026-11-20T17:30:00Z", "user_id": "mallory", "exercises": [{"exercise": "squat", "comment": "x", "sets": [{"weight_kg": 100, "reps": 5, "tempo": 1}]}]}"#,
            ),
            "application/json",
            422,
            vec![
                "user_id",
                "exercises[0].comment",
                "exercises[0].sets[0].tempo",
            ],
        ),
        case(
            "empty object",
            raw("{}"),
            "application/json",
            422,
            vec!["id", "performed_at", "exercises"],
        ),
        case(
            "too large",
            vec![b' '; 64 * 1024 + 1],
            "application/json",
            413,
            vec![],
        ),
    ];
    for Case {
        name,
        body,
        content_type,
        status,
        fields,
    } in cases
    {
        let response = client
            .post(&url)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(response.status().as_u16(), status, "{name}");
        if status == 413 {
            // Its body was never read: the client must not send another request on it.
            assert_eq!(
                response.headers().get("connection").map(|v| v.as_bytes()),
                Some(&b"close"[..]),
                "{name}"
            );
        }
        let json: Value = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("{name}: error body is not JSON: {e}"));
        assert!(
            json["error"].is_string() && json["message"].is_string(),
            "{name}: {json}"
        );
        let mut got: Vec<&str> = json["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .map(|p| p["field"].as_str().expect("field"))
            .collect();
        got.sort_unstable();
        let mut want = fields.clone();
        want.sort_unstable();
        assert_eq!(got, want, "{name}: {json}");
    }
    // Query problems are named too.
    let r = client
        .get(format!("{url}?limit=1000&before=nope&x=1"))
        .send()
        .await
        .expect("list");
    assert_eq!(r.status().as_u16(), 400);
    let json: Value = r.json().await.expect("json");
    assert_eq!(json["problems"].as_array().map(Vec::len), Some(3), "{json}");
    let r = client
        .get(format!("{url}/{}", Uuid::now_v7()))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 404);
}

/// The server built in this process by `server::Application` on a free port, with settings
/// given as the variables the binary reads (turned into its flags), running on a runtime of
/// its own so a test's runtime only drives the test. Stopped when dropped.
pub struct InProcess {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl InProcess {
    pub fn start(env: &[(&str, String)]) -> anyhow::Result<Self> {
        let mut args = vec![
            "ironlog-server".to_owned(),
            "--site-addr".into(),
            "127.0.0.1:0".into(),
        ];
        for (name, value) in env {
            let flag = server::Config::flag_for(name)
                .ok_or_else(|| anyhow::anyhow!("{name} is not a setting of the server"))?;
            args.push(flag);
            args.push(value.clone());
        }
        let config = server::Config::from_args(args)?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    let _ = ready_tx.send(Err(anyhow::Error::from(e)));
                    return;
                }
            };
            runtime.block_on(async move {
                let options = leptos::prelude::LeptosOptions::builder()
                    .output_name("ironlog")
                    .build();
                match server::Application::build(config, options).await {
                    Ok(app) => {
                        let _ = ready_tx.send(Ok(app.local_addr()));
                        let _ = app
                            .run_until(async move {
                                let _ = stop_rx.await;
                            })
                            .await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(anyhow::Error::from(e)));
                    }
                }
            });
        });
        let addr = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .map_err(|e| anyhow::anyhow!("the server did not start: {e}"))??;
        Ok(Self {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One embedded Ironlog for one test (zero2prod's `TestApp`): the server started in this
/// process on a free port, its data in a temporary directory removed with it, and the calls
/// the scenarios make, by name.
pub struct TestApp {
    pub server: InProcess,
    pub base: String,
    pub data: tempfile::TempDir,
}

impl TestApp {
    /// With the default settings (the embedded store and queue, the default limits).
    pub fn spawn() -> Self {
        Self::spawn_with(&[])
    }

    /// With the rate limits off, for a test that makes hundreds of calls from one address and
    /// account (the limits are tested on their own).
    pub fn unlimited() -> Self {
        let env: Vec<(&str, String)> = testkit::UNLIMITED
            .iter()
            .map(|(k, v)| (*k, v.to_string()))
            .collect();
        Self::spawn_with(&env)
    }

    /// With `env` (settings as the binary's variables) beside its own data directory.
    pub fn spawn_with(env: &[(&str, String)]) -> Self {
        let data = tempfile::tempdir().expect("a temporary data directory");
        let mut all = vec![("IRONLOG_DATA_DIR", data.path().display().to_string())];
        all.extend(env.iter().cloned());
        let server = InProcess::start(&all).expect("the server starts");
        Self {
            base: server.base_url(),
            server,
            data,
        }
    }

    /// `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client signed in as a fresh account.
    pub async fn signed_in(&self) -> reqwest::Client {
        signed_in_client(&self.base).await
    }

    /// `POST /api/v1/workouts` of `workout` as `client`: its status.
    pub async fn log(&self, client: &reqwest::Client, workout: &Value) -> u16 {
        post(client, &self.base, workout).await.0
    }

    /// Every workout id `client` sees, newest first.
    pub async fn list(&self, client: &reqwest::Client) -> Vec<String> {
        listed_ids(client, &self.base).await
    }

    /// GET `path` as `client`, read as JSON.
    pub async fn get_json(&self, client: &reqwest::Client, path: &str) -> Value {
        get_json(client, &self.url(path)).await
    }
}

/// Posts a file to the import (with `query`, such as `?format=hevy`): its status and answer.
pub async fn import_file(
    client: &reqwest::Client,
    base: &str,
    query: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let resp = client
        .post(format!("{base}/api/v1/import{query}"))
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The body of a GET, as text.
pub async fn get_text(client: &reqwest::Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// Posts a page's plain form (from the site itself, as a browser would) to `path`.
pub async fn post_form(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    body: &str,
) -> reqwest::Response {
    client
        .post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", base)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}
