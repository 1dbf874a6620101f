//! The HTTP API (CONTRACT section 5): one `router()` per feature module, merged here, and one
//! error type mapped to problem+json. Handlers are thin: they parse, call the ingest or the
//! store, and shape the answer.

/// Declares a module's routes once: the axum router, and the list that the OpenAPI document
/// is checked against, so an undocumented route fails a test.
macro_rules! routes {
    ($( $method:ident $path:literal => $handler:expr ),* $(,)?) => {
        pub(crate) fn router() -> axum::Router<crate::AppState> {
            axum::Router::new() $( .route($path, axum::routing::$method($handler)) )*
        }
        pub(crate) const ROUTES: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),* ];
    };
}

mod events;
mod health;
mod live;
mod openapi;
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
        .merge(openapi::router())
        .fallback(|| async { ApiError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
