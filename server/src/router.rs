//! The HTTP surface: JSON API, form post, operations endpoints, then Leptos for the pages.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::ssr::AppContext;
use app::{shell, App};
use axum::extract::{FromRef, MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post};
use axum::Router;
use consumer::{Publisher, WorkoutStore};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::{api, form, ops};

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub publisher: Arc<dyn Publisher>,
    pub store: Arc<dyn WorkoutStore>,
    pub metrics: PrometheusHandle,
}

impl AppState {
    /// The user a request acts for; accounts will derive it from the session.
    pub fn user_id(&self) -> &str {
        domain::DEFAULT_USER
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Records `ironlog_http_request_seconds{method, route, status}`.
async fn record_latency(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16().to_string();
    if elapsed >= SLOW_REQUEST {
        tracing::warn!(%method, %route, %status, ?elapsed, "slow request");
    }
    metrics::histogram!("ironlog_http_request_seconds", "method" => method, "route" => route, "status" => status)
        .record(elapsed.as_secs_f64());
    response
}

/// Requests slower than this are logged: the write path promises answers within 100 ms.
const SLOW_REQUEST: Duration = Duration::from_millis(100);

/// No request may hold a connection longer than this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

pub fn router(state: AppState) -> Router {
    let context = AppContext {
        store: state.store.clone(),
    };
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    Router::new()
        .route(
            "/api/v1/workouts",
            post(api::workouts::create).get(api::workouts::list),
        )
        .route("/api/v1/workouts/{id}", get(api::workouts::get_one))
        .route("/api/v1/{*rest}", any(api::workouts::not_found))
        .route("/log", post(form::submit))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .route_layer(middleware::from_fn(record_latency))
        // Wasm, JS, CSS and HTML travel brotli- or gzip-compressed when the client accepts it.
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
