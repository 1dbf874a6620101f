//! Reports over time (CONTRACT section 10): the changes between two positions of the log.

use crate::as_of::{self, Moment};
use crate::auth::Authenticated;
use crate::reports::{check_reader, snapshot};
use crate::{AppState, problem::ApiError};
use axum::Json;
use axum::extract::{Path, Query, State};
use provisio_engine::Changes;
use serde::Deserialize;

routes! {
    get "/v1/partnerships/{id}/changes" => changes,
}

#[derive(Debug, Default, Deserialize)]
struct ChangesParams {
    from: Option<String>,
    to: Option<String>,
    from_time: Option<String>,
    to_time: Option<String>,
    min_position: Option<String>,
}

/// `GET …/changes?from=A&to=B` (or `from_time`, `to_time`; `to` defaults to the last applied
/// position): the changes object between the two states.
async fn changes(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<ChangesParams>,
) -> Result<Json<Changes>, ApiError> {
    check_reader(&caller, &id)?;
    let from = as_of::moment(("from", p.from.as_deref()), ("from_time", p.from_time.as_deref()))?
        .ok_or_else(|| ApiError::InvalidParameter { parameter: "from", message: "give from or from_time".into() })?;
    let to = as_of::moment(("to", p.to.as_deref()), ("to_time", p.to_time.as_deref()))?;
    let current = snapshot(&state, p.min_position.as_deref()).await?;
    let to = match to {
        Some(moment) => as_of::resolve(&state, moment).await?,
        None => current.position,
    };
    let from_position = as_of::resolve(&state, from).await?;
    if from_position > to {
        let parameter = if matches!(from, Moment::Position(_)) { "from" } else { "from_time" };
        let message = format!("position {from_position} is after to, position {to}");
        return Err(ApiError::InvalidParameter { parameter, message });
    }
    let current = as_of::current_through(&state, current, &id, to).await?;
    let (before, after) =
        tokio::try_join!(as_of::engine_at(&state, &current, from_position), as_of::engine_at(&state, &current, to))?;
    Ok(Json(Changes::between(&id, (from_position, &before), (Some(to), &after))))
}
