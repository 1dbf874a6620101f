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

mod address_limit;
mod as_of;
mod auth;
mod collab;
mod dashboard;
mod events;
mod health;
mod history;
mod imports;
mod keys;
mod limits;
mod live;
mod openapi;
mod over_time;
mod plan_cache;
mod plans;
mod problem;
mod public;
mod report_cache;
mod reports;
mod request_span;
mod snapshot;

pub use address_limit::AddressLimit;
pub use auth::{ANONYMOUS, Access};
pub use keys::create_key;
pub use limits::Limits;
pub use plan_cache::PlanCache;
pub use problem::ApiError;
pub use public::PublicConfig;
pub use report_cache::ReportCache;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use provisio_ingest::Ingest;
use provisio_projector::Projection;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub ingest: Ingest,
    pub projection: Projection,
    /// Cancelled when the service stops: long-lived responses (SSE) end on it.
    pub shutdown: CancellationToken,
    pub access: Arc<Access>,
    pub reports: Arc<ReportCache>,
    /// Built plans and their documents: fixed at their positions, kept for ever.
    pub plans: Arc<PlanCache>,
    /// The open endpoints' configuration (section 11).
    pub public: Arc<PublicConfig>,
    /// Bytes allocated and not freed, when the process counts them (`--count-heap`).
    pub heap_in_use: Option<fn() -> u64>,
}

/// Ends any request but a live stream that runs past the configured timeout.
async fn timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path().ends_with("/live") {
        return next.run(request).await;
    }
    let limit = state.access.limits.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout(limit.as_secs()).into_response(),
    }
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(dashboard::router())
        .merge(events::router())
        .merge(health::router())
        .merge(reports::router())
        .merge(collab::router())
        .merge(live::router())
        .merge(openapi::router())
        .merge(over_time::router())
        .merge(history::router())
        .merge(plans::router())
        .merge(keys::router())
        .merge(public::router())
        .merge(imports::router().layer(DefaultBodyLimit::max(state.access.limits.max_import_bytes)))
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn_with_state(state.clone(), timeout))
        .layer(DefaultBodyLimit::max(state.access.limits.max_body_bytes))
        .layer(middleware::from_fn(request_span::request_span))
        .with_state(state)
}
