//! The worker on the embedded adapters (a real redb file): the same loop the standalone
//! consumer runs against RabbitMQ and MongoDB, which `server/tests/pipeline.rs` covers.

use std::time::{Duration, Instant};

use adapters::embedded::EmbeddedDb;
use chrono::{TimeZone, Utc};
use consumer::worker::{self, Stopped, WorkerConfig};
use domain::{ExerciseLog, SetLog, WorkoutChange, WorkoutDeleted, WorkoutLogged};
use service::{Account, AccountStore, Publisher, WorkoutStore};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

fn event(reps: u32) -> WorkoutLogged {
    WorkoutLogged {
        revision: 0,
        notes: None,
        v: 1,
        id: Uuid::now_v7(),
        user_id: "u".into(),
        performed_at: Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap(),
        received_at: Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 1).unwrap(),
        exercises: vec![ExerciseLog {
            notes: None,
            group: None,
            exercise: "dip".into(),
            sets: vec![SetLog {
                kind: Default::default(),
                weight_kg: 0.0,
                reps,
                rpe: None,
            }],
        }],
    }
}

/// Opens a database with accounts for `users`.
async fn open(dir: &tempfile::TempDir, users: &[&str]) -> EmbeddedDb {
    let db = EmbeddedDb::open(dir.path()).unwrap();
    for user in users {
        db.accounts()
            .create_account(&Account {
                id: (*user).to_owned(),
                email: format!("{}@example.com", user.replace(' ', "-")),
                password_hash: "h".into(),
                created_at: Utc::now(),
                deleting_since: None,
            })
            .await
            .unwrap();
    }
    db
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
            let db_accounts = db.accounts();
            tokio::spawn(async move {
                let accounts = db_accounts;
                worker::run(
                    &mut source,
                    &store,
                    &accounts,
                    &accounts,
                    &WorkerConfig::default(),
                    &shutdown,
                )
                .await
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
    let db = open(&dir, &["u"]).await;
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
    let db = open(&dir, &["u", "someone else"]).await;
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

/// The event as an edit: version 2, at `revision`, with `reps` in its first set.
fn edited(event: &WorkoutLogged, revision: u64, reps: u32) -> WorkoutLogged {
    let mut e = event.clone();
    e.v = domain::EVENT_VERSION;
    e.revision = revision;
    e.exercises[0].sets[0].reps = reps;
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_newest_change_wins_whatever_order_the_queue_holds() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir, &["u"]).await;
    let publisher = db.publisher();
    let (kept, gone, late) = (event(5), event(6), event(7));
    let deleted = |e: &WorkoutLogged| {
        WorkoutChange::Deleted(WorkoutDeleted::new(e.id, e.user_id.clone(), Utc::now()))
    };
    // In one batch: the edit before the version it edits; a delete before the log it deletes;
    // and a delete between two edits.
    publisher.publish(&edited(&kept, 20, 2)).await.unwrap();
    publisher.publish(&edited(&kept, 10, 1)).await.unwrap();
    publisher.publish(&kept).await.unwrap();
    publisher.publish_change(&deleted(&gone)).await.unwrap();
    publisher.publish(&gone).await.unwrap();
    publisher.publish(&edited(&late, 3, 3)).await.unwrap();
    publisher.publish_change(&deleted(&late)).await.unwrap();
    publisher.publish(&edited(&late, 4, 4)).await.unwrap();
    let worker = Running::start(&db);
    worker.drain(&db).await;
    // And again, in batches of their own.
    publisher.publish(&kept).await.unwrap();
    publisher.publish(&gone).await.unwrap();
    publisher.publish(&edited(&late, 5, 5)).await.unwrap();
    worker.drain(&db).await;
    let store = db.store();
    assert_eq!(
        store.get("u", kept.id).await.unwrap(),
        Some(edited(&kept, 20, 2))
    );
    assert_eq!(store.get("u", gone.id).await.unwrap(), None);
    assert_eq!(store.get("u", late.id).await.unwrap(), None);
    assert!(db.dead_letters().await.unwrap().is_empty());
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_of_a_deleted_or_unknown_account_are_discarded_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir, &["u", "leaving"]).await;
    let publisher = db.publisher();
    let mine = event(5);
    let mut theirs = event(6);
    theirs.user_id = "leaving".into();
    let mut stranger = event(7);
    stranger.user_id = "never signed up".into();
    // Stored before the deletion began: the deletion removes it.
    let mut before = event(8);
    before.user_id = "leaving".into();
    let worker = Running::start(&db);
    publisher.publish(&before).await.unwrap();
    worker.drain(&db).await;
    assert!(db
        .store()
        .get("leaving", before.id)
        .await
        .unwrap()
        .is_some());

    db.accounts()
        .begin_deletion("leaving", Utc::now())
        .await
        .unwrap();
    publisher.publish(&mine).await.unwrap();
    publisher.publish(&theirs).await.unwrap();
    publisher.publish(&stranger).await.unwrap();
    worker.drain(&db).await;
    let store = db.store();
    assert_eq!(store.get("u", mine.id).await.unwrap(), Some(mine));
    assert_eq!(store.get("leaving", theirs.id).await.unwrap(), None);
    assert_eq!(store.get("leaving", before.id).await.unwrap(), None);
    assert_eq!(
        store.get("never signed up", stranger.id).await.unwrap(),
        None
    );
    assert!(db
        .rows_mentioning("never signed up")
        .await
        .unwrap()
        .is_empty());
    assert!(
        db.dead_letters().await.unwrap().is_empty(),
        "discarded, not dead-lettered"
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shuffled_changes_with_redeliveries_and_a_crash_end_as_they_were_made() {
    let dir = testkit::tmpfs_tempdir("ironlog-order").unwrap();
    let users: Vec<String> = ["ana", "ben", "cy"].map(String::from).to_vec();
    let db = open(&dir, &["ana", "ben", "cy"]).await;
    let script = testkit::changes::Script::generate(&users, 1200, 7);
    let delivered = script.delivered(5, 11);
    assert!(
        delivered.len() > 2500,
        "a few thousand changes: {}",
        delivered.len()
    );
    let publisher = db.publisher();
    for change in &delivered {
        publisher.publish_change(change).await.unwrap();
    }

    // The worker is dropped mid-stream, whatever batch it was in: nothing it took is
    // acknowledged, so the next one gets it all again.
    let worker = Running::start(&db);
    let total = db.queue_depth().await.unwrap();
    while db.queue_depth().await.unwrap() > total / 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    worker.task.abort();
    let _ = worker.task.await;
    let worker = Running::start(&db);
    worker.drain(&db).await;
    worker.stop().await;

    let store = db.store();
    let expected = script.expected();
    for ((user, id), want) in &expected {
        assert_eq!(&store.get(user, *id).await.unwrap(), want, "{user}/{id}");
    }
    for user in &users {
        let listed = store.list(user, 10_000, None).await.unwrap().items;
        let live = expected
            .iter()
            .filter(|((u, _), w)| u == user && w.is_some())
            .count();
        assert_eq!(listed.len(), live, "{user}: nothing else is listed");
    }
    let deleted = expected.values().filter(|w| w.is_none()).count();
    assert!(deleted > 100, "the script deletes: {deleted}");
    assert!(db.dead_letters().await.unwrap().is_empty());
}
