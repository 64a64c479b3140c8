//! One contract, four adapters: the embedded (redb) and MongoDB stores, and the embedded
//! (redb) and RabbitMQ queues, against real servers started by the testkit.

use std::collections::HashSet;
use std::time::Duration;

use adapters::embedded::{EmbeddedDb, EmbeddedSource};
use adapters::mongo::MongoStore;
use adapters::rabbit::{self, BrokerAddrs, RabbitPublisher, RabbitSource};
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use domain::profile::Profile;
use domain::{Cursor, ExerciseLog, SetLog, WorkoutLogged};
use lapin::options::BasicGetOptions;
use service::{EventSource, ProfileStore, Publisher, WorkoutStore};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

fn event(user: &str, at: DateTime<Utc>, reps: u32) -> WorkoutLogged {
    WorkoutLogged {
        v: 1,
        id: Uuid::now_v7(),
        user_id: user.into(),
        performed_at: at,
        received_at: Utc.timestamp_millis_opt(1_763_900_000_123).unwrap(),
        exercises: vec![ExerciseLog {
            exercise: "squat".into(),
            sets: vec![
                SetLog {
                    weight_kg: 102.5,
                    reps,
                    rpe: Some(8.5),
                },
                SetLog {
                    weight_kg: 60.0,
                    reps: 12,
                    rpe: None,
                },
            ],
        }],
    }
}

fn day(n: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_700_000_000_000 + n * 86_400_000 + 7)
        .unwrap()
}

/// Profiles: none before the first save, then exactly what was saved, replaced whole, per user.
async fn profile_contract(store: &dyn ProfileStore) {
    assert_eq!(store.profile("pat").await.unwrap(), None);
    let mut profile = Profile {
        active_program: "gzclp".into(),
        warmups: false,
        ..Profile::default()
    };
    store.put_profile("pat", &profile).await.unwrap();
    assert_eq!(store.profile("pat").await.unwrap().as_ref(), Some(&profile));
    profile.gym = domain::units::Gym::imperial();
    store.put_profile("pat", &profile).await.unwrap();
    assert_eq!(store.profile("pat").await.unwrap(), Some(profile));
    assert_eq!(store.profile("sam").await.unwrap(), None);
}

