//! Members and proposals (CONTRACT section 8): read from a snapshot of the engine like the
//! reports, `min_position` and (section 10) `as_of_position` / `as_of` included.

use crate::as_of;
use crate::auth::Authenticated;
use crate::reports::check_reader;
use crate::snapshot::snapshot;
use crate::{AppState, problem::ApiError};
use axum::Json;
use axum::extract::{Path, Query, State};
use provisio_access::Caller;
use provisio_engine::{Engine, ProposalStatus};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

routes! {
    get "/v1/partnerships/{id}/members" => members,
    get "/v1/partnerships/{id}/proposals" => proposals,
    get "/v1/partnerships/{id}/proposals/{proposal_id}" => proposal,
}

#[derive(Debug, Default, Deserialize)]
struct CollabParams {
    status: Option<String>,
    min_position: Option<String>,
    as_of_position: Option<String>,
    as_of: Option<String>,
}

/// The position and engine a read answers from: the current snapshot (at `min_position` or
/// later), or the state after the position `as_of_position` / `as_of` names. `404` when the
/// partnership is not registered now.
async fn state_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
    p: &CollabParams,
) -> Result<(u64, Arc<Engine>), ApiError> {
    check_reader(caller, id)?;
    let current = snapshot(state, p.min_position.as_deref()).await?;
    let moment = as_of::moment(("as_of_position", p.as_of_position.as_deref()), ("as_of", p.as_of.as_deref()))?;
    match moment {
        Some(moment) => as_of::engine_for(state, current, id, moment).await,
        None if current.engine.partnership(id).is_none() => Err(ApiError::PartnershipNotFound(id.to_owned())),
        None => Ok((current.position, current.engine.clone())),
    }
}

async fn members(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<CollabParams>,
) -> Result<Json<Value>, ApiError> {
    let (position, engine) = state_for(&state, &caller, &id, &p).await?;
    let rows = engine.members(&id).unwrap_or_default();
    Ok(Json(json!({ "partnership_id": id, "position": position, "members": rows })))
}

async fn proposals(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<CollabParams>,
) -> Result<Json<Value>, ApiError> {
    let status = p
        .status
        .as_deref()
        .map(|s| {
            ProposalStatus::parse(s).ok_or_else(|| ApiError::InvalidParameter {
                parameter: "status",
                message: format!("{s:?} is not a proposal status (open, rejected, agreed or done)"),
            })
        })
        .transpose()?;
    let (position, engine) = state_for(&state, &caller, &id, &p).await?;
    let rows = engine.proposals(&id, status).unwrap_or_default();
    Ok(Json(json!({ "partnership_id": id, "position": position, "proposals": rows })))
}

async fn proposal(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((id, proposal_id)): Path<(String, String)>,
    Query(p): Query<CollabParams>,
) -> Result<Json<Value>, ApiError> {
    let (position, engine) = state_for(&state, &caller, &id, &p).await?;
    let detail = engine.proposal(&id, &proposal_id).ok_or_else(|| ApiError::ProposalNotFound(proposal_id.clone()))?;
    let mut body = serde_json::to_value(detail).map_err(|e| ApiError::internal(&e))?;
    // The impact is counted from the answer's position, which an as-of read names.
    body["impact"]["from"] = json!(position);
    body["partnership_id"] = json!(id);
    body["position"] = json!(position);
    Ok(Json(body))
}
