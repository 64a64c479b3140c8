//! The write and read paths end to end against real parts: RabbitMQ (Debian's package),
//! SecantusDB (a MongoDB wire-protocol server), and the `ironlog-consumer` and `ironlog-server`
//! binaries, all started here on free loopback ports.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::*;
use adapters::mongo::MongoStore;
use adapters::rabbit::{DEAD_QUEUE, EXCHANGE, ROUTING_KEY};
use futures::StreamExt;
use lapin::options::{BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions};
use lapin::BasicProperties;
use testkit::{Stack, StackConfig};
use uuid::Uuid;

/// An answer this slow during the database outage means it waited for the database.
const STALL: Duration = Duration::from_secs(1);

/// The distributed stack with one broker node, one consumer and one server.
fn start_stack() -> Stack {
    let mut config = StackConfig::new(
        Path::new(env!("CARGO_BIN_EXE_ironlog-server")).to_path_buf(),
        testkit::ironlog_bin("ironlog-consumer").expect("consumer binary"),
    );
    // One account posts 1,100 workouts at once here: not what the rate limits are for.
    config.lift_rate_limits();
    // Sessions go stale within the 10 s database outage below, so it exercises their re-check.
    config
        .server_env
        .push(("IRONLOG_SESSION_RECHECK_SECS".into(), "1".into()));
    Stack::start(&config).expect("the stack starts")
}

