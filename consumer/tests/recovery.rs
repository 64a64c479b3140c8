//! The consumer killed between persisting a batch and updating the read models, on RabbitMQ
//! and SecantusDB: the broker hands the batch back, and after recovery the model is exactly
//! the replay of the history.

use std::sync::Arc;
use std::time::{Duration, Instant};

use adapters::mongo::MongoStore;
use adapters::rabbit::{BrokerAddrs, RabbitPublisher, RabbitSource};
use async_trait::async_trait;
use chrono::{DateTime, Duration as Days, TimeZone, Utc};
use consumer::worker::{self, WorkerConfig};
use domain::bodyweight::Bodyweight;
use domain::profile::Profile;
use domain::read_model::ReadModel;
use domain::{ExerciseLog, SetLog, WorkoutLogged};
use service::read_model::{
    self, Part, Projection, ProjectorConfig, Put, ReadModelStore, StoredModel,
};
use service::{Account, AccountStore, Publisher, StoreError, WorkoutStore};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The store's read models, except that marking them stale never returns: the worker is held
/// right after it persisted its batch, where the test kills it.
struct HeldBeforeMarking {
    store: MongoStore,
    reached: Arc<Semaphore>,
}

#[async_trait]
impl ReadModelStore for HeldBeforeMarking {
    async fn mark_stale(&self, _users: &[String]) -> Result<(), StoreError> {
        self.reached.add_permits(1);
        std::future::pending().await
    }
    async fn hold(&self, user: &str, until: DateTime<Utc>) -> Result<(), StoreError> {
        self.store.hold(user, until).await
    }
    async fn mark_outdated(&self, version: u32) -> Result<u64, StoreError> {
        self.store.mark_outdated(version).await
    }
    async fn stale_users(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        self.store.stale_users(limit).await
    }
    async fn stored_part(&self, user: &str, part: Part) -> Result<Option<StoredModel>, StoreError> {
        self.store.stored_part(user, part).await
    }
    async fn put_model(
        &self,
        user: &str,
        g: u64,
        m: &ReadModel,
        now: DateTime<Utc>,
    ) -> Result<Put, StoreError> {
        self.store.put_model(user, g, m, now).await
    }
    async fn forget_model(&self, user: &str) -> Result<(), StoreError> {
        self.store.forget_model(user).await
    }
}

fn session(user: &str, n: i64) -> WorkoutLogged {
    let at = Utc.with_ymd_and_hms(2026, 9, 1, 18, 0, 0).unwrap() + Days::days(2 * n);
    WorkoutLogged {
        v: domain::EVENT_VERSION,
        id: Uuid::now_v7(),
        user_id: user.to_owned(),
        revision: 1,
        performed_at: at,
        received_at: at,
        notes: None,
        exercises: ["squat", "bench-press", "barbell-row"]
            .iter()
            .map(|e| ExerciseLog {
                exercise: (*e).to_owned(),
                sets: (0..3)
                    .map(|_| SetLog {
                        weight_kg: 60.0 + 2.5 * n as f64,
                        reps: 5,
                        ..SetLog::default()
                    })
                    .collect(),
                ..ExerciseLog::default()
            })
            .collect(),
    }
}

/// A worker on its own broker connection, marking read models through `models`, until
/// `token`; it closes its channel when stopped, so what it took and did not ack goes back.
fn spawn_worker<M: ReadModelStore>(
    addrs: &BrokerAddrs,
    store: &MongoStore,
    models: M,
    config: &WorkerConfig,
    token: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let (addrs, store, config) = (addrs.clone(), store.clone(), config.clone());
    tokio::spawn(async move {
        let mut source = RabbitSource::connect(&addrs, &mut 0, 50).await.unwrap();
        worker::run(&mut source, &store, &store, &models, &config, &token).await;
        source.close().await;
    })
}

fn replay(history: &[WorkoutLogged]) -> ReadModel {
    ReadModel::build(
        &Profile::default(),
        history,
        &Bodyweight::default(),
        read_model::today(),
    )
}

