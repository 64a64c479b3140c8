//! The JSON API against its own OpenAPI description, with the tests generated from that
//! description (the router registers each route with its description, so a new route is
//! covered the day it is added): every status the server answers is documented; every
//! operation that needs a session refuses an anonymous call with 401; no operation shows or
//! changes one user's data for another; and any body sent to any operation is answered with
//! a 2xx or a 4xx, never a 5xx or a hang.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::support::*;
use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

struct Operation {
    method: reqwest::Method,
    path: String,
    documented: BTreeSet<u16>,
    needs_session: bool,
}

impl Operation {
    fn url(&self, base: &str, id: &str) -> String {
        format!("{base}{}", self.path.replace("{id}", id))
    }

    fn describe(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Every operation in the description; log-out last, since it ends the caller's session.
fn operations(spec: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let documented = op["responses"]
                .as_object()
                .expect("responses")
                .keys()
                .map(|k| k.parse().expect("numeric status"))
                .collect();
            let needs_session = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("session").is_some()));
            ops.push(Operation {
                method: method.to_uppercase().parse().expect("method"),
                path: path.clone(),
                documented,
                needs_session,
            });
        }
    }
    ops.sort_by_key(|op| op.path.ends_with("/logout"));
    ops
}

async fn spec(base: &str) -> Value {
    let spec = get_json(&client(), &format!("{base}/api/openapi.json")).await;
    assert!(
        spec["openapi"].as_str().unwrap().starts_with("3.1"),
        "OpenAPI 3.1"
    );
    spec
}

async fn call(client: &reqwest::Client, op: &Operation, url: String, body: &Value) -> u16 {
    client
        .request(op.method.clone(), url)
        .json(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}: no answer: {e}", op.describe()))
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_is_described_guarded_and_scoped_to_its_user() {
    let app = TestApp::unlimited();
    let base = app.base.clone();
    let spec = spec(&base).await;
    let ops = operations(&spec);
    assert!(
        ops.len() >= 8,
        "the description lists the API ({} operations)",
        ops.len()
    );

    // A has a stored workout; B and an anonymous caller try every operation on it.
    let a = signed_in_client(&base).await;
    let id = Uuid::now_v7();
    let posted = a
        .post(format!("{base}/api/v1/workouts"))
        .json(&workout(id, 5))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 202);
    let url = format!("{base}/api/v1/workouts/{id}");
    let stored = loop {
        let resp = a.get(&url).send().await.unwrap();
        if resp.status() == 200 {
            break resp.json::<Value>().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let b = signed_in_client(&base).await;
    let anonymous = client();

    for op in &ops {
        let target = op.url(&base, &id.to_string());
        for body in [json!({}), workout(Uuid::now_v7(), 5)] {
            let status = call(&anonymous, op, target.clone(), &body).await;
            assert!(
                op.documented.contains(&status),
                "{} answered {status} to an anonymous call, not in {:?}",
                op.describe(),
                op.documented
            );
            if op.needs_session {
                assert_eq!(status, 401, "{} without a session", op.describe());
            }
            let status = call(&b, op, target.clone(), &body).await;
            assert!(
                op.documented.contains(&status),
                "{} answered {status} to another user, not in {:?}",
                op.describe(),
                op.documented
            );
            if op.method == reqwest::Method::GET && op.path.contains("{id}") {
                assert_eq!(
                    status,
                    404,
                    "{}: another user's workout is not found",
                    op.describe()
                );
            }
        }
    }
    // B saw none of A's workouts, and A's workout is as it was.
    assert!(!listed_ids(&signed_in_client(&base).await, &base)
        .await
        .contains(&id.to_string()));
    let after: Value = a.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(after, stored);
}

/// JSON values shaped like what the API reads, with the field names it knows, and junk.
fn json_body() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,40}".prop_map(Value::String),
        Just(Value::String(Uuid::now_v7().to_string())),
    ];
    let keys = prop_oneof![
        Just("id".to_owned()),
        Just("performed_at".to_owned()),
        Just("exercises".to_owned()),
        Just("exercise".to_owned()),
        Just("sets".to_owned()),
        Just("weight_kg".to_owned()),
        Just("reps".to_owned()),
        Just("rpe".to_owned()),
        Just("email".to_owned()),
        Just("password".to_owned()),
        Just("current_password".to_owned()),
        Just("new_password".to_owned()),
        "[a-z_]{1,12}",
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Bytes(Vec<u8>),
}

fn body() -> impl Strategy<Value = (Body, &'static str)> {
    let body = prop_oneof![
        3 => json_body().prop_map(Body::Json),
        1 => prop::collection::vec(any::<u8>(), 0..256).prop_map(Body::Bytes),
    ];
    let content_type = prop_oneof![
        4 => Just("application/json"),
        1 => Just("text/plain"),
        1 => Just("application/x-www-form-urlencoded"),
    ];
    (body, content_type)
}

