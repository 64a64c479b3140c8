//! Wires the publisher and store for the configured mode.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use consumer::accounts::AccountStore;
use consumer::embedded::EmbeddedDb;
use consumer::queue::rabbit::{BrokerAddrs, RabbitPublisher};
use consumer::store::mongo::MongoStore;
use consumer::worker::{self, Stopped, WorkerConfig};
use consumer::{Publisher, WorkoutStore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Mode};

pub struct Backend {
    pub publisher: Arc<dyn Publisher>,
    pub store: Arc<dyn WorkoutStore>,
    pub accounts: Arc<dyn AccountStore>,
    /// The in-process worker (embedded mode); awaited on shutdown so its batch finishes.
    pub worker: Option<JoinHandle<()>>,
}

impl Backend {
    pub async fn start(config: &Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        match &config.mode {
            Mode::Embedded { data_dir } => {
                let db = EmbeddedDb::open(data_dir)?;
                let store = db.store();
                let mut source = db.source();
                let worker_store = store.clone();
                let worker = tokio::spawn(async move {
                    let config = WorkerConfig::default();
                    // The embedded queue only fails if the disk does; keep trying.
                    loop {
                        match worker::run(&mut source, &worker_store, &config, &shutdown).await {
                            Stopped::Shutdown => return,
                            Stopped::Queue(e) => {
                                tracing::error!(error = %e, "embedded queue failed; retrying");
                                tokio::time::sleep(Duration::from_secs(1)).await;
                            }
                        }
                    }
                });
                Ok(Self {
                    publisher: Arc::new(db.publisher()),
                    accounts: Arc::new(db.accounts()),
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
                let addrs = BrokerAddrs::parse(amqp_url)
                    .and_then(|a| a.with_tls(amqp_tls))
                    .context("AMQP_URL")?;
                let publisher = RabbitPublisher::start(addrs, config.publish_timeout, shutdown);
                let store = MongoStore::connect_with_tls(mongodb_uri, mongodb_tls)
                    .await
                    .context("MONGODB_URI")?;
                // MongoDB may be down at start: writes do not need it, so create indexes
                // in the background until it answers.
                consumer::store::spawn_ensure_indexes(store.clone());
                spawn_account_indexes(store.clone());
                Ok(Self {
                    publisher: Arc::new(publisher),
                    accounts: Arc::new(store.clone()),
                    store: Arc::new(store),
                    worker: None,
                })
            }
        }
    }
}

/// Creates the account indexes once MongoDB answers (it may be down at start-up).
fn spawn_account_indexes(store: MongoStore) {
    tokio::spawn(async move {
        let mut backoff = consumer::backoff::Backoff::default();
        while let Err(e) = store.ensure_account_indexes().await {
            tracing::warn!(error = %e, "cannot create account indexes yet");
            tokio::time::sleep(backoff.next_delay()).await;
        }
    });
}
