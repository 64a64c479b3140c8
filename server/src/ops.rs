//! `/healthz`, `/readyz`, `/metrics`.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
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

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
