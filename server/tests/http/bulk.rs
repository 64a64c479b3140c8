//! Imports and exports at the size an attacker (or a very long history) brings: an import is
//! capped per file and per account and refused whole past either cap, each session is charged
//! as a write, its outcome stays readable, and an export streams instead of building the whole
//! history in memory.

use std::path::Path;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::support::*;

/// A Strong export of `n` sessions, one every 8 hours from `first_day` days after 2020-01-01.
fn strong_file(n: usize, first_day: i64) -> String {
    let mut csv = String::from("Date,Workout Name,Exercise Name,Set Order,Weight,Reps\n");
    let start = Utc.with_ymd_and_hms(2020, 1, 1, 18, 0, 0).unwrap();
    for i in 0..n as i64 {
        let at = start + chrono::Duration::days(first_day) + chrono::Duration::hours(8 * i);
        csv.push_str(&format!(
            "{},Day,Squat (Barbell),1,100,5\n",
            at.format("%Y-%m-%d %H:%M:%S")
        ));
    }
    csv
}

async fn stored(client: &reqwest::Client, base: &str) -> usize {
    listed_ids(client, base).await.len()
}

/// Waits (up to 20 s) until the worker has stored `n` sessions.
async fn wait_for_stored(client: &reqwest::Client, base: &str, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while stored(client, base).await < n && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn an_import_over_a_cap_is_refused_whole_and_stores_nothing() {
    let data = tempfile::tempdir().unwrap();
    let env = [
        ("IRONLOG_DATA_DIR", data.path().display().to_string()),
        ("IRONLOG_MAX_IMPORT_SESSIONS", "50".to_owned()),
        ("IRONLOG_MAX_ACCOUNT_SESSIONS", "80".to_owned()),
        ("IRONLOG_IMPORT_SESSIONS_PER_HOUR", "60".to_owned()),
    ];
    let server = InProcess::start(&env).unwrap();
    let base = server.base_url();
    let user = signed_in_client(&base).await;

    let latest = user
        .get(format!("{base}/api/v1/import/latest"))
        .send()
        .await
        .unwrap();
    assert_eq!(latest.status(), 404, "no import yet");

    let (status, body) = import_file(&user, &base, "", strong_file(60, 0)).await;
    assert_eq!(status, 422, "{body}");
    let message = body["problems"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("at most 50"), "{message}");

    let (status, body) = import_file(&user, &base, "", strong_file(40, 0)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["imported"], 40);
    let latest: Value = get_json(&user, &format!("{base}/api/v1/import/latest")).await;
    assert_eq!(latest["status"], "done");
    assert_eq!(latest["summary"], body, "the outcome stays readable");
    wait_for_stored(&user, &base, 40).await;

    // 40 stored + 45 new would pass the account's 80.
    let (status, body) = import_file(&user, &base, "", strong_file(45, 100)).await;
    assert_eq!(status, 422, "{body}");
    let message = body["problems"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("at most 80"), "{message}");

    // Each session is a write: 40 of the hour's 60 are charged, so 30 more must wait while
    // 15 pass (one charge per file would have let both through).
    let (status, body) = import_file(&user, &base, "", strong_file(30, 200)).await;
    assert_eq!(status, 429, "{body}");
    let (status, body) = import_file(&user, &base, "", strong_file(15, 300)).await;
    assert_eq!(status, 200, "{body}");

    wait_for_stored(&user, &base, 55).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(stored(&user, &base).await, 55, "nothing past the caps");
}

/// The process's resident memory, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporting_a_long_history_keeps_the_servers_memory_small() {
    let data = testkit::tmpfs_tempdir("ironlog-export-").unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_ironlog-server"));
    let env = [("IRONLOG_DATA_DIR", data.path().display().to_string())];

    // An account, then 20,000 sessions written straight into its store while the server is
    // stopped (the write path is tested elsewhere; here only the export's size matters).
    let mut server = testkit::Server::start(bin, &env).unwrap();
    let base = server.base_url();
    let (_, cookie) = sign_up(&base).await;
    let user = client_with_cookie(&cookie);
    let me = get_json(&user, &format!("{base}/api/v1/auth/me")).await;
    let user_id = me["user_id"].as_str().expect("the user's id").to_owned();
    server.proc.terminate(Duration::from_secs(10));
    {
        let db = adapters::embedded::EmbeddedDb::open(data.path()).unwrap();
        let store = db.store();
        let template = domain::sample::five_years(&user_id);
        assert!(!template.is_empty());
        let mut history = Vec::with_capacity(20_000);
        for (i, w) in template.iter().cycle().take(20_000).enumerate() {
            let mut w = w.clone();
            w.id = Uuid::now_v7();
            w.performed_at += chrono::Duration::minutes(i as i64);
            history.push(w);
        }
        use service::WorkoutStore;
        for chunk in history.chunks(1000) {
            store.save(chunk).await.unwrap();
        }
    }
    server.restart().unwrap();
    let pid = server.proc.pid().expect("running");
    // A first export fills the store's page cache, which stays: the exports measured below
    // then show only what the export itself holds.
    let warm = user
        .get(format!("{base}/api/v1/export?format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(warm.status(), 200);
    warm.bytes().await.unwrap();

    for format in ["json", "csv"] {
        let before = rss_kib(pid);
        let mut resp = user
            .get(format!("{base}/api/v1/export?format={format}"))
            .header("accept-encoding", "identity")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let mut size = 0usize;
        let mut peak = before;
        let mut text = Vec::new();
        while let Some(chunk) = resp.chunk().await.unwrap() {
            size += chunk.len();
            if format == "json" {
                text.extend_from_slice(&chunk);
            }
            peak = peak.max(rss_kib(pid));
        }
        let grew_kib = peak.saturating_sub(before);
        eprintln!(
            "export {format}: {} MiB, server memory grew {} MiB",
            size / (1 << 20),
            grew_kib / 1024
        );
        assert!(
            size > 4 << 20,
            "a long history makes a large export: {size} bytes"
        );
        assert!(
            (grew_kib as usize) * 1024 < size / 4,
            "{format}: the server grew {grew_kib} KiB for a {size}-byte export"
        );
        if format == "json" {
            let doc: Value =
                serde_json::from_slice(&text).expect("the export is one JSON document");
            assert_eq!(doc["workouts"].as_array().map(Vec::len), Some(20_000));
            assert_eq!(doc["format"], "ironlog");
        }
    }
}

#[tokio::test]
async fn one_import_runs_at_a_time_and_its_progress_is_readable_while_it_runs() {
    let data = tempfile::tempdir().unwrap();
    let env = [("IRONLOG_DATA_DIR", data.path().display().to_string())];
    let server = InProcess::start(&env).unwrap();
    let base = server.base_url();
    let user = signed_in_client(&base).await;
    // Streamed: the answer's head comes as soon as the job starts.
    let mut first = user
        .post(format!("{base}/api/v1/import"))
        .header("content-type", "text/csv")
        .header("accept", "application/x-ndjson")
        .body(strong_file(3000, 0))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let latest: Value = get_json(&user, &format!("{base}/api/v1/import/latest")).await;
    assert_eq!(latest["status"], "running", "{latest}");
    assert_eq!(latest["total"], 3000);
    let (status, body) = import_file(&user, &base, "", strong_file(5, 2000)).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("/api/v1/import/latest"),
        "{body}"
    );
    let mut text = Vec::new();
    while let Some(chunk) = first.chunk().await.unwrap() {
        text.extend_from_slice(&chunk);
    }
    let last: Value = serde_json::from_slice(
        text.split(|b| *b == b'\n')
            .rfind(|l| !l.is_empty())
            .expect("a summary line"),
    )
    .unwrap();
    assert_eq!(last["summary"]["imported"], 3000);
    let latest: Value = get_json(&user, &format!("{base}/api/v1/import/latest")).await;
    assert_eq!(latest["status"], "done");
    assert_eq!(latest["summary"], last["summary"]);
    let (status, body) = import_file(&user, &base, "", strong_file(5, 2000)).await;
    assert_eq!(
        status, 200,
        "the next import runs once the first is done: {body}"
    );
}
