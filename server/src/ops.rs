//! `/healthz` and `/readyz` on the app's port; `/metrics` on its own address
//! (`IRONLOG_METRICS_ADDR`), since what it tells (routes, error rates, queue health) is for the
//! operator, not for whoever can reach the site.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// `/metrics` alone, for the metrics listener.
pub fn metrics_router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move {
                (
                    [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    handle.render(),
                )
            }
        }),
    )
}

/// The process is alive and serving.
async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// Ready to take writes: the queue is reachable. The store is reported but does not gate
/// readiness, because writes keep working while only the database is down.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let queue = state.publisher.is_connected();
    let store = matches!(
        tokio::time::timeout(Duration::from_millis(500), state.training.workouts().ping()).await,
        Ok(Ok(()))
    );
    let status = if queue {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "ready": queue,
            "queue": if queue { "connected" } else { "disconnected" },
            "store": if store { "ok" } else { "unreachable" },
        })),
    )
}
