//! Liveness and readiness probes for load balancers and orchestrators (no authentication: they
//! reveal nothing but up/down).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process is up.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The database answers and its schema is current.
async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state
        .store
        .check_ready()
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(Json(json!({ "status": "ready" })))
}
