//! The thin JSON API under `/api/v1`, used by the browser and by other clients. Each route is
//! registered with its OpenAPI description (`doc.rs`), so none exists undescribed.

mod auth;
mod bodyweight;
mod data;
pub(crate) mod doc;
mod server_fns;
mod training;
mod workouts;

use std::sync::Arc;

use axum::routing::{any, get};
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::state::AppState;

/// The JSON API, `/api/openapi.json` describing it, and 404 for any other `/api/v1` path.
pub fn router() -> Router<AppState> {
    let (routes, openapi) = described();
    let openapi = Arc::new(openapi);
    routes
        .route(
            "/api/openapi.json",
            get(move || {
                let openapi = openapi.clone();
                async move { axum::Json(openapi.as_ref().clone()) }
            }),
        )
        .route("/api/v1/{*rest}", any(not_found))
}

/// The API's routes and their description, built together so none exists undescribed.
fn described() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let mut description = doc::ApiDoc::openapi();
    description.merge(server_fns::ServerFnsDoc::openapi());
    OpenApiRouter::with_openapi(description)
        .routes(routes!(workouts::create, workouts::list))
        .routes(routes!(workouts::get_one, workouts::edit, workouts::delete))
        .routes(routes!(training::exercises))
        .routes(routes!(training::programs))
        .routes(routes!(training::get_profile, training::put_profile))
        .routes(routes!(training::plan))
        .routes(routes!(training::progress))
        .routes(routes!(
            training::get_program,
            training::put_program,
            training::delete_program
        ))
        .routes(routes!(training::activate_program))
        .routes(routes!(bodyweight::get_log))
        .routes(routes!(
            bodyweight::put_weighing,
            bodyweight::delete_weighing
        ))
        .routes(routes!(data::import))
        .routes(routes!(data::latest_import))
        .routes(routes!(data::export))
        .routes(routes!(auth::signup))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::delete_account))
        .routes(routes!(auth::me))
        .split_for_parts()
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}
