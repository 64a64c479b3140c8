//! The HTTP surface: JSON API, form post, operations endpoints, then Leptos for the pages.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::ssr::AppContext;
use app::{shell, App};
use axum::extract::{DefaultBodyLimit, FromRef, MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post};
use axum::Router;
use consumer::{Publisher, WorkoutStore};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::compression::predicate::{NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::api::doc::ApiDoc;
use crate::auth::{self, Auth};
use crate::limits::Limits;
use crate::{api, form, import_form, ops, security, settings};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub publisher: Arc<dyn Publisher>,
    pub store: Arc<dyn WorkoutStore>,
    pub metrics: PrometheusHandle,
    pub auth: Auth,
    pub limits: Arc<Limits>,
    /// `scheme://host[:port]` the site is served at, when configured: cross-site checks
    /// compare against it instead of the request's Host.
    pub public_origin: Option<String>,
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
        accounts: state.auth.accounts.clone(),
    };
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    // The JSON API: each route registered with its OpenAPI description.
    let (api_routes, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(api::workouts::create, api::workouts::list))
        .routes(routes!(api::workouts::get_one))
        .routes(routes!(api::training::exercises))
        .routes(routes!(api::training::programs))
        .routes(routes!(
            api::training::get_profile,
            api::training::put_profile
        ))
        .routes(routes!(api::training::plan))
        .routes(routes!(
            api::training::get_program,
            api::training::put_program,
            api::training::delete_program
        ))
        .routes(routes!(api::training::activate_program))
        .routes(routes!(api::data::import))
        .routes(routes!(api::data::export))
        .routes(routes!(auth::api::signup))
        .routes(routes!(auth::api::login))
        .routes(routes!(auth::api::logout))
        .routes(routes!(auth::api::change_password))
        .routes(routes!(auth::api::me))
        .split_for_parts();
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(api_routes)
        .route(
            "/api/openapi.json",
            get(move || {
                let openapi = openapi.clone();
                async move { axum::Json(openapi.as_ref().clone()) }
            }),
        )
        .route("/api/v1/{*rest}", any(api::workouts::not_found))
        .route("/log", post(form::submit))
        .route("/settings", post(settings::submit))
        // Multipart reads stop at axum's default body limit (2 MB) unless told otherwise.
        .route(
            "/import",
            post(import_form::submit).layer(DefaultBodyLimit::max(
                api::data::MAX_IMPORT_BODY + 64 * 1024,
            )),
        )
        .route("/login", post(auth::forms::login))
        .route("/signup", post(auth::forms::signup))
        .route("/logout", post(auth::forms::logout))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context.clone());
                // The nonce in the response's CSP header, for the hydration scripts.
                if let Some(nonce) = use_context::<http::request::Parts>()
                    .and_then(|p| p.extensions.get::<leptos::nonce::Nonce>().cloned())
                {
                    provide_context(nonce);
                }
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .route_layer(middleware::from_fn(record_latency))
        .layer(middleware::from_fn(auth::forms::require_login))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::csrf,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::headers,
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
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