async fn store_contract(store: &dyn WorkoutStore) {
    store.ensure_indexes().await.expect("indexes");
    store
        .ensure_indexes()
        .await
        .expect("indexes are idempotent");
    store.ping().await.expect("ping");

    // Get is scoped to the user.
    let a = event("alice", day(1), 5);
    let b = event("bob", day(1), 5);
    store.upsert(&[a.clone(), b.clone()]).await.unwrap();
    assert_eq!(store.get("alice", a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        store.get("bob", a.id).await.unwrap(),
        None,
        "another user's workout is invisible"
    );
    assert_eq!(store.get("alice", Uuid::now_v7()).await.unwrap(), None);

    // Ids are scoped per user: another user's workout with the same id is a workout of their
    // own, alone or beside a fresh one, in separate batches or in one, and neither replaces
    // nor reveals the other.
    let mut same_id = b.clone();
    same_id.id = a.id;
    let other = event("bob", day(2), 7);
    store
        .upsert(&[other.clone(), same_id.clone()])
        .await
        .unwrap();
    assert_eq!(store.get("alice", a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(store.get("bob", a.id).await.unwrap(), Some(same_id.clone()));
    assert_eq!(store.get("bob", other.id).await.unwrap(), Some(other));
    let first = event("dana", day(3), 3);
    let mut second = event("erin", day(3), 9);
    second.id = first.id;
    store
        .upsert(&[first.clone(), second.clone()])
        .await
        .unwrap();
    assert_eq!(
        store.get("dana", first.id).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.get("erin", first.id).await.unwrap(),
        Some(second.clone())
    );
    let mut mine = first.clone();
    mine.exercises[0].sets[0].reps = 4;
    store.upsert(std::slice::from_ref(&mine)).await.unwrap();
    assert_eq!(store.get("dana", first.id).await.unwrap(), Some(mine));
    assert_eq!(
        store.get("erin", first.id).await.unwrap(),
        Some(second),
        "untouched"
    );
    assert_eq!(store.list("erin", 10, None).await.unwrap().items.len(), 1);

    // Upserting again, even with changed content, leaves one record with the latest content.
    store.upsert(std::slice::from_ref(&a)).await.unwrap();
    let mut moved = a.clone();
    moved.performed_at = day(2);
    moved.exercises[0].sets[0].reps = 3;
    store.upsert(std::slice::from_ref(&moved)).await.unwrap();
    let page = store.list("alice", 100, None).await.unwrap();
    assert_eq!(page.items, vec![moved.clone()]);
    assert_eq!(page.next, None);

    // A batch mixing a stored id with a new one: both land, the stored one replaced.
    let fresh = event("alice", day(3), 4);
    store.upsert(&[fresh.clone(), a.clone()]).await.unwrap();
    let page = store.list("alice", 100, None).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(store.get("alice", a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        store.get("alice", fresh.id).await.unwrap(),
        Some(fresh.clone())
    );

    // Pagination: newest first, ties on performed_at broken by id, nothing lost or repeated.
    let mut all: Vec<WorkoutLogged> = (0..25).map(|i| event("carol", day(i), 5)).collect();
    all.extend((0..4).map(|_| event("carol", day(10), 6)));
    for chunk in all.chunks(7) {
        store.upsert(chunk).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut before: Option<Cursor> = None;
    let mut pages = 0;
    loop {
        let page = store.list("carol", 10, before).await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 10);
        seen.extend(page.items);
        match page.next {
            Some(c) => before = Some(c),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), all.len());
    let ids: HashSet<Uuid> = seen.iter().map(|w| w.id).collect();
    assert_eq!(ids, all.iter().map(|w| w.id).collect::<HashSet<_>>());
    for pair in seen.windows(2) {
        let (x, y) = (&pair[0], &pair[1]);
        assert!(
            (x.performed_at, x.id.to_string()) > (y.performed_at, y.id.to_string()),
            "not newest first: {} then {}",
            x.performed_at,
            y.performed_at
        );
    }
    // A page exactly as long as what is left has no next.
    let exact = store.list("carol", all.len(), None).await.unwrap();
    assert_eq!((exact.items.len(), exact.next), (all.len(), None));
    assert!(store
        .list("nobody", 10, None)
        .await
        .unwrap()
        .items
        .is_empty());
}

#[async_trait]
trait QueueUnderTest {
    type Source: EventSource;
    fn publisher(&self) -> &dyn Publisher;
    async fn open(&self) -> Self::Source;
    async fn close(&self, source: Self::Source);
    async fn dead_letters(&self) -> Vec<Vec<u8>>;
}

async fn expect_nothing<S: EventSource>(source: &mut S) {
    let got = tokio::time::timeout(Duration::from_millis(1500), source.next_batch(10)).await;
    assert!(
        got.is_err(),
        "expected an empty queue, got {:?}",
        got.map(|b| b.map(|d| d.len()))
    );
}

async fn take<S: EventSource>(source: &mut S, n: usize) -> Vec<service::Delivery> {
    let mut out = Vec::new();
    while out.len() < n {
        let batch = tokio::time::timeout(Duration::from_secs(10), source.next_batch(n - out.len()))
            .await
            .expect("messages should arrive")
            .expect("next_batch");
        out.extend(batch);
    }
    out
}

async fn queue_contract<Q: QueueUnderTest>(q: &Q) {
    // Published messages arrive in order, byte for byte.
    let events: Vec<WorkoutLogged> = (0..5).map(|i| event("dave", day(i), 5)).collect();
    for e in &events {
        q.publisher().publish(e).await.expect("publish");
    }
    let mut source = q.open().await;
    let got = take(&mut source, 5).await;
    let bodies: Vec<WorkoutLogged> = got
        .iter()
        .map(|d| serde_json::from_slice(&d.body).unwrap())
        .collect();
    assert_eq!(bodies, events);

    // Acknowledge two; the other three come back after the consumer goes away.
    source.ack(&[got[0].tag, got[1].tag]).await.unwrap();
    q.close(source).await;
    let mut source = q.open().await;
    let again = take(&mut source, 3).await;
    let ids: Vec<Uuid> = again
        .iter()
        .map(|d| serde_json::from_slice::<WorkoutLogged>(&d.body).unwrap().id)
        .collect();
    assert_eq!(ids, events[2..].iter().map(|e| e.id).collect::<Vec<_>>());
    let tags: Vec<u64> = again.iter().map(|d| d.tag).collect();
    source.ack(&tags).await.unwrap();
    expect_nothing(&mut source).await;

    // A rejected message goes to the dead letters and does not hold up the next one.
    q.publisher()
        .publish_bytes("poison", b"{not json".to_vec())
        .await
        .unwrap();
    let next = event("dave", day(9), 5);
    q.publisher().publish(&next).await.unwrap();
    let got = take(&mut source, 2).await;
    assert_eq!(got[0].body, b"{not json");
    source.reject(got[0].tag).await.unwrap();
    source.ack(&[got[1].tag]).await.unwrap();
    q.close(source).await;
    let mut source = q.open().await;
    expect_nothing(&mut source).await;
    q.close(source).await;
    let dead = q.dead_letters().await;
    assert_eq!(dead, vec![b"{not json".to_vec()]);
    assert!(q.publisher().is_connected());
}

struct EmbeddedQueue(EmbeddedDb, adapters::embedded::EmbeddedPublisher);

#[async_trait]
impl QueueUnderTest for EmbeddedQueue {
    type Source = EmbeddedSource;
    fn publisher(&self) -> &dyn Publisher {
        &self.1
    }
    async fn open(&self) -> EmbeddedSource {
        self.0.source()
    }
    async fn close(&self, _source: EmbeddedSource) {}
    async fn dead_letters(&self) -> Vec<Vec<u8>> {
        self.0.dead_letters().await.unwrap()
    }
}

struct Rabbit {
    addrs: BrokerAddrs,
    url: String,
    publisher: RabbitPublisher,
}

#[async_trait]
impl QueueUnderTest for Rabbit {
    type Source = RabbitSource;
    fn publisher(&self) -> &dyn Publisher {
        &self.publisher
    }
    async fn open(&self) -> RabbitSource {
        RabbitSource::connect(&self.addrs, &mut 0, 50)
            .await
            .expect("consume")
    }
    async fn close(&self, source: RabbitSource) {
        source.close().await;
    }
    async fn dead_letters(&self) -> Vec<Vec<u8>> {
        let conn = lapin::Connection::connect(&self.url, Default::default())
            .await
            .unwrap();
        let ch = conn.create_channel().await.unwrap();
        let mut out = Vec::new();
        while let Some(m) = ch
            .basic_get(rabbit::DEAD_QUEUE, BasicGetOptions { no_ack: true })
            .await
            .unwrap()
        {
            out.push(m.delivery.data);
        }
        out
    }
}

#[tokio::test]
async fn embedded_adapters_meet_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let db = EmbeddedDb::open(dir.path()).unwrap();
    store_contract(&db.store()).await;
    profile_contract(&db.accounts()).await;
    let q = EmbeddedQueue(db.clone(), db.publisher());
    queue_contract(&q).await;
    // Everything survives reopening the file.
    drop(q);
    drop(db);
    let db = EmbeddedDb::open(dir.path()).unwrap();
    assert_eq!(
        db.store()
            .list("carol", 100, None)
            .await
            .unwrap()
            .items
            .len(),
        29
    );
    assert_eq!(db.dead_letters().await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_and_rabbitmq_adapters_meet_the_contract() {
    let mongo = testkit::Secantus::start().expect("SecantusDB");
    let store = MongoStore::connect(&mongo.uri("contract")).await.unwrap();
    store_contract(&store).await;
    profile_contract(&store).await;

    let broker = testkit::RabbitMq::start().expect("RabbitMQ");
    let addrs = BrokerAddrs::parse(&broker.url()).unwrap();
    let shutdown = CancellationToken::new();
    let publisher = RabbitPublisher::start(addrs.clone(), Duration::from_secs(5), shutdown.clone());
    assert!(
        publisher.wait_connected(Duration::from_secs(20)).await,
        "publisher connects"
    );
    let q = Rabbit {
        addrs,
        url: broker.url(),
        publisher,
    };
    queue_contract(&q).await;
    shutdown.cancel();
}

#[tokio::test]
async fn an_embedded_store_of_the_old_layout_is_moved_to_keys_per_user() {
    let dir = tempfile::tempdir().unwrap();
    let a = event("alice", day(1), 5);
    let b = event("bob", day(2), 6);
    {
        // The layout before ids were scoped per user: workout id → event, plus the index.
        let legacy: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("workouts");
        let by_user: redb::TableDefinition<(&str, i64, &str), ()> =
            redb::TableDefinition::new("workouts_by_user");
        let db = redb::Database::create(dir.path().join("ironlog.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(legacy).unwrap();
            let mut i = txn.open_table(by_user).unwrap();
            for e in [&a, &b] {
                let id = e.id.to_string();
                t.insert(id.as_str(), serde_json::to_vec(e).unwrap().as_slice())
                    .unwrap();
                i.insert(
                    (
                        e.user_id.as_str(),
                        e.performed_at.timestamp_millis(),
                        id.as_str(),
                    ),
                    (),
                )
                .unwrap();
            }
        }
        txn.commit().unwrap();
    }
    let db = EmbeddedDb::open(dir.path()).unwrap();
    let store = db.store();
    assert_eq!(store.get("alice", a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(store.get("bob", b.id).await.unwrap(), Some(b.clone()));
    assert_eq!(
        store.list("alice", 10, None).await.unwrap().items,
        vec![a.clone()]
    );
    // A redelivery of the old event after the move replaces it, not a second copy.
    store.upsert(std::slice::from_ref(&a)).await.unwrap();
    assert_eq!(store.list("alice", 10, None).await.unwrap().items, vec![a]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mongodb_store_of_the_old_layout_is_moved_to_keys_per_user() {
    let mongo = testkit::Secantus::start().expect("SecantusDB");
    let store = MongoStore::connect(&mongo.uri("legacy")).await.unwrap();
    let a = event("alice", day(1), 5);
    let b = event("bob", day(2), 6);
    let raw = store
        .client()
        .database("legacy")
        .collection::<mongodb::bson::Document>("workouts");
    for e in [&a, &b] {
        // As the store wrote them before: `_id` the bare workout id, no `workout_id`.
        let mut d = adapters::mongo::to_document(e).unwrap();
        d.insert("_id", e.id.to_string());
        d.remove("workout_id");
        raw.insert_one(d).await.unwrap();
    }
    // A newer write of b under the new key before the move (a stop half-way, or a write while
    // the move runs), and a document nobody can read.
    let mut b_newer = b.clone();
    b_newer.exercises[0].sets[0].reps = 9;
    store.upsert(std::slice::from_ref(&b_newer)).await.unwrap();
    raw.insert_one(mongodb::bson::doc! {"_id": "garbage", "v": "x"})
        .await
        .unwrap();
    assert_eq!(
        store.get("alice", a.id).await.unwrap(),
        None,
        "not yet moved"
    );
    store.ensure_indexes().await.unwrap();
    assert_eq!(store.get("alice", a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        store.get("bob", b.id).await.unwrap(),
        Some(b_newer),
        "the old copy never overwrites a newer write"
    );
    store.ensure_indexes().await.unwrap();
    store.upsert(std::slice::from_ref(&a)).await.unwrap();
    assert_eq!(store.list("alice", 10, None).await.unwrap().items, vec![a]);
    assert_eq!(
        raw.count_documents(mongodb::bson::doc! {}).await.unwrap(),
        3,
        "a, b, and the unreadable one left in place"
    );
}
