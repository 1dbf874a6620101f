//! `/healthz`, `/readyz` and `/metrics`: open to all, for orchestrators and scrapers.

use crate::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

routes! {
    get "/healthz" => healthz,
    get "/readyz" => readyz,
    get "/metrics" => metrics,
}

async fn healthz() -> &'static str {
    "ok"
}

/// 200 only once events can be accepted and served.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.ingest.is_ready() && state.projection.is_ready() {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting")
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.ingest.metrics().render())
}
