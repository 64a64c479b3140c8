//! `ironlog-consumer`: persists logged workouts from RabbitMQ into MongoDB.
//!
//! Configuration (environment): `AMQP_URL` (one or more comma-separated `amqp://`/`amqps://`
//! addresses), `MONGODB_URI` (each also from a file named by `AMQP_URL_FILE`/`MONGODB_URI_FILE`), `IRONLOG_BATCH` (the most messages written per database round
//! trip, default 256), `IRONLOG_PREFETCH` (unacknowledged messages the broker may push ahead,
//! default four batches, per worker), `IRONLOG_CONSUMER_WORKERS` (concurrent batch loops, each
//! with its own broker connection, default 2), `IRONLOG_METRICS_ADDR` (where Prometheus metrics are served at
//! `/metrics`, default 127.0.0.1:9187), `RUST_LOG`.

use std::time::Duration;

use adapters::mongo::MongoStore;
use adapters::rabbit::{BrokerAddrs, RabbitSource};
use adapters::retry;
use adapters::tls::TlsFiles;
use anyhow::{bail, Context};
use consumer::worker::{self, Stopped, WorkerConfig};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use service::Chain;
use tokio_util::sync::CancellationToken;

/// A required secret setting, from `name` or the file `<name>_FILE` names.
fn env_required(name: &str) -> anyhow::Result<String> {
    match adapters::secrets::secret(name)? {
        Some(v) => Ok(v),
        None => bail!("{name} (or {name}_FILE) must be set"),
    }
}

/// A whole number from 1 to `max` read from `name`, or `default` when unset.
fn env_count(name: &str, default: u16, max: u16) -> anyhow::Result<u16> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => match v.trim().parse::<u16>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => bail!("{name} must be a whole number from 1 to {max}, got {v:?}"),
        },
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,lapin=warn".into()),
        )
        .init();
    let addrs = BrokerAddrs::parse(&env_required("AMQP_URL")?)
        .and_then(|a| a.with_tls(&TlsFiles::from_env("AMQP")))
        .context("AMQP_URL")?;
    let store = MongoStore::connect_with_tls(
        &env_required("MONGODB_URI")?,
        &TlsFiles::from_env("MONGODB"),
    )
    .await
    .context("MONGODB_URI")?;
    let batch = env_count("IRONLOG_BATCH", 256, 1000)?;
    // More credit than one batch, so the next batch is already here while one is written:
    // with prefetch equal to the batch, each batch waited for the previous ack's round trip.
    let prefetch = env_count("IRONLOG_PREFETCH", batch.saturating_mul(4), u16::MAX)?;
    let workers = usize::from(env_count("IRONLOG_CONSUMER_WORKERS", 2, 64)?);
    serve_metrics()?;
    let config = WorkerConfig {
        max_batch: usize::from(batch),
        ..WorkerConfig::default()
    };

    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));

    adapters::mongo::spawn_ensure_indexes(store.clone());

    tracing::info!(workers, batch, prefetch, "consuming");
    let loops: Vec<_> = (0..workers)
        .map(|i| {
            let (addrs, store, config, shutdown) = (
                addrs.clone(),
                store.clone(),
                config.clone(),
                shutdown.clone(),
            );
            tokio::spawn(async move {
                consume(i, &addrs, &store, &config, prefetch, &shutdown).await;
            })
        })
        .collect();
    for l in loops {
        l.await.context("a consumer loop panicked")?;
    }
    tracing::info!("consumer stopped");
    Ok(())
}

/// One worker: its own broker connection and channel, reconnecting until shutdown. Several
/// keep the database busy while each decodes its next batch; they write concurrently, as
/// consumer replicas do, which the idempotent write makes safe.
async fn consume(
    worker: usize,
    addrs: &BrokerAddrs,
    store: &MongoStore,
    config: &WorkerConfig,
    prefetch: u16,
    shutdown: &CancellationToken,
) {
    // Workers start on different nodes, so one node's loss stalls only some of them.
    let mut node = worker;
    let wait = (Duration::from_millis(200), Duration::from_secs(5));
    let mut backoff = retry::forever(wait.0, wait.1);
    while !shutdown.is_cancelled() {
        let connected = tokio::select! {
            c = RabbitSource::connect(addrs, &mut node, prefetch) => c,
            _ = shutdown.cancelled() => break,
        };
        let mut source = match connected {
            Ok(s) => s,
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::warn!(worker, error = %Chain(&e), retry_in = ?delay, "cannot consume from the broker");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shutdown.cancelled() => break,
                }
                continue;
            }
        };
        backoff = retry::forever(wait.0, wait.1);
        match worker::run(&mut source, store, config, shutdown).await {
            Stopped::Shutdown => {
                source.close().await;
                break;
            }
            Stopped::Queue(e) => {
                tracing::warn!(worker, error = %Chain(&e), "lost the broker; reconnecting");
                metrics::counter!("ironlog_consumer_reconnects_total").increment(1);
            }
        }
    }
}

/// Serves `/metrics` in the background. Batch sizes get count buckets; the rest are counters
/// and gauges.
fn serve_metrics() -> anyhow::Result<()> {
    let addr = std::env::var("IRONLOG_METRICS_ADDR").unwrap_or_else(|_| "127.0.0.1:9187".into());
    let addr: std::net::SocketAddr = addr
        .parse()
        .with_context(|| format!("IRONLOG_METRICS_ADDR must be host:port, got {addr:?}"))?;
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .set_buckets_for_metric(
            Matcher::Suffix("batch_size".into()),
            worker::BATCH_SIZE_BUCKETS,
        )
        .context("histogram buckets")?
        .install()
        .with_context(|| format!("serving metrics on {addr}"))?;
    tracing::info!("metrics on http://{addr}/metrics");
    Ok(())
}

async fn stop_on_signal(shutdown: CancellationToken) {
    adapters::signal::terminated().await;
    tracing::info!("shutting down");
    shutdown.cancel();
}
