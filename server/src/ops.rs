//! `/healthz`, `/readyz`, `/metrics`.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use crate::router::AppState;

/// The process is alive and serving.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// Ready to take writes: the queue is reachable. The store is reported but does not gate
/// readiness, because writes keep working while only the database is down.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let queue = state.publisher.is_connected();
    let store = matches!(
        tokio::time::timeout(Duration::from_millis(500), state.store.ping()).await,
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

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