/// The dead letters' bodies, left in their queue for later checks.
async fn dead_letters(stack: &Stack) -> Vec<Vec<u8>> {
    let conn = lapin::Connection::connect(&stack.broker.url(), Default::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    let mut out = Vec::new();
    while let Some(m) = ch
        .basic_get(DEAD_QUEUE, BasicGetOptions { no_ack: false })
        .await
        .unwrap()
    {
        out.push(m.delivery.data);
    }
    // Not acknowledged: closing returns them to the dead-letter queue.
    let _ = conn.close(200, "done").await;
    out
}

/// Posts every body with `concurrency` in flight; all must be accepted.
async fn post_all(
    client: &reqwest::Client,
    base: &str,
    bodies: Vec<serde_json::Value>,
    concurrency: usize,
    accepted: Arc<AtomicUsize>,
) {
    let statuses: Vec<u16> = futures::stream::iter(bodies.into_iter().map(|body| {
        let (client, base, accepted) = (client.clone(), base.to_owned(), accepted.clone());
        async move {
            let (status, _, _) = post(&client, &base, &body).await;
            if status == 202 {
                accepted.fetch_add(1, Ordering::Relaxed);
            }
            status
        }
    }))
    .buffer_unordered(concurrency)
    .collect()
    .await;
    let refused: Vec<&u16> = statuses.iter().filter(|s| **s != 202).collect();
    assert!(
        refused.is_empty(),
        "{} posts not accepted: {refused:?}",
        refused.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipeline_stores_each_workout_exactly_once_through_failures() {
    testkit::full_tier!("RabbitMQ and SecantusDB");
    let mut stack = start_stack();
    let base = stack.servers[0].base_url();
    let client = signed_in_client(&base).await;
    let mut expected: HashSet<String> = HashSet::new();

    // 1. 1,000 distinct workouts posted concurrently, plus 100 posts repeating earlier ids.
    let ids: Vec<Uuid> = (0..1000).map(|_| Uuid::now_v7()).collect();
    let mut bodies: Vec<serde_json::Value> = ids.iter().map(|id| workout(*id, 5)).collect();
    for (i, id) in ids.iter().take(100).enumerate() {
        bodies.insert(i * 10 + 5, workout(*id, 5));
    }
    assert_eq!(bodies.len(), 1100);
    post_all(&client, &base, bodies, 100, Arc::new(AtomicUsize::new(0))).await;
    expected.extend(ids.iter().map(Uuid::to_string));
    await_exactly(&client, &base, &expected, Duration::from_secs(120)).await;
    let store = MongoStore::connect(&stack.uri).await.unwrap();
    assert_eq!(
        store.all_ids().await.unwrap().len(),
        1000,
        "one document per id in MongoDB"
    );
    eprintln!("phase 1: 1,100 posts (100 repeats) → 1,000 records");

    // 2. The consumer is SIGKILLed mid-stream and restarted: still exactly once.
    let ids: Vec<Uuid> = (0..1000).map(|_| Uuid::now_v7()).collect();
    let accepted = Arc::new(AtomicUsize::new(0));
    let load = {
        let (client, base, accepted) = (client.clone(), base.clone(), accepted.clone());
        let bodies = ids.iter().map(|id| workout(*id, 6)).collect();
        tokio::spawn(async move { post_all(&client, &base, bodies, 16, accepted).await })
    };
    while accepted.load(Ordering::Relaxed) < 300 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stack.consumers[0].kill9();
    let persisted_at_kill = store.all_ids().await.unwrap().len();
    load.await.expect("load task");
    stack.consumers[0].start_again().expect("consumer restarts");
    expected.extend(ids.iter().map(Uuid::to_string));
    await_exactly(&client, &base, &expected, Duration::from_secs(120)).await;
    assert_eq!(store.all_ids().await.unwrap().len(), 2000);
    eprintln!(
        "phase 2: consumer killed with {} of 2,000 persisted → 2,000 records",
        persisted_at_kill
    );

    // 3. The database crashes and stays down for 10 s under load: every post is still
    //    answered 202 fast, and everything is persisted once it is back.
    #[derive(Clone)]
    struct Sample {
        started: Instant,
        status: u16,
        took: Duration,
        id: Uuid,
    }
    let latencies: Arc<Mutex<Vec<Sample>>> = Arc::default();
    let stop_load = tokio_util::sync::CancellationToken::new();
    let load = {
        let (client, base, latencies, stop) = (
            client.clone(),
            base.clone(),
            latencies.clone(),
            stop_load.clone(),
        );
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            let mut inflight = Vec::new();
            while !stop.is_cancelled() {
                tick.tick().await;
                let (client, base, latencies) = (client.clone(), base.clone(), latencies.clone());
                inflight.push(tokio::spawn(async move {
                    let id = Uuid::now_v7();
                    let started = Instant::now();
                    let (status, _, took) = post(&client, &base, &workout(id, 7)).await;
                    latencies.lock().unwrap().push(Sample {
                        started,
                        status,
                        took,
                        id,
                    });
                }));
            }
            for t in inflight {
                let _ = t.await;
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let outage_start = Instant::now();
    stack.mongo.crash();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let outage_end = Instant::now();
    stack.mongo.start_again().expect("SecantusDB restarts");
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop_load.cancel();
    load.await.unwrap();
    let results = latencies.lock().unwrap().clone();
    let during: Vec<&Sample> = results
        .iter()
        .filter(|r| r.started >= outage_start && r.started <= outage_end)
        .collect();
    let mut lat: Vec<Duration> = during.iter().map(|r| r.took).collect();
    lat.sort();
    eprintln!(
        "phase 3: {} posts during the 10 s outage: p50 {:?}, p99 {:?}, max {:?}",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or_default()
    );
    assert!(
        during.len() > 300,
        "load ran through the outage ({} posts)",
        during.len()
    );
    assert!(
        results.iter().all(|r| r.status == 202),
        "every post answered 202"
    );
    // A post that waited on MongoDB would wait out the driver's server selection (30 s). This
    // debug build on a shared 2-core machine answers the odd post in 100 ms or more for
    // reasons of its own, so the bound here is a stall; the 100 ms promise is the failover
    // drill's, on release builds.
    let stalled: Vec<String> = during
        .iter()
        .filter(|r| r.took >= STALL)
        .map(|r| format!("{:?} at +{:?}", r.took, r.started - outage_start))
        .collect();
    assert!(
        stalled.is_empty(),
        "posts during the outage that took {STALL:?} or more: {stalled:?}\nserver log:\n{}",
        stack.servers[0].proc.tail(40)
    );
    expected.extend(results.iter().map(|r| r.id.to_string()));
    await_exactly(&client, &base, &expected, Duration::from_secs(120)).await;
    eprintln!(
        "phase 3: all {} records persisted after the database came back",
        expected.len()
    );

    // 4. A poison message is dead-lettered and does not block the queue.
    let conn = lapin::Connection::connect(&stack.broker.url(), Default::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    ch.confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let mut invalid = workout(Uuid::now_v7(), 0);
    invalid["v"] = 1.into();
    invalid["user_id"] = "default".into();
    invalid["received_at"] = "2026-11-20T17:30:00Z".into();
    let poisons: Vec<Vec<u8>> = vec![
        b"\x00not json at all".to_vec(),
        serde_json::to_vec(&invalid).unwrap(),
    ];
    for body in &poisons {
        ch.basic_publish(
            EXCHANGE,
            ROUTING_KEY,
            BasicPublishOptions::default(),
            body,
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    }
    let after = Uuid::now_v7();
    assert_eq!(post(&client, &base, &workout(after, 5)).await.0, 202);
    expected.insert(after.to_string());
    await_exactly(&client, &base, &expected, Duration::from_secs(60)).await;
    // Two consumer loops may dead-letter them in either order.
    let mut dead = dead_letters(&stack).await;
    dead.sort();
    let mut expected_dead = poisons.clone();
    expected_dead.sort();
    assert_eq!(
        dead, expected_dead,
        "both poison messages are in the dead letters"
    );
    let _ = conn.close(200, "done").await;

    // 5. Bad input is answered 4xx and nothing is published: no new records, no dead letters.
    assert_bad_inputs_rejected(&client, &base).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    await_exactly(&client, &base, &expected, Duration::from_secs(10)).await;
    assert_eq!(dead_letters(&stack).await.len(), 2);

    // 5b. Workout ids are scoped per user: another user posting an id this user has is simply
    //     a workout of their own, stored, with nothing dead-lettered and nothing learned.
    let taken = Uuid::parse_str(expected.iter().next().expect("a stored id")).unwrap();
    let mine_before = get_json(&client, &format!("{base}/api/v1/workouts/{taken}")).await;
    let other = signed_in_client(&base).await;
    let mut theirs = workout(taken, 9);
    theirs["performed_at"] = "2026-11-21T08:00:00Z".into();
    assert_eq!(post(&other, &base, &theirs).await.0, 202);
    let only_theirs: HashSet<String> = [taken.to_string()].into();
    await_exactly(&other, &base, &only_theirs, Duration::from_secs(30)).await;
    let stored = get_json(&other, &format!("{base}/api/v1/workouts/{taken}")).await;
    assert_eq!(
        stored["exercises"][0]["sets"][0]["reps"], 9,
        "their own content"
    );
    let mine = get_json(&client, &format!("{base}/api/v1/workouts/{taken}")).await;
    assert_eq!(mine, mine_before, "the first user's is untouched");
    await_exactly(&client, &base, &expected, Duration::from_secs(10)).await;
    assert_eq!(dead_letters(&stack).await.len(), 2, "nothing dead-lettered");

    // 6. A broker that takes messages but never confirms them (a memory alarm blocks
    //    publishers): the API answers 503 once the confirm timeout passes, and recovers.
    stack
        .broker
        .ctl(&["set_vm_memory_high_watermark", "0.000001"])
        .expect("raise the alarm");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let blocked = post(&client, &base, &workout(Uuid::now_v7(), 5)).await;
    assert_eq!(blocked.0, 503, "no confirm → 503");
    assert_eq!(blocked.1.as_deref(), Some("1"));
    assert!(
        blocked.2 < Duration::from_secs(3),
        "503 after the 1 s confirm timeout, took {:?}",
        blocked.2
    );
    stack
        .broker
        .ctl(&["set_vm_memory_high_watermark", "0.4"])
        .expect("clear the alarm");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut recovered = false;
    while Instant::now() < deadline && !recovered {
        recovered = post(&client, &base, &workout(Uuid::now_v7(), 5)).await.0 == 202;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        recovered,
        "writes are accepted again once the broker confirms"
    );
    eprintln!(
        "phase 6: blocked broker → 503 in {:?}, then recovered",
        blocked.2
    );

    // 7. With the broker gone, writes are refused fast with 503 and Retry-After, never hang.
    stack.broker.stop();
    let mut answers = Vec::new();
    for _ in 0..20 {
        answers.push(post(&client, &base, &workout(Uuid::now_v7(), 5)).await);
    }
    for (status, retry_after, took) in &answers {
        assert_eq!(*status, 503);
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert!(*took < Duration::from_secs(3), "a 503 took {took:?}");
    }
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 503, "not ready without the broker");
    let max = answers.iter().map(|a| a.2).max().unwrap_or_default();
    eprintln!("phase 7: broker down → 20 × 503, slowest {max:?}");
}
