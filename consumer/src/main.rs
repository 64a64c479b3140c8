//! `ironlog-consumer`: persists logged workouts from RabbitMQ into MongoDB.
//!
//! Configuration (environment): `AMQP_URL` (one or more comma-separated `amqp://`/`amqps://`
//! addresses), `MONGODB_URI`, `IRONLOG_PREFETCH` (default 256), `IRONLOG_METRICS_ADDR` (where
//! Prometheus metrics are served at `/metrics`, default 127.0.0.1:9187), `RUST_LOG`.

use std::time::Duration;

use anyhow::{bail, Context};
use consumer::backoff::Backoff;
use consumer::queue::rabbit::{BrokerAddrs, RabbitSource};
use consumer::store::mongo::MongoStore;
use consumer::worker::{self, Stopped, WorkerConfig};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use tokio_util::sync::CancellationToken;

fn env_required(name: &str) -> anyhow::Result<String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        _ => bail!("{name} must be set"),
    }
}

fn prefetch() -> anyhow::Result<u16> {
    match std::env::var("IRONLOG_PREFETCH") {
        Err(_) => Ok(256),
        Ok(v) => match v.parse::<u16>() {
            Ok(n) if n > 0 => Ok(n),
            _ => bail!("IRONLOG_PREFETCH must be a whole number from 1 to 65535, got {v:?}"),
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
    let addrs = BrokerAddrs::parse(&env_required("AMQP_URL")?).context("AMQP_URL")?;
    let store = MongoStore::connect(&env_required("MONGODB_URI")?)
        .await
        .context("MONGODB_URI")?;
    let prefetch = prefetch()?;
    serve_metrics()?;
    let config = WorkerConfig {
        max_batch: usize::from(prefetch),
        ..WorkerConfig::default()
    };

    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));

    consumer::store::spawn_ensure_indexes(store.clone());

    let mut node = 0;
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    while !shutdown.is_cancelled() {
        let connected = tokio::select! {
            c = RabbitSource::connect(&addrs, &mut node, prefetch) => c,
            _ = shutdown.cancelled() => break,
        };
        let mut source = match connected {
            Ok(s) => s,
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::warn!(error = %e, retry_in = ?delay, "cannot consume from the broker");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shutdown.cancelled() => break,
                }
                continue;
            }
        };
        tracing::info!(prefetch, "consuming");
        backoff.reset();
        match worker::run(&mut source, &store, &config, &shutdown).await {
            Stopped::Shutdown => {
                source.close().await;
                break;
            }
            Stopped::Queue(e) => {
                tracing::warn!(error = %e, "lost the broker; reconnecting");
                metrics::counter!("ironlog_consumer_reconnects_total").increment(1);
            }
        }
    }
    tracing::info!("consumer stopped");
    Ok(())
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
    consumer::signal::terminated().await;
    tracing::info!("shutting down");
    shutdown.cancel();
}
