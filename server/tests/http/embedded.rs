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

/// A tmpfs of `size` mounted on a fresh directory for one test, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a {size} tmpfs for the full-disk test needs root (the test command runs as root)"
        );
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes `path` until the filesystem is full.
fn fill(path: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 256 * 1024];
    while f.write_all(&block).and_then(|()| f.sync_data()).is_ok() {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_pause_not_an_outage() {
    testkit::full_tier!("root (it mounts a small tmpfs)");
    let disk = SmallDisk::mount("24m");
    let bin = Path::new(env!("CARGO_BIN_EXE_ironlog-server"));
    let server = Server::start(
        bin,
        &[
            (
                "IRONLOG_DATA_DIR",
                disk.path().join("data").display().to_string(),
            ),
            ("IRONLOG_WRITE_BURST", "100000".into()),
            ("IRONLOG_WRITES_PER_SECOND", "100000".into()),
        ],
    )
    .unwrap();
    let base = server.base_url();
    let client = signed_in_client(&base).await;
    let mut accepted: HashSet<String> = HashSet::new();
    for _ in 0..20 {
        let id = Uuid::now_v7();
        assert_eq!(post(&client, &base, &workout(id, 5)).await.0, 202);
        accepted.insert(id.to_string());
    }
    await_exactly(&client, &base, &accepted, Duration::from_secs(30)).await;

    // The disk fills: writes are refused with 503, never a false 202.
    fill(&disk.path().join("filler"));
    let mut refused = 0;
    for _ in 0..3000 {
        let id = Uuid::now_v7();
        match post(&client, &base, &workout(id, 5)).await.0 {
            202 => {
                accepted.insert(id.to_string());
            }
            503 => {
                refused += 1;
                if refused == 5 {
                    break;
                }
            }
            other => panic!("a full disk answered {other}"),
        }
    }
    assert_eq!(refused, 5, "writes to a full disk are refused");
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(
        ready.status(),
        503,
        "readiness tells the truth while the disk is full"
    );

    // Space comes back: the same process takes writes and answers reads again within
    // seconds, and everything it accepted is there.
    std::fs::remove_file(disk.path().join("filler")).unwrap();
    let freed = std::time::Instant::now();
    let id = Uuid::now_v7();
    loop {
        match post(&client, &base, &workout(id, 5)).await.0 {
            202 => break,
            503 if freed.elapsed() < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            other => panic!("{other} {:?} after the disk was freed", freed.elapsed()),
        }
    }
    accepted.insert(id.to_string());
    let ready_by = std::time::Instant::now() + Duration::from_secs(10);
    while reqwest::get(format!("{base}/readyz"))
        .await
        .unwrap()
        .status()
        != 200
    {
        assert!(
            std::time::Instant::now() < ready_by,
            "ready again within seconds"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        reqwest::get(format!("{base}/readyz"))
            .await
            .unwrap()
            .status(),
        200
    );
    await_exactly(&client, &base, &accepted, Duration::from_secs(30)).await;
}