/// Waits until the user's model is fresh; returns it.
async fn fresh_model(store: &MongoStore, user: &str) -> ReadModel {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(model) = store
            .stored_model(user)
            .await
            .unwrap()
            .and_then(|s| s.fresh())
        {
            return model;
        }
        assert!(Instant::now() < deadline, "the model is rebuilt");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_killed_between_persisting_and_the_read_model_recovers_exactly() {
    testkit::full_tier!("SecantusDB and RabbitMQ");
    let mongo = testkit::Secantus::start().expect("SecantusDB");
    let broker = testkit::RabbitMq::start().expect("RabbitMQ");
    let store = MongoStore::connect(&mongo.uri("recovery")).await.unwrap();
    store.ensure_account_indexes().await.unwrap();
    store.ensure_indexes().await.unwrap();
    let user = Uuid::now_v7().to_string();
    store
        .create_account(&Account {
            id: user.clone(),
            email: "lifter@example.com".into(),
            password_hash: "h".into(),
            created_at: Utc::now(),
            deleting_since: None,
        })
        .await
        .unwrap();

    let addrs = BrokerAddrs::parse(&broker.url()).unwrap();
    let shutdown = CancellationToken::new();
    let publisher = RabbitPublisher::start(addrs.clone(), Duration::from_secs(5), shutdown.clone());
    assert!(publisher.wait_connected(Duration::from_secs(20)).await);
    let primary = Arc::new(store.on_primary());
    let projection = Projection::new(primary.clone(), primary);
    let wake = Arc::new(Notify::new());
    let projector = tokio::spawn(read_model::run_projector(
        projection,
        ProjectorConfig::default(),
        wake.clone(),
        shutdown.clone(),
    ));

    // Three sessions, persisted and projected: a fresh model of them.
    let before: Vec<WorkoutLogged> = (0..3).map(|n| session(&user, n)).collect();
    for w in &before {
        publisher.publish(w).await.unwrap();
    }
    let config = WorkerConfig {
        wake: Some(wake.clone()),
        ..WorkerConfig::default()
    };
    let healthy = shutdown.child_token();
    let worker = spawn_worker(&addrs, &store, store.clone(), &config, healthy.clone());
    let mut model = fresh_model(&store, &user).await;
    while model != replay(&before) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        model = fresh_model(&store, &user).await;
    }
    healthy.cancel();
    worker.await.unwrap();

    // Three more; the worker persists them and is killed before it marks the model stale.
    let after: Vec<WorkoutLogged> = (3..6).map(|n| session(&user, n)).collect();
    for w in &after {
        publisher.publish(w).await.unwrap();
    }
    let reached = Arc::new(Semaphore::new(0));
    let held = HeldBeforeMarking {
        store: store.clone(),
        reached: reached.clone(),
    };
    let doomed = spawn_worker(&addrs, &store, held, &config, shutdown.child_token());
    let _permit = tokio::time::timeout(Duration::from_secs(30), reached.acquire())
        .await
        .expect("the worker persists a batch")
        .unwrap();
    doomed.abort();
    let _ = doomed.await;
    let stored = store.list(&user, 100, None).await.unwrap().items;
    assert!(stored.len() > before.len(), "the batch was persisted");
    // Its model was not marked: still the model of the three, never a mix.
    let lagging = store
        .stored_model(&user)
        .await
        .unwrap()
        .and_then(|s| s.fresh());
    assert_eq!(lagging, Some(replay(&before)));

    // Recovery: the broker hands the batch to the next worker, which marks the model stale;
    // the projector rebuilds it from all six.
    let recovered = spawn_worker(
        &addrs,
        &store,
        store.clone(),
        &config,
        shutdown.child_token(),
    );
    let all: Vec<WorkoutLogged> = before.iter().chain(&after).cloned().collect();
    let want = replay(&all);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let model = fresh_model(&store, &user).await;
        if model == want {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the model ends as the replay of all six sessions: {:?}",
            model.plan
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(store.list(&user, 100, None).await.unwrap().items.len(), 6);
    shutdown.cancel();
    recovered.await.unwrap();
    projector.await.unwrap();
}
