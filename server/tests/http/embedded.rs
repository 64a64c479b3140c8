//! The embedded default against the real `ironlog-server` binary: no services at all.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use crate::support::*;
use futures::StreamExt;
use testkit::Server;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_server_keeps_every_accepted_workout_across_a_crash() {
    let data = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_ironlog-server"));
    let mut server = Server::start(
        bin,
        &[
            ("IRONLOG_DATA_DIR", data.path().display().to_string()),
            // 300 workouts from one account at once: not what the rate limits are for.
            ("IRONLOG_WRITE_BURST", "1000".into()),
        ],
    )
    .unwrap();
    let base = server.base_url();
    let client = signed_in_client(&base).await;

    assert_bad_inputs_rejected(&client, &base).await;

    let ids: Vec<Uuid> = (0..300).map(|_| Uuid::now_v7()).collect();
    let results: Vec<u16> = futures::stream::iter(ids.iter().map(|id| {
        let (client, base) = (client.clone(), base.clone());
        let body = workout(*id, 5);
        async move { post(&client, &base, &body).await.0 }
    }))
    .buffer_unordered(32)
    .collect()
    .await;
    assert!(
        results.iter().all(|s| *s == 202),
        "every post accepted: {results:?}"
    );

    // Crash right after the last 202: whatever was accepted must survive.
    server.proc.kill9();
    server.restart().unwrap();
    let expected: HashSet<String> = ids.iter().map(Uuid::to_string).collect();
    await_exactly(&client, &base, &expected, Duration::from_secs(60)).await;

    // Nothing the bad inputs sent was stored: exactly the accepted ids, checked above.
    let one = client
        .get(format!("{base}/api/v1/workouts/{}", ids[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(one.status().as_u16(), 200);
    let record: serde_json::Value = one.json().await.unwrap();
    // Responses are compressed for clients that accept it.
    let listed = client
        .get(format!("{base}/api/v1/workouts?limit=50"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed
            .headers()
            .get("content-encoding")
            .map(|v| v.as_bytes()),
        Some(&b"br"[..])
    );
    let me = get_json(&client, &format!("{base}/api/v1/auth/me")).await;
    assert_eq!(
        record["user_id"], me["user_id"],
        "stored under the signed-in user"
    );
    assert_eq!(record["exercises"][0]["sets"][0]["rpe"], 8.0);
}
