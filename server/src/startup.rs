//! Builds the application from its configuration: the backend for the mode, the shared state,
//! the router, and the bound listener. `main` runs it; tests build it in-process on port 0.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use leptos::prelude::LeptosOptions;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use service::Training;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::cookie::CookiePolicy;
use crate::auth::password::Hasher;
use crate::auth::proxy::TrustedProxy;
use crate::auth::service::Auth;
use crate::auth::session::{SessionConfig, Sessions};
use crate::backend::Backend;
use crate::config::Config;
use crate::import_jobs::ImportJobs;
use crate::limits::Limits;
use crate::routes;
use crate::serve::{self, ConnectionLimits};
use crate::state::AppState;

/// Seconds, for the latency histograms: fine below 10 ms where the targets are.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Why a server could not start; each names what to fix and keeps its cause.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Site(#[from] UnsplitSite),
    #[error(transparent)]
    FileLimit(#[from] serve::FileLimitError),
    #[error(transparent)]
    Backend(#[from] crate::backend::BackendError),
    #[error("starting trusted-proxy mode")]
    Proxy(#[from] crate::auth::proxy::ProxyConfigError),
    #[error("binding {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("installing the metrics recorder")]
    Metrics(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("IRONLOG_ASSETS_URL is set: reading the site to name its release")]
    Assets(#[source] assets::SiteError),
}

/// The process's metrics recorder, installed on first use (there is one per process; servers
/// built at once in one test process share it, so the check and the install are one step).
fn metrics_handle() -> Result<PrometheusHandle, StartError> {
    static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);
    let mut installed = HANDLE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(h) = installed.as_ref() {
        return Ok(h.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets(BUCKETS)
        .map_err(|e| StartError::Metrics(e.into()))?
        .set_buckets_for_metric(
            Matcher::Suffix("batch_size".into()),
            consumer::worker::BATCH_SIZE_BUCKETS,
        )
        .map_err(|e| StartError::Metrics(e.into()))?
        .install_recorder()
        .map_err(|e| StartError::Metrics(e.into()))?;
    *installed = Some(handle.clone());
    Ok(handle)
}

/// The site a server is given was not built for it.
#[derive(Debug, thiserror::Error)]
#[error("the site in {path} was built without --split (`cargo leptos watch` leaves such a debug site), so this release server's pages would never hydrate: build it with `scripts/build.sh`")]
pub struct UnsplitSite {
    path: String,
}

/// The split loader's stand-in, which `cargo leptos build --split` replaces in the site's JS
/// and a plain (debug, `watch`) build leaves in place.
const SPLIT_PLACEHOLDER: &str = "__wasm_split_placeholder__";

/// A release server renders pages whose lazy islands load split chunks; refuse a site whose
/// JS glue still has the placeholder. Without a site at all (tests, an API-only server) there
/// is nothing to check.
fn check_site(options: &LeptosOptions, release: bool) -> Result<(), UnsplitSite> {
    if !release {
        return Ok(());
    }
    let js = std::path::Path::new(options.site_root.as_ref())
        .join(options.site_pkg_dir.as_ref())
        .join(format!("{}.js", options.output_name));
    match std::fs::read_to_string(&js) {
        Ok(text) if text.contains(SPLIT_PLACEHOLDER) => Err(UnsplitSite {
            path: js.display().to_string(),
        }),
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::warn!(path = %js.display(), error = %e, "no site to serve: pages will not hydrate");
            Ok(())
        }
    }
}

/// A built server, listening, not yet serving.
pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    metrics: Option<(TcpListener, PrometheusHandle)>,
    router: Router,
    connections: ConnectionLimits,
    trusted_proxies: Arc<[ipnet::IpNet]>,
    mode: String,
    worker: Option<JoinHandle<()>>,
    shutdown: CancellationToken,
}

impl Application {
    /// Starts the backend of `config`'s mode and binds `config.site_addr` (port 0: any free
    /// port, see [`Application::local_addr`]).
    pub async fn build(
        config: Config,
        mut leptos_options: LeptosOptions,
    ) -> Result<Self, StartError> {
        if leptos_options.output_name.is_empty() {
            // Built without cargo-leptos (e.g. by `cargo test`): use the site's name.
            leptos_options.output_name = "ironlog".into();
        }
        check_site(&leptos_options, !cfg!(debug_assertions))?;
        let files = serve::raise_file_limit(&config.connections)?;
        tracing::debug!(files, "open-file limit");
        let shutdown = CancellationToken::new();
        let backend = Backend::start(&config, shutdown.child_token()).await?;
        // One hash per core at a time; the rest wait their turn.
        let hasher = Hasher::new(std::thread::available_parallelism().map_or(1, |n| n.get()));
        let proxy = match &config.trusted_proxy {
            Some(p) => {
                let proxy = TrustedProxy::new(p, backend.accounts.clone(), hasher.clone())?;
                tracing::info!(header = %p.header, issuer = %p.issuer, "trusted-proxy mode: identities come from the proxy's signed token");
                Some(Arc::new(proxy))
            }
            None => None,
        };
        let metrics = metrics_handle()?;
        let metrics_listener = match config.metrics_addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| StartError::Bind { addr, source })?,
            ),
            None => None,
        };
        let listener = TcpListener::bind(config.site_addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: config.site_addr,
                source,
            })?;
        let leptos_options_addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.site_addr,
            source,
        })?;
        leptos_options.site_addr = leptos_options_addr;
        let cdn = match &config.assets_url {
            Some(url) => {
                let cdn = crate::cdn::CdnAssets::for_site(
                    url,
                    std::path::Path::new(leptos_options.site_root.as_ref()),
                )
                .map_err(StartError::Assets)?;
                tracing::info!(root = %cdn.root, "pages load the site's files from the CDN");
                Some(Arc::new(cdn))
            }
            None => None,
        };
        let state = AppState {
            leptos_options,
            publisher: backend.publisher.clone(),
            changes: service::Changes::new(backend.publisher.clone()),
            training: Training::new(
                backend.store.clone(),
                backend.profiles.clone(),
                backend.accounts.clone(),
                backend.models.clone(),
                backend.wake.clone(),
            ),
            auth: Auth {
                accounts: backend.accounts.clone(),
                sessions: Arc::new(Sessions::new(
                    backend.sessions.clone(),
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
                workouts: backend.store.clone(),
                shutdown: shutdown.clone(),
            },
            public_origin: config.public_origin.clone(),
            limits: Arc::new(Limits::new(config.limits)),
            import_caps: config.import_caps,
            imports: ImportJobs::default(),
            trusted_proxies: config.trusted_proxies.clone().into(),
            cdn,
        };
        state.limits.spawn_cleanup(Duration::from_secs(60));
        crate::auth::deletion::spawn_resume(
            backend.accounts.clone(),
            backend.store.clone(),
            shutdown.clone(),
        );
        Ok(Self {
            addr: leptos_options_addr,
            listener,
            metrics: metrics_listener.map(|l| (l, metrics)),
            connections: config.connections,
            trusted_proxies: config.trusted_proxies.clone().into(),
            router: routes::router(state),
            mode: config.mode.describe(),
            worker: backend.worker,
            shutdown,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `stop` resolves, then finishes the requests in flight and lets the
    /// in-process worker finish its batch.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) {
        tracing::info!(mode = %self.mode, "Ironlog listening on http://{}", self.addr);
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            stop.await;
            shutdown.cancel();
        });
        if let Some((listener, handle)) = self.metrics {
            if let Ok(addr) = listener.local_addr() {
                tracing::info!("metrics on http://{addr}/metrics");
            }
            // A scraper or two: a few connections, counted in the open-file check's reserve.
            let scrapers = ConnectionLimits {
                max_connections: 16,
                max_per_client: 16,
                ..ConnectionLimits::default()
            };
            tokio::spawn(serve::serve(
                listener,
                crate::ops::metrics_router(handle),
                scrapers,
                Arc::from(Vec::new()),
                self.shutdown.clone(),
            ));
        }
        serve::serve(
            self.listener,
            self.router,
            self.connections,
            self.trusted_proxies,
            self.shutdown.clone(),
        )
        .await;
        if let Some(worker) = self.worker {
            let _ = tokio::time::timeout(Duration::from_secs(10), worker).await;
        }
        tracing::info!("stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_release_server_refuses_a_site_built_without_split() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        let options = LeptosOptions::builder()
            .output_name("ironlog")
            .site_root(dir.path().display().to_string())
            .site_pkg_dir("pkg")
            .build();
        let js = dir.path().join("pkg/ironlog.js");
        std::fs::write(&js, format!("import * as x from '{SPLIT_PLACEHOLDER}';")).unwrap();
        let refused = check_site(&options, true).unwrap_err().to_string();
        assert!(refused.contains("--split"), "{refused}");
        assert!(
            check_site(&options, false).is_ok(),
            "a debug server (watch) takes it"
        );
        std::fs::write(&js, "import * as x from './ironlog.chunk-1.js';").unwrap();
        assert!(check_site(&options, true).is_ok(), "a split site is served");
        std::fs::remove_file(&js).unwrap();
        assert!(
            check_site(&options, true).is_ok(),
            "no site: nothing to check"
        );
    }
}
