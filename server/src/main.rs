//! `ironlog-server`. With neither `MONGODB_URI` nor `AMQP_URL` set it runs everything
//! in-process on an embedded store under `IRONLOG_DATA_DIR` (default `./data`). Listens on
//! `LEPTOS_SITE_ADDR` (default 127.0.0.1:3000).

use std::time::Duration;

use anyhow::Context;
use leptos::prelude::get_configuration;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use std::net::SocketAddr;
use std::sync::Arc;

use server::auth::cookie::CookiePolicy;
use server::auth::password::Hasher;
use server::auth::proxy::TrustedProxy;
use server::auth::session::{SessionConfig, Sessions};
use server::auth::Auth;
use server::backend::Backend;
use server::config::Config;
use server::limits::Limits;
use server::{router, AppState};
use tokio_util::sync::CancellationToken;

/// Seconds, for the latency histograms: fine below 10 ms where the targets are.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,lapin=warn,tower_http=warn".into()),
        )
        .init();
    let config = Config::from_env()?;
    let mut leptos_options = get_configuration(None)
        .context("reading the LEPTOS_* configuration")?
        .leptos_options;
    if leptos_options.output_name.is_empty() {
        // Built without cargo-leptos (e.g. by `cargo test`): use the site's name.
        leptos_options.output_name = "ironlog".into();
    }
    let metrics = PrometheusBuilder::new()
        .set_buckets(BUCKETS)
        .context("histogram buckets")?
        .set_buckets_for_metric(
            Matcher::Suffix("batch_size".into()),
            consumer::worker::BATCH_SIZE_BUCKETS,
        )
        .context("histogram buckets")?
        .install_recorder()
        .context("installing the metrics recorder")?;

    let shutdown = CancellationToken::new();
    let backend = Backend::start(&config, shutdown.child_token()).await?;
    let addr = leptos_options.site_addr;
    // One hash per core at a time; the rest wait their turn.
    let hasher = Hasher::new(std::thread::available_parallelism().map_or(1, |n| n.get()));
    let proxy = match &config.trusted_proxy {
        Some(p) => {
            let proxy = TrustedProxy::new(p, backend.accounts.clone(), hasher.clone())
                .context("starting trusted-proxy mode")?;
            tracing::info!(header = %p.header, issuer = %p.issuer, "trusted-proxy mode: identities come from the proxy's signed token");
            Some(Arc::new(proxy))
        }
        None => None,
    };
    let state = AppState {
        leptos_options,
        publisher: backend.publisher.clone(),
        store: backend.store.clone(),
        metrics,
        auth: Auth {
            accounts: backend.accounts.clone(),
            sessions: Arc::new(Sessions::new(
                backend.accounts.clone(),
                SessionConfig {
                    recheck: config.session_recheck,
                    ..SessionConfig::default()
                },
            )),
            hasher,
            cookie: CookiePolicy {
                secure: config
                    .public_origin
                    .as_deref()
                    .is_some_and(|o| o.starts_with("https://")),
            },
            proxy,
        },
        public_origin: config.public_origin.clone(),
        limits: Arc::new(Limits::new(config.limits)),
    };
    state.limits.spawn_cleanup(Duration::from_secs(60));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    tracing::info!(mode = %config.mode.describe(), "Ironlog listening on http://{addr}");

    let stop = shutdown.clone();
    tokio::spawn(async move {
        consumer::signal::terminated().await;
        tracing::info!("shutting down: finishing requests in flight");
        stop.cancel();
    });
    let serving = shutdown.clone();
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { serving.cancelled().await })
    .await
    .context("serving HTTP")?;
    // Requests are done; let the in-process worker finish its batch.
    if let Some(worker) = backend.worker {
        let _ = tokio::time::timeout(Duration::from_secs(10), worker).await;
    }
    tracing::info!("stopped");
    Ok(())
}
