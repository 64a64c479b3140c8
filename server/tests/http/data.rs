//! Import (Strong, Hevy, Ironlog CSV) and export (JSON, CSV) through the JSON API on the
//! embedded server, and the program endpoints. Imported sessions travel the write pipeline,
//! so the tests wait for them to be stored as any logged workout.

use std::time::{Duration, Instant};

use crate::support::*;
use serde_json::{json, Value};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../domain/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every workout of the user, through the API.
async fn all_ids(client: &reqwest::Client, base: &str) -> Vec<String> {
    let page = get_json(client, &format!("{base}/api/v1/workouts?limit=100")).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn await_count(client: &reqwest::Client, base: &str, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ids = all_ids(client, base).await;
        if ids.len() == n {
            return ids;
        }
        assert!(
            Instant::now() < deadline,
            "{} stored, expected {n}",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_are_idempotent_reported_and_exported_back() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = signed_in_client(&base).await;

    // Hevy: two sessions, a warm-up kept as one and a treadmill run skipped.
    let (status, summary) = import_file(&a, &base, "", fixture("hevy.csv")).await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["format"], "hevy");
    assert_eq!(
        (
            &summary["sessions"],
            &summary["imported"],
            &summary["duplicates"]
        ),
        (&json!(2), &json!(2), &json!(0))
    );
    assert_eq!(
        (&summary["warmup_sets"], &summary["non_strength_sets"]),
        (&json!(1), &json!(1))
    );
    let first = await_count(&a, &base, 2).await;

    // The same file again changes nothing.
    let (_, again) = import_file(&a, &base, "?format=hevy", fixture("hevy.csv")).await;
    assert_eq!(
        (&again["imported"], &again["duplicates"]),
        (&json!(0), &json!(2)),
        "{again}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(all_ids(&a, &base).await, first);

    // Strong, streamed: progress lines, then the summary; an unknown name becomes an own exercise.
    let resp = a
        .post(format!("{base}/api/v1/import?utc_offset=%2B01:00"))
        .header("content-type", "text/csv; charset=utf-8")
        .header("accept", "application/x-ndjson")
        // Compressed, the lines would be held back until the end: progress is never compressed.
        .header("accept-encoding", "br, gzip")
        .body(fixture("strong.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("content-encoding").is_none());
    assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
    let text = resp.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 2, "{text}");
    assert_eq!(lines[0]["progress"], json!({"done": 0, "total": 2}));
    assert_eq!(
        lines[lines.len() - 2]["progress"],
        json!({"done": 2, "total": 2})
    );
    let summary = &lines[lines.len() - 1]["summary"];
    assert_eq!(summary["imported"], 2, "{summary}");
    assert_eq!(
        summary["new_exercises"],
        json!(["Bench Press (Smith Machine)"])
    );
    await_count(&a, &base, 4).await;
    let exercises = get_json(&a, &format!("{base}/api/v1/exercises")).await;
    assert!(exercises["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["slug"] == "bench-press-smith-machine" && e["custom"] == true));
    // Local times took the offset: 18:02:11 at +01:00.
    let page = get_json(&a, &format!("{base}/api/v1/workouts?limit=100")).await;
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["performed_at"] == "2024-03-04T17:02:11Z"));

    // Malformed rows are reported with their lines; the good rows still import.
    let (status, bad) = import_file(&a, &base, "", fixture("malformed_strong.csv")).await;
    assert_eq!(status, 200, "{bad}");
    assert_eq!(bad["rejected_total"], 10, "{bad}");
    let lines: Vec<u64> = bad["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert_eq!(bad["imported"], 1);
    await_count(&a, &base, 5).await;

    // Export: JSON holds everything; the CSV imports into another account whole, and back
    // into this one as duplicates only.
    let resp = a.get(format!("{base}/api/v1/export")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"ironlog-")
            && disposition.ends_with(".json\"")
    );
    let doc: Value = resp.json().await.unwrap();
    assert_eq!(
        (&doc["format"], &doc["version"]),
        (&json!("ironlog"), &json!(1))
    );
    assert_eq!(doc["workouts"].as_array().unwrap().len(), 5);
    assert_eq!(
        doc["profile"]["exercises"][0]["slug"],
        "bench-press-smith-machine"
    );

    let resp = a
        .get(format!("{base}/api/v1/export?format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = resp.text().await.unwrap();
    assert!(csv.starts_with(
        "workout_id,performed_at,exercise,exercise_name,set,weight_kg,reps,rpe,kind,superset,exercise_notes,workout_notes\n"
    ));
    let (_, back) = import_file(&a, &base, "", csv.clone()).await;
    assert_eq!(
        (&back["format"], &back["imported"], &back["duplicates"]),
        (&json!("ironlog"), &json!(0), &json!(5)),
        "{back}"
    );

    let b = signed_in_client(&base).await;
    assert!(all_ids(&b, &base).await.is_empty(), "B sees nothing of A's");
    let (_, moved) = import_file(&b, &base, "", csv).await;
    assert_eq!(moved["imported"], 5, "{moved}");
    let b_ids = await_count(&b, &base, 5).await;
    assert!(
        b_ids.iter().all(|id| !all_ids_contains(&first, id)),
        "B's ids are B's own"
    );
    assert_eq!(
        all_ids(&a, &base).await.len(),
        5,
        "A's history is untouched"
    );
    let b_doc = get_json(&b, &format!("{base}/api/v1/export")).await;
    assert_eq!(
        b_doc["profile"]["exercises"][0]["name"],
        "Bench Press (Smith Machine)"
    );
}

fn all_ids_contains(ids: &[String], id: &str) -> bool {
    ids.iter().any(|i| i == id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_imports_get_clear_errors_and_change_nothing() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = signed_in_client(&base).await;

    let resp = a
        .post(format!("{base}/api/v1/import"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["message"], "send the body as text/csv");

    let (status, body) = import_file(&a, &base, "", "name,age\nbob,3\n").await;
    assert_eq!(status, 422);
    assert_eq!(body["problems"][0]["field"], "file");
    assert!(body["problems"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not a Strong, Hevy or Ironlog"));

    let (status, body) = import_file(&a, &base, "", "").await;
    assert_eq!(
        (status, body["problems"][0]["message"].as_str()),
        (422, Some("the file is empty"))
    );

    let (status, body) = import_file(&a, &base, "", vec![0xff, 0xfe, 0x00, 0x41]).await;
    assert_eq!(status, 422);
    assert!(body["problems"][0]["message"]
        .as_str()
        .unwrap()
        .contains("UTF-8"));

    let (status, body) = import_file(
        &a,
        &base,
        "?format=excel&unit=stone&utc_offset=noon&page=1",
        fixture("hevy.csv"),
    )
    .await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["format", "unit", "utc_offset", "page"]);

    // An announced oversized body is refused at once (413) and the connection closed: a client
    // still sending may meet the close before it reads the answer. (`hostile.rs` reads the 413
    // itself over raw HTTP.)
    let refused = a
        .post(format!("{base}/api/v1/import"))
        .header("content-type", "text/csv")
        .body(vec![b'a'; 16 * 1024 * 1024 + 1])
        .send()
        .await;
    match refused {
        Ok(resp) => assert_eq!(resp.status(), 413),
        Err(e) => assert!(e.is_request(), "refused while sending: {e}"),
    }

    let (status, body) = import_file(&a, &base, "?format=strong", fixture("hevy.csv")).await;
    assert_eq!(status, 422);
    assert!(body["problems"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("the Strong header lacks"));

    let resp = a
        .get(format!("{base}/api/v1/export?format=xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(all_ids(&a, &base).await.is_empty(), "nothing was written");
    let profile = get_json(&a, &format!("{base}/api/v1/profile")).await;
    assert_eq!(profile["exercises"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_programs_can_be_saved_activated_and_deleted() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = signed_in_client(&base).await;
    let b = signed_in_client(&base).await;

    let mut mine = get_json(&a, &format!("{base}/api/v1/programs/full-body-3x")).await;
    mine["slug"] = json!("my-full-body");
    mine["name"] = json!("My full body");
    let url = format!("{base}/api/v1/programs/my-full-body");
    let resp = a.put(&url).json(&mine).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(get_json(&a, &url).await["name"], "My full body");
    assert_eq!(
        b.get(&url).send().await.unwrap().status(),
        404,
        "B cannot see A's program"
    );

    let resp = a.post(format!("{url}/activate")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["active"],
        "my-full-body"
    );
    assert_eq!(
        get_json(&a, &format!("{base}/api/v1/plan")).await["program"],
        "my-full-body"
    );
    assert_eq!(
        get_json(&b, &format!("{base}/api/v1/plan")).await["program"],
        "full-body-3x"
    );

    // Refusals name the program's own fields.
    let resp = a
        .put(format!("{base}/api/v1/programs/other"))
        .json(&mine)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert_eq!(problem_fields(resp).await, ["slug"]);
    let mut broken = mine.clone();
    broken["days"][0]["slots"][0]["exercise"] = json!("no-such-lift");
    let resp = a.put(&url).json(&broken).send().await.unwrap();
    assert_eq!(resp.status(), 422);
    let fields = problem_fields(resp).await;
    assert_eq!(fields, ["days[0].slots[0].exercise"]);
    assert_eq!(
        get_json(&a, &url).await,
        mine,
        "a refused program changes nothing"
    );

    let resp = a
        .delete(format!("{base}/api/v1/programs/gzclp"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        a.post(format!("{base}/api/v1/programs/nope/activate"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(b.delete(&url).send().await.unwrap().status(), 404);
    assert_eq!(a.delete(&url).send().await.unwrap().status(), 204);
    assert_eq!(a.get(&url).send().await.unwrap().status(), 404);
    assert_eq!(a.delete(&url).send().await.unwrap().status(), 404);
    let programs = get_json(&a, &format!("{base}/api/v1/programs")).await;
    assert_eq!(
        programs["active"], "full-body-3x",
        "deleting the active program falls back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_refused_says_why_the_21st_and_a_name_with_control_characters() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = app.signed_in().await;
    let template = app.get_json(&a, "/api/v1/programs/full-body-3x").await;
    let program = |n: usize| {
        let mut p = template.clone();
        p["slug"] = json!(format!("mine-{n}"));
        p["name"] = json!(format!("Mine {n}"));
        p
    };
    for n in 0..domain::profile::MAX_PROGRAMS {
        let resp = a
            .put(format!("{base}/api/v1/programs/mine-{n}"))
            .json(&program(n))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "program {n}");
    }
    let resp = a
        .put(format!("{base}/api/v1/programs/mine-20"))
        .json(&program(20))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap();
    let problems = body["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{body}");
    assert_eq!(problems[0]["field"], "programs", "{body}");
    assert!(
        problems[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("at most {}", domain::profile::MAX_PROGRAMS))),
        "{body}"
    );
    // The 20th's problems are named as the body names them ("programs[2]" is not "[20]").
    let mut broken = program(2);
    broken["name"] = json!("");
    let resp = a
        .put(format!("{base}/api/v1/programs/mine-2"))
        .json(&broken)
        .send()
        .await
        .unwrap();
    assert_eq!(problem_fields(resp).await, ["name"]);

    for name in ["Nul\0here", "Two\r\nlines", "Escape \u{1b}[31mred"] {
        let mut p = program(3);
        p["name"] = json!(name);
        p["days"][0]["name"] = json!(name);
        let resp = a
            .put(format!("{base}/api/v1/programs/mine-3"))
            .json(&p)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{name:?}");
        assert_eq!(
            problem_fields(resp).await,
            ["name", "days[0].name"],
            "{name:?}"
        );
    }
    assert_eq!(
        get_json(&a, &format!("{base}/api/v1/programs/mine-3")).await["name"],
        "Mine 3",
        "a refused name changes nothing"
    );
}
