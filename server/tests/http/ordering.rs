//! Changes in any order, against real parts: a few thousand logs, edits and deletes published
//! to RabbitMQ shuffled and partly twice, consumed by two `ironlog-consumer`s into SecantusDB,
//! one of them SIGKILLed mid-stream and restarted. The store must end as if every change had
//! been applied in the order it was made.

use std::path::Path;
use std::time::{Duration, Instant};

use adapters::mongo::MongoStore;
use adapters::rabbit::{BrokerAddrs, RabbitPublisher};
use futures::StreamExt;
use service::{Account, AccountStore, Publisher, WorkoutStore};
use testkit::changes::{Expected, Script};
use testkit::{Stack, StackConfig};
use tokio_util::sync::CancellationToken;

/// What differs between the store and `expected`, at most a few, as text.
async fn differences(store: &MongoStore, users: &[String], expected: &Expected) -> Vec<String> {
    let mut out = Vec::new();
    for user in users {
        let listed = store.list(user, 100_000, None).await.unwrap().items;
        let want = expected
            .iter()
            .filter(|((u, _), w)| u == user && w.is_some())
            .count();
        if listed.len() != want {
            out.push(format!("{user}: {} listed, {want} expected", listed.len()));
        }
        for got in listed {
            let key = (user.clone(), got.id);
            match expected.get(&key) {
                Some(Some(w)) if *w == got => {}
                Some(Some(w)) => out.push(format!(
                    "{}: revision {} instead of {}",
                    got.id, got.revision, w.revision
                )),
                Some(None) => out.push(format!("{}: deleted, but stored", got.id)),
                None => out.push(format!("{}: never made, but stored", got.id)),
            }
        }
    }
    out.truncate(5);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consumers_end_in_the_order_changes_were_made_whatever_the_delivery() {
    testkit::full_tier!("RabbitMQ and SecantusDB");
    let mut config = StackConfig::new(
        Path::new(env!("CARGO_BIN_EXE_ironlog-server")).to_path_buf(),
        testkit::ironlog_bin("ironlog-consumer").expect("consumer binary"),
    );
    config.consumers = 2;
    let mut stack = Stack::start(&config).expect("the stack starts");
    let store = MongoStore::connect(&stack.uri).await.unwrap();
    let users: Vec<String> = (0..4)
        .map(|i| format!("order-{i}-{}", uuid::Uuid::now_v7()))
        .collect();
    for user in &users {
        store
            .create_account(&Account {
                id: user.clone(),
                email: format!("{user}@example.com"),
                password_hash: "unusable".into(),
                created_at: chrono::Utc::now(),
                deleting_since: None,
            })
            .await
            .unwrap();
    }
    let script = Script::generate(&users, 1000, 3);
    let delivered = script.delivered(4, 5);
    let expected = script.expected();
    eprintln!(
        "{} changes made, {} delivered, {} workouts, {} deleted",
        script.changes.len(),
        delivered.len(),
        expected.len(),
        expected.values().filter(|w| w.is_none()).count()
    );

    let shutdown = CancellationToken::new();
    let addrs = BrokerAddrs::parse(&stack.broker.url()).unwrap();
    let publisher = RabbitPublisher::start(addrs, Duration::from_secs(5), shutdown.clone());
    assert!(publisher.wait_connected(Duration::from_secs(20)).await);
    let (first, rest) = delivered.split_at(delivered.len() / 3);
    let publish_all = |changes: Vec<domain::WorkoutChange>| {
        let publisher = publisher.clone();
        async move {
            futures::stream::iter(changes)
                .map(|c| {
                    let publisher = publisher.clone();
                    async move { publisher.publish_change(&c).await }
                })
                .buffer_unordered(32)
                .for_each(|r| async move { r.expect("published and confirmed") })
                .await;
        }
    };
    let started = Instant::now();
    publish_all(first.to_vec()).await;
    // Killed while it has batches in hand; the rest is published while it is down.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stack.consumers[0].kill9();
    publish_all(rest.to_vec()).await;
    stack.consumers[0]
        .start_again()
        .expect("the consumer restarts");

    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let diff = differences(&store, &users, &expected).await;
        if diff.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the store never matched the order the changes were made in: {diff:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("matched after {:?}", started.elapsed());
    // Settled, not passing through: the queue is empty and the store still matches.
    let settle = Instant::now() + Duration::from_secs(60);
    while stack.queue_messages(adapters::rabbit::QUEUE).unwrap() > 0 {
        assert!(Instant::now() < settle, "the queue drains");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        differences(&store, &users, &expected).await,
        Vec::<String>::new()
    );
    for ((user, id), want) in &expected {
        assert_eq!(&store.get(user, *id).await.unwrap(), want, "{user}/{id}");
    }
    shutdown.cancel();
}
