//! Which engine state a read answers from: the newest snapshot, or, with `min_position`, the
//! first one that has applied that position (a client reads its own writes).

use crate::{AppState, problem::ApiError};
use provisio_projector::Snapshot;
use std::time::Duration;

/// How long `min_position` may wait for the projection.
const READ_YOUR_WRITES_WAIT: Duration = Duration::from_secs(5);

/// The engine at `min_position` or later, waiting for the projection when asked to.
pub(crate) async fn snapshot(state: &AppState, min_position: Option<&str>) -> Result<Snapshot, ApiError> {
    if let Some(text) = min_position {
        let n: u64 = text.parse().map_err(|_| ApiError::InvalidQuery {
            parameter: "min_position",
            message: format!("{text:?} is not a non-negative integer"),
        })?;
        return snapshot_at(state, n).await;
    }
    Ok(state.projection.snapshot())
}

/// The engine once position `n` is applied, waiting for it at most 5 s (then `503`).
pub(crate) async fn snapshot_at(state: &AppState, n: u64) -> Result<Snapshot, ApiError> {
    if !state.projection.wait_for(n, READ_YOUR_WRITES_WAIT).await {
        return Err(ApiError::NotYetApplied(n));
    }
    Ok(state.projection.snapshot())
}
