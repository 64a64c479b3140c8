//! One contract, four adapters: the embedded (redb) and MongoDB stores, and the embedded
//! (redb) and RabbitMQ queues, against real servers started by the testkit.

use std::collections::HashSet;
use std::time::Duration;

use adapters::embedded::{EmbeddedDb, EmbeddedSource};
use adapters::mongo::MongoStore;
use adapters::rabbit::{self, BrokerAddrs, RabbitPublisher, RabbitSource};
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use domain::bodyweight::Weighing;
use domain::profile::Profile;
use domain::{Cursor, ExerciseLog, SetLog, WorkoutChange, WorkoutDeleted, WorkoutLogged};
use lapin::options::BasicGetOptions;
use service::{
    Account, AccountStore, EventSource, ProfileStore, Publisher, Session, SessionStore,
    WorkoutStore,
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

#[path = "contract/read_models.rs"]
mod read_models;

fn event(user: &str, at: DateTime<Utc>, reps: u32) -> WorkoutLogged {
    WorkoutLogged {
        revision: 0,
        notes: None,
        v: 1,
        id: Uuid::now_v7(),
        user_id: user.into(),
        performed_at: at,
        received_at: Utc.timestamp_millis_opt(1_763_900_000_123).unwrap(),
        exercises: vec![ExerciseLog {
            notes: None,
            group: None,
            exercise: "squat".into(),
            sets: vec![
                SetLog {
                    kind: Default::default(),
                    weight_kg: 102.5,
                    reps,
                    rpe: Some(8.5),
                },
                SetLog {
                    kind: Default::default(),
                    weight_kg: 60.0,
                    reps: 12,
                    rpe: None,
                },
            ],
        }],
    }
}

fn saved(event: &WorkoutLogged) -> WorkoutChange {
    WorkoutChange::Saved(event.clone())
}

fn deleted(event: &WorkoutLogged) -> WorkoutChange {
    WorkoutChange::Deleted(WorkoutDeleted::new(
        event.id,
        event.user_id.clone(),
        day(40),
    ))
}

/// The same workout at another revision (version 2), its first set's reps changed.
fn revised(event: &WorkoutLogged, revision: u64, reps: u32) -> WorkoutLogged {
    let mut e = event.clone();
    e.v = domain::EVENT_VERSION;
    e.revision = revision;
    e.exercises[0].sets[0].reps = reps;
    e
}

/// Revisions and tombstones: the newest save wins in any order, and a delete stays.
async fn revision_contract(store: &dyn WorkoutStore) {
    let apply = |changes: Vec<WorkoutChange>| async move { store.apply(&changes).await.unwrap() };
    let get = |e: &WorkoutLogged| {
        let (user, id) = (e.user_id.clone(), e.id);
        async move { store.get(&user, id).await.unwrap() }
    };

    // An edit, then its older version redelivered: the edit wins, in separate calls or one.
    let original = revised(&event("rita", day(1), 5), 1, 5);
    let edit = revised(&original, 1_764_000_000_000, 3);
    apply(vec![saved(&original)]).await;
    apply(vec![saved(&edit)]).await;
    apply(vec![saved(&original)]).await;
    assert_eq!(get(&original).await, Some(edit.clone()), "the edit wins");
    let other = revised(&event("rita", day(2), 5), 1, 5);
    let other_edit = revised(&other, 7, 8);
    apply(vec![saved(&other_edit), saved(&other)]).await;
    assert_eq!(
        get(&other).await,
        Some(other_edit.clone()),
        "in one call too"
    );
    // A version 1 document (no revision) is older than any edit.
    let legacy = event("rita", day(3), 5);
    apply(vec![saved(&legacy)]).await;
    let legacy_edit = revised(&legacy, 2, 1);
    apply(vec![saved(&legacy_edit)]).await;
    apply(vec![saved(&legacy)]).await;
    assert_eq!(get(&legacy).await, Some(legacy_edit));
    // An edit that moves the workout in time moves it in the history, once.
    let mut moved = revised(&original, 1_764_000_000_001, 2);
    moved.performed_at = day(9);
    apply(vec![saved(&moved)]).await;
    let listed: Vec<Uuid> = store
        .list("rita", 10, None)
        .await
        .unwrap()
        .items
        .iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(
        listed,
        [original.id, legacy.id, other.id],
        "newest first, no stale copy"
    );

    // Delete, then the original log redelivered: still deleted.
    apply(vec![deleted(&original)]).await;
    apply(vec![saved(&original)]).await;
    assert_eq!(
        get(&original).await,
        None,
        "the redelivered log stays deleted"
    );
    // Delete, then an edit delivered late (and a later one too): still deleted.
    apply(vec![deleted(&other)]).await;
    apply(vec![saved(&revised(&other, 9, 9))]).await;
    apply(vec![saved(&revised(&other, 1_764_000_000_500, 9))]).await;
    assert_eq!(get(&other).await, None, "a late edit stays deleted");
    // A delete that arrives before the workout it deletes (an outbox, a second consumer).
    let early = revised(&event("rita", day(4), 5), 1, 5);
    apply(vec![deleted(&early)]).await;
    apply(vec![saved(&early)]).await;
    assert_eq!(get(&early).await, None);
    // Both in one call, either order.
    let both = revised(&event("rita", day(5), 5), 1, 5);
    apply(vec![saved(&both), deleted(&both)]).await;
    let both2 = revised(&event("rita", day(6), 5), 1, 5);
    apply(vec![deleted(&both2), saved(&both2)]).await;
    assert_eq!((get(&both).await, get(&both2).await), (None, None));
    // Deleting twice is harmless; deletes are per user.
    apply(vec![deleted(&original)]).await;
    let mut theirs = original.clone();
    theirs.user_id = "sara".into();
    apply(vec![saved(&theirs)]).await;
    assert_eq!(
        get(&theirs).await,
        Some(theirs.clone()),
        "another user's workout with that id lives"
    );
    let listed: Vec<Uuid> = store
        .list("rita", 10, None)
        .await
        .unwrap()
        .items
        .iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(listed, [legacy.id], "tombstones are never listed");
    let gone = store.deleted_ids("rita").await.unwrap();
    for w in [&original, &both, &both2, &early] {
        assert!(gone.contains(&w.id), "{} has a tombstone", w.id);
    }
    assert!(!gone.contains(&legacy.id), "a live workout has none");
    assert!(store.deleted_ids("sara").await.unwrap().is_empty());

    // Deleting a user removes their workouts and tombstones, and no one else's.
    store.delete_user("rita").await.unwrap();
    assert!(store.deleted_ids("rita").await.unwrap().is_empty());
    assert!(store.list("rita", 10, None).await.unwrap().items.is_empty());
    assert_eq!(get(&legacy).await, None);
    assert_eq!(get(&theirs).await, Some(theirs));
    store
        .delete_user("rita")
        .await
        .expect("deleting nothing is no error");
}

/// Deleting an account: first marked (no log-in, left out of `active`, sessions ended), then
/// removed with everything under it; `mentions` lists whatever still names the user.
async fn account_deletion_contract<A, S, M, F>(accounts: &A, store: &S, mentions: M)
where
    A: AccountStore + SessionStore + ProfileStore + service::ReadModelStore + Clone,
    S: WorkoutStore + Clone,
    M: Fn(String) -> F,
    F: std::future::Future<Output = Vec<String>>,
{
    let id = Uuid::now_v7().to_string();
    let email = format!("leaving-{id}@example.com");
    let keep = Uuid::now_v7().to_string();
    for (who, mail) in [
        (&id, email.clone()),
        (&keep, format!("staying-{keep}@example.com")),
    ] {
        accounts
            .create_account(&Account {
                id: who.clone(),
                email: mail,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
                created_at: day(0),
                deleting_since: None,
            })
            .await
            .unwrap();
        accounts
            .create_session(&Session {
                id: format!("session-of-{who}"),
                user_id: who.clone(),
                created_at: day(0),
                expires_at: Utc::now() + chrono::Duration::days(1),
            })
            .await
            .unwrap();
        accounts
            .put_profile(who, &Profile::default())
            .await
            .unwrap();
        accounts
            .put_weighing(
                who,
                &Weighing {
                    date: day(1).date_naive(),
                    kg: 81.5,
                },
            )
            .await
            .unwrap();
        let w = event(who, day(1), 5);
        store
            .apply(&[saved(&w), saved(&event(who, day(2), 5)), deleted(&w)])
            .await
            .unwrap();
    }
    let both = [id.clone(), keep.clone(), "nobody".to_owned()];
    assert_eq!(
        accounts.active(&both).await.unwrap(),
        HashSet::from([id.clone(), keep.clone()])
    );

    accounts.begin_deletion(&id, day(3)).await.unwrap();
    // A session another server still trusts writes the profile and a weighing after the
    // deletion began: refused, and nothing of it is left.
    let training = service::Training::new(
        std::sync::Arc::new(store.clone()),
        std::sync::Arc::new(accounts.clone()),
        std::sync::Arc::new(accounts.clone()),
        std::sync::Arc::new(accounts.clone()),
        std::sync::Arc::new(tokio::sync::Notify::new()),
    );
    assert!(matches!(
        training.save_profile(&id, &Profile::default()).await,
        Err(service::ProfileError::AccountGone)
    ));
    let late = Weighing {
        date: day(2).date_naive(),
        kg: 90.0,
    };
    assert!(matches!(
        training.weigh(&id, late, day(3).date_naive()).await,
        Err(service::ProfileError::AccountGone)
    ));
    assert_eq!(accounts.profile(&id).await.unwrap(), None);
    assert_eq!(accounts.weighings(&id).await.unwrap(), []);
    // The account that stays writes as before.
    training
        .save_profile(&keep, &Profile::default())
        .await
        .expect("an active account saves");
    assert_eq!(
        accounts.active(&both).await.unwrap(),
        HashSet::from([keep.clone()])
    );
    assert_eq!(
        accounts.session(&format!("session-of-{id}")).await.unwrap(),
        None
    );
    assert!(accounts.pending_deletions().await.unwrap().contains(&id));
    let marked = accounts
        .account(&id)
        .await
        .unwrap()
        .expect("still there until finished");
    assert_eq!(marked.deleting_since, Some(day(3)));
    accounts.begin_deletion(&id, day(4)).await.unwrap();
    assert_eq!(
        accounts.account(&id).await.unwrap().unwrap().deleting_since,
        Some(day(3)),
        "the first mark stays"
    );

    store.delete_user(&id).await.unwrap();
    accounts.finish_deletion(&id).await.unwrap();
    assert_eq!(
        mentions(id.clone()).await,
        Vec::<String>::new(),
        "nothing names the deleted user"
    );
    assert_eq!(
        mentions(email.clone()).await,
        Vec::<String>::new(),
        "nor their email"
    );
    assert_eq!(accounts.account_by_email(&email).await.unwrap(), None);
    assert!(!accounts.pending_deletions().await.unwrap().contains(&id));
    accounts
        .finish_deletion(&id)
        .await
        .expect("finishing twice is no error");
    // The other account is whole, and the email is free again.
    assert!(accounts
        .session(&format!("session-of-{keep}"))
        .await
        .unwrap()
        .is_some());
    assert!(accounts.profile(&keep).await.unwrap().is_some());
    assert_eq!(store.list(&keep, 10, None).await.unwrap().items.len(), 1);
    assert!(!mentions(keep.clone()).await.is_empty());
    accounts
        .create_account(&Account {
            id: Uuid::now_v7().to_string(),
            email: email.clone(),
            password_hash: "h".into(),
            created_at: day(5),
            deleting_since: None,
        })
        .await
        .expect("the email can sign up again");
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
    weighings_contract(store).await;
}

/// Weighings: one a day per user, in order of day, replaced and removed by day.
async fn weighings_contract(store: &dyn ProfileStore) {
    let on = |n: i64, kg: f64| Weighing {
        date: day(n).date_naive(),
        kg,
    };
    assert_eq!(store.weighings("pat").await.unwrap(), []);
    for w in [on(3, 80.0), on(1, 81.0), on(2, 80.5)] {
        store.put_weighing("pat", &w).await.unwrap();
    }
    store.put_weighing("pat", &on(3, 79.5)).await.unwrap();
    // A user whose id starts with the other's sees only their own.
    store.put_weighing("pat2", &on(1, 60.0)).await.unwrap();
    store.put_weighing("pa", &on(1, 70.0)).await.unwrap();
    assert_eq!(
        store.weighings("pat").await.unwrap(),
        [on(1, 81.0), on(2, 80.5), on(3, 79.5)],
        "oldest first, the day's last weighing kept"
    );
    assert!(store
        .delete_weighing("pat", day(2).date_naive())
        .await
        .unwrap());
    assert!(!store
        .delete_weighing("pat", day(2).date_naive())
        .await
        .unwrap());
    assert!(!store
        .delete_weighing("sam", day(1).date_naive())
        .await
        .unwrap());
    assert_eq!(
        store.weighings("pat").await.unwrap(),
        [on(1, 81.0), on(3, 79.5)]
    );
    assert_eq!(store.weighings("pat2").await.unwrap(), [on(1, 60.0)]);
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
    store.save(&[a.clone(), b.clone()]).await.unwrap();
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
    store.save(&[other.clone(), same_id.clone()]).await.unwrap();
    assert_eq!(store.get("alice", a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(store.get("bob", a.id).await.unwrap(), Some(same_id.clone()));
    assert_eq!(store.get("bob", other.id).await.unwrap(), Some(other));
    let first = event("dana", day(3), 3);
    let mut second = event("erin", day(3), 9);
    second.id = first.id;
    store.save(&[first.clone(), second.clone()]).await.unwrap();
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
    store.save(std::slice::from_ref(&mine)).await.unwrap();
    assert_eq!(store.get("dana", first.id).await.unwrap(), Some(mine));
    assert_eq!(
        store.get("erin", first.id).await.unwrap(),
        Some(second),
        "untouched"
    );
    assert_eq!(store.list("erin", 10, None).await.unwrap().items.len(), 1);

    // Upserting again, even with changed content, leaves one record with the latest content.
    store.save(std::slice::from_ref(&a)).await.unwrap();
    let mut moved = a.clone();
    moved.performed_at = day(2);
    moved.exercises[0].sets[0].reps = 3;
    store.save(std::slice::from_ref(&moved)).await.unwrap();
    let page = store.list("alice", 100, None).await.unwrap();
    assert_eq!(page.items, vec![moved.clone()]);
    assert_eq!(page.next, None);

    // A batch mixing a stored id with a new one: both land, the stored one replaced.
    let fresh = event("alice", day(3), 4);
    store.save(&[fresh.clone(), a.clone()]).await.unwrap();
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
        store.save(chunk).await.unwrap();
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
    revision_contract(&db.store()).await;
    profile_contract(&db.accounts()).await;
    read_models::read_model_contract(&db.accounts(), &db.store()).await;
    read_models::unreadable_parts_are_rebuilt(&db.accounts(), &db.store(), |user, part| {
        let db = db.clone();
        async move {
            let table = match part {
                service::read_model::Part::Plan => "read_model_plans",
                _ => "read_model_progress",
            };
            db.put_raw(table, &user, b"{").await.unwrap();
        }
    })
    .await;
    account_deletion_contract(&db.accounts(), &db.store(), |needle| {
        let db = db.clone();
        async move { db.rows_mentioning(&needle).await.unwrap() }
    })
    .await;
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
    testkit::full_tier!("SecantusDB and RabbitMQ");
    let mongo = testkit::Secantus::start().expect("SecantusDB");
    let store = MongoStore::connect(&mongo.uri("contract")).await.unwrap();
    store_contract(&store).await;
    revision_contract(&store).await;
    profile_contract(&store).await;
    read_models::read_model_contract(&store, &store).await;
    read_models::unreadable_parts_are_rebuilt(&store, &store, |user, part| {
        let db = store.client().database("contract");
        async move {
            use mongodb::bson::{doc, Document};
            match part {
                // A plan that does not decode.
                service::read_model::Part::Plan => {
                    let done = db
                        .collection::<Document>("read_models")
                        .update_one(doc! {"_id": &user}, doc! {"$set": {"plan": "{"}})
                        .await
                        .unwrap();
                    assert_eq!(done.modified_count, 1);
                }
                // Progress's facts missing, as for a record the layout before kept them in.
                _ => {
                    let done = db
                        .collection::<Document>("read_model_progress")
                        .delete_many(doc! {"user": &user})
                        .await
                        .unwrap();
                    assert!(done.deleted_count >= 1, "the model's facts were kept");
                }
            }
        }
    })
    .await;
    account_deletion_contract(&store, &store, |needle| {
        let store = store.clone();
        async move { store.documents_mentioning(&needle).await.unwrap() }
    })
    .await;

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
    store.save(std::slice::from_ref(&a)).await.unwrap();
    assert_eq!(store.list("alice", 10, None).await.unwrap().items, vec![a]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mongodb_store_of_the_old_layout_is_moved_to_keys_per_user() {
    testkit::full_tier!("SecantusDB");
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
    store.save(std::slice::from_ref(&b_newer)).await.unwrap();
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
    store.save(std::slice::from_ref(&a)).await.unwrap();
    assert_eq!(store.list("alice", 10, None).await.unwrap().items, vec![a]);
    assert_eq!(
        raw.count_documents(mongodb::bson::doc! {}).await.unwrap(),
        3,
        "a, b, and the unreadable one left in place"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mongodb_document_written_before_revisions_loses_to_any_edit() {
    testkit::full_tier!("SecantusDB");
    let mongo = testkit::Secantus::start().expect("SecantusDB");
    let store = MongoStore::connect(&mongo.uri("before_revisions"))
        .await
        .unwrap();
    store.ensure_indexes().await.unwrap();
    let old = event("vic", day(1), 5);
    // As the store wrote it before revisions: no `revision` field at all.
    let mut d = adapters::mongo::to_document(&old).unwrap();
    d.remove("revision");
    store
        .client()
        .database("before_revisions")
        .collection::<mongodb::bson::Document>("workouts")
        .insert_one(d)
        .await
        .unwrap();
    assert_eq!(store.get("vic", old.id).await.unwrap(), Some(old.clone()));
    let edit = revised(&old, 2, 9);
    store.save(std::slice::from_ref(&edit)).await.unwrap();
    assert_eq!(store.get("vic", old.id).await.unwrap(), Some(edit.clone()));
    store.save(std::slice::from_ref(&old)).await.unwrap();
    assert_eq!(
        store.get("vic", old.id).await.unwrap(),
        Some(edit),
        "the old event redelivered"
    );
}

/// Deleting a user in the embedded store takes their dead letters too (readable or not), and
/// leaves everyone else's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedded_account_deletion_drops_the_users_dead_letters() {
    let dir = tempfile::tempdir().unwrap();
    let db = EmbeddedDb::open(dir.path()).unwrap();
    let (gone, kept) = (Uuid::now_v7().to_string(), Uuid::now_v7().to_string());
    let publisher = db.publisher();
    publisher.publish(&event(&gone, day(1), 5)).await.unwrap();
    let broken = format!("{{\"user_id\": \"{gone}\", \"exercises\": [");
    publisher
        .publish_bytes("poison", broken.into_bytes())
        .await
        .unwrap();
    publisher.publish(&event(&kept, day(1), 5)).await.unwrap();
    let mut source = db.source();
    for d in take(&mut source, 3).await {
        source.reject(d.tag).await.unwrap();
    }
    assert_eq!(db.dead_letters().await.unwrap().len(), 3);
    db.store().delete_user(&gone).await.unwrap();
    let left = db.dead_letters().await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(String::from_utf8_lossy(&left[0]).contains(&kept));
    assert_eq!(
        db.rows_mentioning(&gone).await.unwrap(),
        Vec::<String>::new()
    );
}

/// MongoDB keeps Progress's facts of the generation its record names and of the one before
/// (a view may have read the record just before a newer model was stored), and no older.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mongodb_read_model_keeps_the_facts_of_two_generations() {
    testkit::full_tier!("SecantusDB");
    use service::read_model::{Put, ReadModelStore};
    let mongo = testkit::Secantus::start().expect("SecantusDB");
    let store = MongoStore::connect(&mongo.uri("facts")).await.unwrap();
    store.ensure_indexes().await.unwrap();
    let user = "lifter".to_owned();
    let model = domain::read_model::ReadModel::build(
        &Profile::default(),
        &[],
        &domain::bodyweight::Bodyweight::default(),
        service::read_model::today(),
    );
    let facts = store
        .client()
        .database("facts")
        .collection::<mongodb::bson::Document>("read_model_progress");
    let mut kept = Vec::new();
    for _ in 0..3 {
        store.mark_stale(std::slice::from_ref(&user)).await.unwrap();
        let generation = store.stored_model(&user).await.unwrap().unwrap().generation;
        assert_eq!(
            store
                .put_model(&user, generation, &model, Utc::now())
                .await
                .unwrap(),
            Put::Stored
        );
        kept.push(i64::try_from(generation).unwrap());
        let mut stored: Vec<i64> = facts
            .distinct("built_at", mongodb::bson::doc! {"user": &user})
            .await
            .unwrap()
            .iter()
            .filter_map(mongodb::bson::Bson::as_i64)
            .collect();
        stored.sort_unstable();
        let want = &kept[kept.len().saturating_sub(2)..];
        assert_eq!(stored, want, "the facts of the last two models stored");
    }
    store.forget_model(&user).await.unwrap();
    assert_eq!(
        facts
            .count_documents(mongodb::bson::doc! {"user": &user})
            .await
            .unwrap(),
        0
    );
}
