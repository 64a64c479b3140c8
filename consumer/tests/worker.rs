//! The worker on the embedded adapters (a real redb file): the same loop the standalone
//! consumer runs against RabbitMQ and MongoDB, which `server/tests/pipeline.rs` covers.

use std::time::{Duration, Instant};

use adapters::embedded::EmbeddedDb;
use chrono::{TimeZone, Utc};
use consumer::worker::{self, Stopped, WorkerConfig};
use domain::{ExerciseLog, SetLog, WorkoutLogged};
use service::{Publisher, WorkoutStore};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

fn event(reps: u32) -> WorkoutLogged {
    WorkoutLogged {
        v: 1,
        id: Uuid::now_v7(),
        user_id: "u".into(),
        performed_at: Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap(),
        received_at: Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 1).unwrap(),
        exercises: vec![ExerciseLog {
            exercise: "dip".into(),
            sets: vec![SetLog {
                weight_kg: 0.0,
                reps,
                rpe: None,
            }],
        }],
    }
}

/// The worker loop on the database's queue and store.
struct Running {
    task: tokio::task::JoinHandle<Stopped>,
    shutdown: CancellationToken,
}

impl Running {
    fn start(db: &EmbeddedDb) -> Self {
        let shutdown = CancellationToken::new();
        let task = {
            let (store, mut source, shutdown) = (db.store(), db.source(), shutdown.clone());
            tokio::spawn(async move {
                worker::run(&mut source, &store, &WorkerConfig::default(), &shutdown).await
            })
        };
        Self { task, shutdown }
    }

    async fn drain(&self, db: &EmbeddedDb) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while db.queue_depth().await.unwrap() > 0 {
            assert!(Instant::now() < deadline, "the queue drains");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn stop(self) {
        self.shutdown.cancel();
        let stopped = tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("stops promptly")
            .unwrap();
        assert!(matches!(stopped, Stopped::Shutdown));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persists_each_event_once_and_dead_letters_what_cannot_be_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = EmbeddedDb::open(dir.path()).unwrap();
    let publisher = db.publisher();
    let (a, b) = (event(10), event(12));
    let mut a_again = a.clone();
    a_again.exercises[0].sets[0].reps = 11;
    publisher.publish(&a).await.unwrap();
    publisher.publish(&a_again).await.unwrap();
    publisher
        .publish_bytes("junk", b"not json".to_vec())
        .await
        .unwrap();
    publisher.publish(&event(0)).await.unwrap(); // reps out of range
    publisher.publish(&b).await.unwrap();

    let worker = Running::start(&db);
    worker.drain(&db).await;
    let stored = db.store().list("u", 10, None).await.unwrap().items;
    assert_eq!(stored.len(), 2, "one record per id");
    let stored_a = stored.iter().find(|w| w.id == a.id).expect("a stored");
    assert_eq!(
        stored_a.exercises[0].sets[0].reps, 11,
        "the later delivery of an id wins"
    );
    assert!(stored.iter().any(|w| w.id == b.id));
    assert_eq!(
        db.dead_letters().await.unwrap().len(),
        2,
        "junk and the invalid event"
    );

    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_that_another_user_has_is_a_workout_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let db = EmbeddedDb::open(dir.path()).unwrap();
    let publisher = db.publisher();
    let mine = event(5);
    let mut theirs = event(8);
    theirs.id = mine.id;
    theirs.user_id = "someone else".into();
    let fresh = event(6);
    publisher.publish(&mine).await.unwrap();
    publisher.publish(&theirs).await.unwrap();
    publisher.publish(&fresh).await.unwrap();

    let worker = Running::start(&db);
    worker.drain(&db).await;
    let store = db.store();
    assert_eq!(store.get("u", mine.id).await.unwrap(), Some(mine.clone()));
    assert_eq!(store.get("u", fresh.id).await.unwrap(), Some(fresh));
    assert_eq!(
        store.get("someone else", mine.id).await.unwrap(),
        Some(theirs),
        "ids are scoped per user: both are stored"
    );
    assert!(
        db.dead_letters().await.unwrap().is_empty(),
        "nothing dead-lettered"
    );

    worker.stop().await;
}
