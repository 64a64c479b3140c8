//! `ironlog-consumer`: persists logged workouts from RabbitMQ into MongoDB, and keeps the
//! users' read models (`service::read_model`) up to date. Settings are flags
//! or environment variables (`ironlog-consumer --help`); the secrets `AMQP_URL` (one or more
//! comma-separated `amqp://`/`amqps://` addresses) and `MONGODB_URI` come only from the
//! environment or a file named by `AMQP_URL_FILE`/`MONGODB_URI_FILE`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use adapters::mongo::MongoStore;
use adapters::rabbit::{BrokerAddrs, RabbitSource};
use adapters::retry;
use adapters::tls::TlsFiles;
use anyhow::{bail, Context};
use clap::Parser;
use consumer::worker::{self, Stopped, WorkerConfig};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use secrecy::{ExposeSecret, SecretString};
use service::read_model::{self, Projection, ProjectorConfig};
use service::Chain;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

#[derive(Parser, Debug)]
#[command(
    name = "ironlog-consumer",
    version,
    about = "Persists logged workouts from RabbitMQ into MongoDB, exactly once in effect."
)]
struct Flags {
    /// The most messages written per database round trip.
    #[arg(long, env = "IRONLOG_BATCH", default_value_t = 256,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    batch: u16,
    /// Unacknowledged messages the broker may push ahead, per worker (default: four batches).
    #[arg(long, env = "IRONLOG_PREFETCH", value_parser = clap::value_parser!(u16).range(1..))]
    prefetch: Option<u16>,
    /// Concurrent batch loops, each with its own broker connection.
    #[arg(long, env = "IRONLOG_CONSUMER_WORKERS", default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    workers: u16,
    /// Where Prometheus metrics are served at /metrics.
    #[arg(long, env = "IRONLOG_METRICS_ADDR", default_value = "127.0.0.1:9187")]
    metrics_addr: SocketAddr,
}

/// A required secret setting, from `name` or the file `<name>_FILE` names.
fn env_required(name: &str) -> anyhow::Result<SecretString> {
    match adapters::secrets::secret(name)? {
        Some(v) => Ok(SecretString::from(v)),
        None => bail!("{name} (or {name}_FILE) must be set"),
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
    let flags = Flags::parse();
    let addrs = BrokerAddrs::parse(env_required("AMQP_URL")?.expose_secret())
        .and_then(|a| a.with_tls(&TlsFiles::from_env("AMQP")))
        .context("AMQP_URL")?;
    let store = MongoStore::connect_with_tls(
        env_required("MONGODB_URI")?.expose_secret(),
        &TlsFiles::from_env("MONGODB"),
    )
    .await
    .context("MONGODB_URI")?;
    let batch = flags.batch;
    // More credit than one batch, so the next batch is already here while one is written:
    // with prefetch equal to the batch, each batch waited for the previous ack's round trip.
    let prefetch = flags.prefetch.unwrap_or(batch.saturating_mul(4));
    let workers = usize::from(flags.workers);
    serve_metrics(flags.metrics_addr)?;
    let wake = Arc::new(Notify::new());
    let config = WorkerConfig {
        max_batch: usize::from(batch),
        wake: Some(wake.clone()),
        ..WorkerConfig::default()
    };

    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));

    adapters::mongo::spawn_ensure_indexes(store.clone());
    // The read models' projector: rebuilds the models the workers (and the servers, after a
    // profile or weighing) mark stale, reading the primary.
    let primary = Arc::new(store.on_primary());
    let projection = Projection::new(primary.clone(), primary);
    let projector = tokio::spawn(read_model::run_projector(
        projection,
        ProjectorConfig::default(),
        wake,
        shutdown.clone(),
    ));

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
    projector
        .await
        .context("the read model projector panicked")?;
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
        match worker::run(&mut source, store, store, store, config, shutdown).await {
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
fn serve_metrics(addr: SocketAddr) -> anyhow::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_with_their_ranges() {
        let f = Flags::try_parse_from(["c", "--batch", "100", "--workers", "3"]).unwrap();
        assert_eq!((f.batch, f.workers, f.prefetch), (100, 3, None));
        for bad in [
            vec!["c", "--batch", "0"],
            vec!["c", "--batch", "1001"],
            vec!["c", "--workers", "65"],
            vec!["c", "--metrics-addr", "localhost"],
        ] {
            assert!(Flags::try_parse_from(bad.clone()).is_err(), "{bad:?}");
        }
    }
}
