//! The HTTP API (CONTRACT section 5): one `router()` per feature module, merged here, and one
//! error type mapped to problem+json. Handlers are thin: they parse, call the ingest or the
//! store, and shape the answer.

mod events;
mod health;
mod live;
mod problem;
mod reports;

pub use events::{MAX_BATCH, MAX_BODY_BYTES};
pub use problem::ApiError;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use provisio_ingest::Ingest;
use provisio_projector::Projection;
use tokio_util::sync::CancellationToken;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub ingest: Ingest,
    pub projection: Projection,
    /// Cancelled when the service stops: long-lived responses (SSE) end on it.
    pub shutdown: CancellationToken,
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(events::router())
        .merge(health::router())
        .merge(reports::router())
        .merge(live::router())
        .fallback(|| async { ApiError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
