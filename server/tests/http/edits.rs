//! Edits, deletes and account deletion through the JSON API on the embedded server: each goes
//! through the queue like a log, is applied by its revision, and shows in History and the plan.

use std::time::{Duration, Instant};

use crate::support::*;
use serde_json::{json, Value};
use uuid::Uuid;

fn squat(id: Uuid, weight_kg: f64, revision: Option<u64>) -> Value {
    let mut w = json!({
        "id": id,
        "performed_at": chrono::Utc::now().to_rfc3339(),
        "exercises": [{"exercise": "squat", "sets": [
            {"weight_kg": 20.0, "reps": 5, "kind": "warmup"},
            {"weight_kg": weight_kg, "reps": 5, "rpe": 8.0},
        ]}],
    });
    if let Some(r) = revision {
        w["revision"] = json!(r);
    }
    w
}

async fn put(client: &reqwest::Client, base: &str, id: Uuid, body: &Value) -> reqwest::Response {
    client
        .put(format!("{base}/api/v1/workouts/{id}"))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn delete(client: &reqwest::Client, base: &str, id: Uuid) -> u16 {
    client
        .delete(format!("{base}/api/v1/workouts/{id}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The stored workout, or None (404), once `done` holds for it (within 10 s).
async fn await_workout(
    client: &reqwest::Client,
    base: &str,
    id: Uuid,
    done: impl Fn(&Option<Value>) -> bool,
) -> Option<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let resp = client
            .get(format!("{base}/api/v1/workouts/{id}"))
            .send()
            .await
            .unwrap();
        let got = match resp.status().as_u16() {
            200 => Some(resp.json::<Value>().await.unwrap()),
            404 => None,
            other => panic!("GET answered {other}"),
        };
        if done(&got) {
            return got;
        }
        assert!(Instant::now() < deadline, "not applied in time: {got:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn export_csv(client: &reqwest::Client, base: &str) -> String {
    let resp = client
        .get(format!("{base}/api/v1/export?format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.text().await.unwrap()
}

/// Everything queued before this is applied when it returns: the embedded queue has one
/// worker taking messages in order, and this waits for a change sent after them.
async fn barrier(client: &reqwest::Client, base: &str) {
    let id = Uuid::now_v7();
    assert_eq!(post(client, base, &squat(id, 40.0, None)).await.0, 202);
    await_workout(client, base, id, Option::is_some).await;
    assert_eq!(delete(client, base, id).await, 202);
    await_workout(client, base, id, Option::is_none).await;
}

fn top_squat(plan: &Value) -> f64 {
    plan["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["exercise"] == "squat")
        .unwrap_or_else(|| panic!("squat in {plan}"))["sets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["warmup"] == false)
        .map(|s| s["weight_kg"].as_f64().unwrap())
        .fold(0.0, f64::max)
}

fn weight(w: &Option<Value>) -> f64 {
    w.as_ref().unwrap()["exercises"][0]["sets"][1]["weight_kg"]
        .as_f64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_reaches_history_and_the_plan_and_an_older_version_never_wins() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = signed_in_client(&base).await;
    let id = Uuid::now_v7();
    let original = squat(id, 100.0, None);
    assert_eq!(post(&a, &base, &original).await.0, 202);
    let stored = await_workout(&a, &base, id, Option::is_some).await;
    assert_eq!(stored.as_ref().unwrap()["revision"], 1);
    assert_eq!(
        stored.as_ref().unwrap()["exercises"][0]["sets"][0]["kind"],
        "warmup"
    );
    let before = top_squat(&get_json(&a, &format!("{base}/api/v1/plan")).await);

    // The typo fixed: 100 was meant to be 60.
    let edit = squat(id, 60.0, Some(1_764_000_000_000));
    let resp = put(&a, &base, id, &edit).await;
    assert_eq!(resp.status(), 202);
    let stored = await_workout(&a, &base, id, |w| w.is_some() && weight(w) == 60.0).await;
    assert_eq!(stored.unwrap()["revision"], 1_764_000_000_000u64);
    let after = top_squat(&get_json(&a, &format!("{base}/api/v1/plan")).await);
    assert!(
        after < before,
        "the plan follows the edit: {before} kg before, {after} kg after"
    );
    assert_eq!(listed_ids(&a, &base).await, [id.to_string()], "one record");

    // The original redelivered, and an older edit arriving late: the edit stays.
    assert_eq!(post(&a, &base, &original).await.0, 202);
    assert_eq!(
        put(&a, &base, id, &squat(id, 90.0, Some(5))).await.status(),
        202
    );
    barrier(&a, &base).await;
    assert_eq!(
        weight(&await_workout(&a, &base, id, Option::is_some).await),
        60.0
    );

    // Another user cannot touch it: the same id is a workout of their own.
    let b = signed_in_client(&base).await;
    assert_eq!(
        put(&b, &base, id, &squat(id, 200.0, Some(1_764_000_000_001)))
            .await
            .status(),
        202
    );
    assert_eq!(delete(&b, &base, id).await, 202);
    barrier(&a, &base).await;
    assert_eq!(
        weight(&await_workout(&a, &base, id, Option::is_some).await),
        60.0
    );

    // Bad edits: every problem named, nothing published.
    let resp = put(&a, &base, id, &squat(id, 70.0, None)).await;
    assert_eq!(resp.status(), 422);
    assert_eq!(problem_fields(resp).await, ["revision"]);
    let resp = put(&a, &base, id, &squat(Uuid::now_v7(), 70.0, Some(7))).await;
    assert_eq!(problem_fields(resp).await, ["id"]);
    let resp = put(&a, &base, id, &json!({"revision": 0})).await;
    assert_eq!(
        problem_fields(resp).await,
        ["id", "performed_at", "exercises", "revision"]
    );
    let resp = put(&a, &base, id, &squat(id, 70.0, Some(1))).await;
    assert_eq!(
        problem_fields(resp).await,
        ["revision"],
        "1 would tie with the first log"
    );
    let nil = Uuid::nil();
    assert_eq!(
        delete(&a, &base, nil).await,
        404,
        "the nil id is no workout's"
    );
    let resp = a
        .put(format!("{base}/api/v1/workouts/not-a-uuid"))
        .json(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let other = a
        .put(format!("{base}/api/v1/workouts/{id}"))
        .header("x-ironlog-user", "someone-else")
        .json(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);
    barrier(&a, &base).await;
    assert_eq!(
        weight(&await_workout(&a, &base, id, Option::is_some).await),
        60.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_stays_deleted_when_the_log_or_an_edit_arrives_after_it() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = signed_in_client(&base).await;
    let (gone, kept) = (Uuid::now_v7(), Uuid::now_v7());
    for id in [gone, kept] {
        assert_eq!(post(&a, &base, &squat(id, 100.0, None)).await.0, 202);
        await_workout(&a, &base, id, Option::is_some).await;
    }
    assert_eq!(delete(&a, &base, gone).await, 202);
    await_workout(&a, &base, gone, Option::is_none).await;
    assert_eq!(listed_ids(&a, &base).await, [kept.to_string()]);

    assert_eq!(post(&a, &base, &squat(gone, 100.0, None)).await.0, 202);
    assert_eq!(
        put(&a, &base, gone, &squat(gone, 80.0, Some(1_764_000_000_000)))
            .await
            .status(),
        202
    );
    // A delete sent before its workout (an outbox that replays out of order).
    let early = Uuid::now_v7();
    assert_eq!(delete(&a, &base, early).await, 202);
    assert_eq!(post(&a, &base, &squat(early, 100.0, None)).await.0, 202);
    barrier(&a, &base).await;
    assert_eq!(await_workout(&a, &base, gone, |_| true).await, None);
    assert_eq!(await_workout(&a, &base, early, |_| true).await, None);
    assert_eq!(listed_ids(&a, &base).await, [kept.to_string()]);
    assert_eq!(
        delete(&a, &base, gone).await,
        202,
        "deleting again is harmless"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_account_removes_everything_it_held_and_what_was_still_queued() {
    // The server is stopped before its data directory is read.
    let TestApp { server, data, .. } = TestApp::spawn();
    let base = server.base_url();
    let (email, cookie) = sign_up(&base).await;
    let a = client_with_cookie(&cookie);
    let me = get_json(&a, &format!("{base}/api/v1/auth/me")).await;
    let user = me["user_id"].as_str().unwrap().to_owned();
    let first = Uuid::now_v7();
    assert_eq!(post(&a, &base, &squat(first, 100.0, None)).await.0, 202);
    await_workout(&a, &base, first, Option::is_some).await;
    let profile = get_json(&a, &format!("{base}/api/v1/profile")).await;
    let saved = a
        .put(format!("{base}/api/v1/profile"))
        .json(&profile)
        .send()
        .await
        .unwrap();
    assert!(saved.status().is_success(), "{}", saved.status());
    let weighed = a
        .put(format!("{base}/api/v1/bodyweight/2026-03-01"))
        .json(&json!({"kg": 81.5}))
        .send()
        .await
        .unwrap();
    assert_eq!(weighed.status(), 200);

    let url = format!("{base}/api/v1/auth/delete-account");
    let wrong = a
        .post(&url)
        .json(&json!({"password": "not it at all"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let missing = a.post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(problem_fields(missing).await, ["password"]);
    assert_eq!(
        listed_ids(&a, &base).await,
        [first.to_string()],
        "nothing deleted"
    );

    // Changes still queued when the account goes: discarded, not stored after it.
    for _ in 0..20 {
        assert_eq!(
            post(&a, &base, &squat(Uuid::now_v7(), 100.0, None)).await.0,
            202
        );
    }
    let deleted = a
        .post(&url)
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let cleared = deleted
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    // The session is gone, the log-in fails, the API shows nothing.
    let listing = a
        .get(format!("{base}/api/v1/workouts"))
        .send()
        .await
        .unwrap();
    assert_eq!(listing.status(), 401);
    let login = client()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 401);
    // Another user's change after the deletion: once stored, everything before it is applied.
    let b = signed_in_client(&base).await;
    barrier(&b, &base).await;
    drop(server);
    let db = adapters::embedded::EmbeddedDb::open(data.path()).unwrap();
    assert_eq!(
        db.rows_mentioning(&user).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        db.rows_mentioning(&email).await.unwrap(),
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_from_before_an_edit_imports_as_a_duplicate_not_a_second_session() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = signed_in_client(&base).await;
    let id = Uuid::now_v7();
    let mut logged = squat(id, 100.0, None);
    logged["notes"] = json!("first line\r\nsecond line");
    assert_eq!(post(&a, &base, &logged).await.0, 202);
    let stored = await_workout(&a, &base, id, Option::is_some).await.unwrap();
    assert_eq!(
        stored["notes"], "first line\nsecond line",
        "a text area's CRLF is a line break"
    );
    let csv = export_csv(&a, &base).await;
    assert_eq!(
        put(&a, &base, id, &squat(id, 60.0, Some(1_764_000_000_000)))
            .await
            .status(),
        202
    );
    await_workout(&a, &base, id, |w| w.is_some() && weight(w) == 60.0).await;

    let (status, summary) = import_file(&a, &base, "", csv).await;
    assert_eq!(status, 200);
    assert_eq!(
        (summary["imported"].as_u64(), summary["duplicates"].as_u64()),
        (Some(0), Some(1)),
        "{summary}"
    );
    barrier(&a, &base).await;
    assert_eq!(listed_ids(&a, &base).await, [id.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_a_session_deleted_since_says_it_stays_deleted() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = signed_in_client(&base).await;
    let (gone, kept) = (Uuid::now_v7(), Uuid::now_v7());
    assert_eq!(post(&a, &base, &squat(gone, 100.0, None)).await.0, 202);
    let mut other = squat(kept, 90.0, None);
    other["performed_at"] = json!((chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339());
    assert_eq!(post(&a, &base, &other).await.0, 202);
    await_workout(&a, &base, kept, Option::is_some).await;
    await_workout(&a, &base, gone, Option::is_some).await;
    let csv = export_csv(&a, &base).await;
    assert_eq!(delete(&a, &base, gone).await, 202);
    await_workout(&a, &base, gone, Option::is_none).await;

    let (status, summary) = import_file(&a, &base, "", csv).await;
    assert_eq!(status, 200);
    let counts = ["imported", "duplicates", "deleted"].map(|k| summary[k].as_u64());
    assert_eq!(counts, [Some(0), Some(1), Some(1)], "{summary}");
    barrier(&a, &base).await;
    assert_eq!(listed_ids(&a, &base).await, [kept.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_of_an_id_never_logged_creates_it_as_the_contract_says() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let client = app.signed_in().await;
    let id = Uuid::now_v7();
    let resp = put(&client, &base, id, &squat(id, 90.0, Some(2))).await;
    assert_eq!(resp.status(), 202);
    let stored = await_workout(&client, &base, id, Option::is_some).await;
    assert_eq!(
        stored.expect("created")["exercises"][0]["sets"][1]["weight_kg"],
        90.0
    );
    // Listed with the workouts logged the usual way.
    let logged = Uuid::now_v7();
    assert_eq!(app.log(&client, &squat(logged, 80.0, None)).await, 202);
    await_workout(&client, &base, logged, Option::is_some).await;
    let listed = app.list(&client).await;
    assert!(listed.contains(&id.to_string()) && listed.contains(&logged.to_string()));
    // An edit at revision 1, however it is written, would tie with a first log: refused.
    for one in [json!(1), json!(1.0)] {
        let mut tie = squat(id, 95.0, None);
        tie["revision"] = one.clone();
        let resp = put(&client, &base, id, &tie).await;
        assert_eq!(resp.status(), 422, "revision {one}");
        assert_eq!(problem_fields(resp).await, ["revision"], "revision {one}");
    }
    // The document says the same: the 404 it lists is a path that is not a UUID.
    let doc = get_json(&client, &format!("{base}/api/openapi.json")).await;
    let put_404 = doc["paths"]["/api/v1/workouts/{id}"]["put"]["responses"]["404"]["description"]
        .as_str()
        .expect("PUT lists its 404")
        .to_owned();
    assert!(
        put_404.contains("not a UUID") && put_404.contains("created"),
        "{put_404}"
    );
    let resp = client
        .put(format!("{base}/api/v1/workouts/not-a-uuid"))
        .json(&squat(id, 90.0, Some(3)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}
