//! Composes the HTTP surface: each area's router (JSON API, the forms' posts,
//! operations), then Leptos for the pages, under the shared middleware. Nothing imports this
//! module but `startup`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::{shell, App};
use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::middleware::{authenticate, require_login};
use crate::state::AppState;
use crate::{api, forms, ops, pwa, security};

/// Requests slower than this are logged: the write path promises answers within 100 ms.
const SLOW_REQUEST: Duration = Duration::from_millis(100);

/// No request may hold a connection longer than this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

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

/// Leptos answers a server function's undecodable arguments with 500, as if the server had
/// failed; they are the client's mistake, so they are answered 400 (the error body, which the
/// browser client reads, is kept).
async fn server_fn_input_errors(req: Request, next: Next) -> Response {
    let server_fn = req.uri().path().starts_with("/api/")
        && !req.uri().path().starts_with("/api/v1/")
        && req.method() == axum::http::Method::POST;
    let response = next.run(req).await;
    if !server_fn
        || response.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are a line of text; a larger one is not an argument error.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        parts.status = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    if bytes.starts_with(b"Args|") || bytes.starts_with(b"Deserialization|") {
        parts.status = axum::http::StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The paths of every page the app declares.
pub fn page_paths() -> Vec<String> {
    generate_route_list(App)
        .iter()
        .map(|r| r.path().to_owned())
        .collect()
}

pub fn router(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let pages: Arc<HashSet<String>> =
        Arc::new(routes.iter().map(|r| r.path().to_owned()).collect());
    Router::new()
        .merge(api::router())
        .merge(forms::router())
        .merge(ops::router())
        .merge(pwa::router(pwa::worker_for(
            std::path::Path::new(options.site_root.as_ref()),
            options.site_pkg_dir.as_ref(),
            state.cdn.as_deref(),
        )))
        .leptos_routes_with_context(
            &state,
            routes,
            crate::page_context::provider(&state),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .route_layer(middleware::from_fn(record_latency))
        .layer(middleware::from_fn(server_fn_input_errors))
        .layer(middleware::from_fn_with_state(pages, require_login))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::csrf,
        ))
        // Wasm, JS, CSS and HTML travel brotli- or gzip-compressed when the client accepts it;
        // streamed progress (NDJSON) is not, since a compressor holds lines back until the end.
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/x-ndjson")),
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(middleware::from_fn(security::announced_size))
        .layer(middleware::from_fn(security::served_methods))
        // A panic in a handler is a bug: answered 500 and logged, and the connection lives.
        .layer(CatchPanicLayer::new())
        // Outside everything that answers early (405, 413, 408, a caught panic), so every
        // answer carries the security headers and no-store.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
