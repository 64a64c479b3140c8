//! Wires the publisher and store for the configured mode.

use std::sync::Arc;
use std::time::Duration;

use adapters::embedded::EmbeddedDb;
use adapters::mongo::MongoStore;
use adapters::rabbit::{BrokerAddrs, RabbitPublisher};
use consumer::worker::{self, Stopped, WorkerConfig};
use secrecy::ExposeSecret;
use service::read_model::{self, Projection, ProjectorConfig};
use service::{
    AccountStore, Chain, ProfileStore, Publisher, ReadModelStore, SessionStore, WorkoutStore,
};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Mode};

/// The mode's services could not be reached or opened.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("opening the embedded store")]
    Embedded(#[from] adapters::embedded::EmbeddedError),
    #[error("AMQP_URL")]
    Broker(#[source] service::QueueError),
    #[error("MONGODB_URI")]
    Database(#[source] service::StoreError),
}

pub struct Backend {
    pub publisher: Arc<dyn Publisher>,
    pub store: Arc<dyn WorkoutStore>,
    pub accounts: Arc<dyn AccountStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub profiles: Arc<dyn ProfileStore>,
    pub models: Arc<dyn ReadModelStore>,
    /// Wakes the in-process projector (embedded mode) after a change marked a model stale.
    pub wake: Arc<Notify>,
    /// The in-process worker and projector (embedded mode); awaited on shutdown so the
    /// worker's batch finishes.
    pub worker: Option<JoinHandle<()>>,
}

impl Backend {
    pub async fn start(config: &Config, shutdown: CancellationToken) -> Result<Self, BackendError> {
        match &config.mode {
            Mode::Embedded { data_dir } => {
                let db = EmbeddedDb::open(data_dir)?;
                crate::disk::spawn_watch(data_dir.clone(), shutdown.clone());
                let store = db.store();
                let mut source = db.source();
                let worker_store = store.clone();
                let worker_accounts = db.accounts();
                let wake = Arc::new(Notify::new());
                let accounts = Arc::new(db.accounts());
                let projector = tokio::spawn(read_model::run_projector(
                    Projection::new(Arc::new(store.clone()), accounts.clone()),
                    ProjectorConfig::default(),
                    wake.clone(),
                    shutdown.clone(),
                ));
                let worker_wake = wake.clone();
                let worker = tokio::spawn(async move {
                    let config = WorkerConfig {
                        wake: Some(worker_wake),
                        ..WorkerConfig::default()
                    };
                    // The embedded queue only fails if the disk does; keep trying.
                    loop {
                        match worker::run(
                            &mut source,
                            &worker_store,
                            &worker_accounts,
                            &worker_accounts,
                            &config,
                            &shutdown,
                        )
                        .await
                        {
                            Stopped::Shutdown => {
                                // The projector stops with the same token.
                                if let Err(e) = projector.await {
                                    tracing::error!(error = %e, "the read model projector panicked");
                                }
                                return;
                            }
                            Stopped::Queue(e) => {
                                tracing::error!(error = %Chain(&e), "embedded queue failed; retrying");
                                tokio::time::sleep(Duration::from_secs(1)).await;
                            }
                        }
                    }
                });
                Ok(Self {
                    publisher: Arc::new(db.publisher()),
                    accounts: accounts.clone(),
                    sessions: accounts.clone(),
                    profiles: accounts.clone(),
                    models: accounts,
                    wake,
                    store: Arc::new(store),
                    worker: Some(worker),
                })
            }
            Mode::Distributed {
                amqp_url,
                mongodb_uri,
                amqp_tls,
                mongodb_tls,
            } => {
                let addrs = BrokerAddrs::parse(amqp_url.expose_secret())
                    .and_then(|a| a.with_tls(amqp_tls))
                    .map_err(BackendError::Broker)?;
                let publisher = RabbitPublisher::start(addrs, config.publish_timeout, shutdown);
                let store = MongoStore::connect_with_tls(mongodb_uri.expose_secret(), mongodb_tls)
                    .await
                    .map_err(BackendError::Database)?;
                // MongoDB may be down at start: writes do not need it, so create indexes
                // in the background until it answers.
                adapters::mongo::spawn_ensure_indexes(store.clone());
                let shared = Arc::new(store.clone());
                Ok(Self {
                    publisher: Arc::new(publisher),
                    accounts: shared.clone(),
                    sessions: shared.clone(),
                    profiles: shared.clone(),
                    // The consumers project; this server marks and reads.
                    models: shared,
                    wake: Arc::new(Notify::new()),
                    store: Arc::new(store),
                    worker: None,
                })
            }
        }
    }
}