#[test]
fn any_body_to_any_operation_is_answered_with_2xx_or_4xx() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = TestApp::unlimited();
    let base = app.base.clone();
    let (ops, user) = runtime.block_on(async {
        let spec = spec(&base).await;
        (operations(&spec), signed_in_client(&base).await)
    });
    let mut answered = 0;
    for op in &ops {
        let config = ProptestConfig {
            cases: 40,
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        let mut runner = proptest::test_runner::TestRunner::new(config);
        let result = runner.run(
            &(body(), any::<bool>()),
            |((body, content_type), signed_in)| {
                let client = if signed_in { user.clone() } else { client() };
                let url = op.url(&base, &Uuid::now_v7().to_string());
                let status = runtime.block_on(async {
                    let bytes = match &body {
                        Body::Json(v) => serde_json::to_vec(v).unwrap(),
                        Body::Bytes(b) => b.clone(),
                    };
                    client
                        .request(op.method.clone(), url)
                        .header("content-type", content_type)
                        .body(bytes)
                        .timeout(Duration::from_secs(10))
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                });
                let status = status.map_err(|e| TestCaseError::fail(format!("no answer: {e}")))?;
                prop_assert!(
                    (200..500).contains(&status),
                    "{} answered {status}",
                    op.describe()
                );
                prop_assert!(
                    op.documented.contains(&status),
                    "{} answered {status}, not in {:?}",
                    op.describe(),
                    op.documented
                );
                Ok(())
            },
        );
        if let Err(e) = result {
            panic!("{}: {e}", op.describe());
        }
        answered += 40;
    }
    assert!(answered >= 320);
}

/// Every server function registered in this build (the same code the server runs), called
/// anonymously and as another user: anonymous calls are refused with 401, and no answer to B
/// carries A's workout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_functions_are_scoped_to_the_signed_in_user() {
    // The server is built in this process, so the app's server functions are linked in and
    // their registry lists what it serves.
    let app = TestApp::unlimited();
    let server = &app.server;
    let functions: Vec<(&str, http::Method)> = leptos::server_fn::axum::server_fn_paths().collect();
    assert!(
        functions.iter().any(|(p, _)| p.contains("history_page")),
        "the server functions are registered: {functions:?}"
    );
    let base = server.base_url();
    let a = signed_in_client(&base).await;
    let b = signed_in_client(&base).await;
    let id = Uuid::now_v7();
    assert_eq!(post(&a, &base, &workout(id, 5)).await.0, 202);
    await_exactly(
        &a,
        &base,
        &[id.to_string()].into_iter().collect(),
        Duration::from_secs(10),
    )
    .await;
    let call = |client: &reqwest::Client, path: &str, method: &http::Method| {
        let url = format!("{base}{path}");
        if *method == http::Method::GET {
            client.get(url)
        } else {
            client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("")
        }
    };
    for (path, method) in &functions {
        let anon = call(&client(), path, method).send().await.unwrap();
        assert_eq!(anon.status(), 401, "{method} {path} anonymously");
        let mine = call(&a, path, method).send().await.unwrap();
        assert!(mine.status().is_success(), "{method} {path} as A");
        if path.contains("history") {
            let body = mine.text().await.unwrap();
            assert!(
                body.contains(&id.to_string()),
                "{path} shows A's own workout"
            );
        }
        let theirs = call(&b, path, method).send().await.unwrap();
        assert!(theirs.status().is_success(), "{method} {path} as B");
        let body = theirs.text().await.unwrap();
        assert!(
            !body.contains(&id.to_string()),
            "{path} shows A's workout to B: {body}"
        );
    }
}

/// The checked-in contract: `server/tests/http/snapshots/openapi.json`. Any change to the API's
/// description (a route, a field, a limit) fails here until the file is rewritten, with
/// `IRONLOG_UPDATE_SNAPSHOTS=1 cargo test -p server --test http openapi::`, and the diff
/// reviewed with the change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_description_is_the_checked_in_contract() {
    let app = TestApp::unlimited();
    let server = &app.server;
    let spec = spec(&server.base_url()).await;
    let mut now = serde_json::to_string_pretty(&spec).expect("the description serializes");
    now.push('\n');
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/http/snapshots/openapi.json");
    if std::env::var("IRONLOG_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &now).expect("writing the snapshot");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if checked_in != now {
        let first = checked_in
            .lines()
            .zip(now.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(checked_in.lines().count().min(now.lines().count()));
        let around = |text: &str| {
            text.lines()
                .skip(first.saturating_sub(3))
                .take(7)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "/api/openapi.json differs from {} from line {}:\n--- checked in\n{}\n--- now\n{}\n\
             If the change is meant, rewrite it with IRONLOG_UPDATE_SNAPSHOTS=1 and review the diff.",
            path.display(),
            first + 1,
            around(&checked_in),
            around(&now)
        );
    }
}
