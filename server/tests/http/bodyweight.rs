//! The bodyweight log through the JSON API and Progress's plain form, on the embedded server:
//! one weighing a day, checked, listed with its trend, deleted, and in the export.

use crate::support::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weighings_are_kept_one_a_day_checked_and_exported() {
    let data = tempfile::tempdir().unwrap();
    let server =
        InProcess::start(&[("IRONLOG_DATA_DIR", data.path().display().to_string())]).unwrap();
    let base = server.base_url();
    let a = signed_in_client(&base).await;
    let url = |day: &str| format!("{base}/api/v1/bodyweight/{day}");
    let put = |day: &str, body: Value| a.put(url(day)).json(&body).send();

    let empty = get_json(&a, &format!("{base}/api/v1/bodyweight")).await;
    assert_eq!(empty, json!({"weighings": [], "trend": []}));
    for (day, kg) in [
        ("2026-03-02", 80.0),
        ("2026-03-01", 82.0),
        ("2026-03-02", 81.0),
    ] {
        let resp = put(day, json!({ "kg": kg })).await.unwrap();
        assert_eq!(resp.status(), 200, "{day}");
        assert_eq!(
            resp.json::<Value>().await.unwrap(),
            json!({"date": day, "kg": kg})
        );
    }
    let log = get_json(&a, &format!("{base}/api/v1/bodyweight")).await;
    assert_eq!(
        log["weighings"],
        json!([{"date": "2026-03-01", "kg": 82.0}, {"date": "2026-03-02", "kg": 81.0}]),
        "oldest first; the day's second weighing replaced its first"
    );
    // The trend takes in a tenth of the day's difference: 82 - 0.1 × 1.
    assert_eq!(log["trend"][1]["kg"].as_f64().unwrap(), 81.9);

    // Bad weighings are refused at their field, and change nothing.
    let tomorrow_but_one = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive();
    for (day, body, field) in [
        ("2026-03-03", json!({"kg": 8000}), "kg"),
        ("2026-03-03", json!({"kg": 5}), "kg"),
        ("2026-02-30", json!({"kg": 80}), "date"),
        ("yesterday", json!({"kg": 80}), "date"),
        (&tomorrow_but_one.to_string(), json!({"kg": 80}), "date"),
        ("2026-03-03", json!({"kg": "80"}), ""),
        ("2026-03-03", json!({"kg": 80, "lb": 176}), ""),
    ] {
        let resp = put(day, body.clone()).await.unwrap();
        assert_eq!(resp.status(), 422, "{day} {body}");
        assert_eq!(problem_fields(resp).await, [field], "{day} {body}");
    }
    let unchanged = get_json(&a, &format!("{base}/api/v1/bodyweight")).await;
    assert_eq!(unchanged["weighings"].as_array().unwrap().len(), 2);

    // Another user sees none of them.
    let b = signed_in_client(&base).await;
    let theirs = get_json(&b, &format!("{base}/api/v1/bodyweight")).await;
    assert_eq!(theirs["weighings"], json!([]));
    assert_eq!(
        b.delete(url("2026-03-01")).send().await.unwrap().status(),
        404
    );

    // The export carries them.
    let export = get_json(&a, &format!("{base}/api/v1/export?format=json")).await;
    assert_eq!(export["bodyweight"], log["weighings"]);

    assert_eq!(
        a.delete(url("2026-03-01")).send().await.unwrap().status(),
        204
    );
    assert_eq!(
        a.delete(url("2026-03-01")).send().await.unwrap().status(),
        404
    );
    assert_eq!(a.delete(url("someday")).send().await.unwrap().status(), 422);
    let left = get_json(&a, &format!("{base}/api/v1/bodyweight")).await;
    assert_eq!(
        left["weighings"],
        json!([{"date": "2026-03-02", "kg": 81.0}])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_plain_form_logs_a_weighing_in_the_users_unit_and_deletes_it() {
    let data = tempfile::tempdir().unwrap();
    let server =
        InProcess::start(&[("IRONLOG_DATA_DIR", data.path().display().to_string())]).unwrap();
    let base = server.base_url();
    let a = signed_in_client(&base).await;
    let form = |path: &'static str, body: &'static str| post_form(&a, &base, path, body);
    let saved = form("/progress/bodyweight", "unit=lb&date=2026-03-01&weight=180").await;
    assert_eq!(saved.status(), 303);
    assert_eq!(
        saved.headers()["location"].to_str().unwrap(),
        "/progress#bodyweight"
    );
    let log = get_json(&a, &format!("{base}/api/v1/bodyweight")).await;
    let kg = log["weighings"][0]["kg"].as_f64().unwrap();
    assert!((kg - 81.6466).abs() < 1e-3, "180 lb is stored as {kg} kg");

    let refused = form(
        "/progress/bodyweight",
        "unit=lb&date=2026-03-02&weight=2000",
    )
    .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("Weight:") && page.contains("lb"), "{page}");

    let removed = form("/progress/bodyweight/delete", "date=2026-03-01").await;
    assert_eq!(removed.status(), 303);
    let log = get_json(&a, &format!("{base}/api/v1/bodyweight")).await;
    assert_eq!(log["weighings"], json!([]));
}
