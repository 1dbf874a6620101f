//! Reports over time (CONTRACT section 10): the changes between two positions of the log,
//! and what draft events would change (what-if), simulated on a clone and never stored.

use crate::as_of::{self, Moment};
use crate::auth::Authenticated;
use crate::events::event_items;
use crate::reports::check_reader;
use crate::snapshot::snapshot;
use crate::{AppState, problem::ApiError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use provisio_access::{Caller, Principal};
use provisio_engine::Changes;
use provisio_events::vocab::Vocab;
use provisio_events::{Event, FieldError, Source, validate};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashSet;

routes! {
    get "/v1/partnerships/{id}/changes" => changes,
    post "/v1/partnerships/{id}/what-if" => what_if,
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
    let (before, after) = as_of::engines_at(&state, &current, from_position, to).await?;
    Ok(Json(Changes::between(&id, (from_position, &before), (Some(to), &after))))
}

#[derive(Debug, Default, Deserialize)]
struct WhatIfParams {
    min_position: Option<String>,
}

/// What a caller may see of a what-if.
#[derive(Debug, PartialEq)]
enum View {
    Whole,
    /// A provider's key: drafts of its own source only, and the summary alone.
    SummaryOf(Source),
}

fn view(caller: &Caller, id: &str) -> Result<View, ApiError> {
    match &caller.principal {
        Principal::Admin => Ok(View::Whole),
        Principal::Partnership(p) | Principal::Member(p, _) if p.as_str() == id => Ok(View::Whole),
        Principal::Provider(ukprn) => Ok(View::SummaryOf(Source::Provider(ukprn.clone()))),
        _ => Err(ApiError::Forbidden(format!("{caller} may not simulate drafts in partnership {id:?}"))),
    }
}

/// A draft checked as `POST /v1/events` checks an event, an absent `id` or `time` filled in
/// first; answers the event and whether its id was the client's.
fn draft(text: &str, index: usize) -> Result<(Event, bool), Vec<FieldError>> {
    let mut value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let own_id = value.get("id").is_some();
    if let Some(fields) = value.as_object_mut() {
        // Never stored nor shown: the id only has to be valid.
        fields.entry("id").or_insert_with(|| json!(format!("what-if-draft-{index}")));
        fields.entry("time").or_insert_with(|| json!("1970-01-01T00:00:00Z"));
    }
    validate(&value).map(|event| (event, own_id))
}

/// `422` naming every invalid draft's fields: `{"errors": [{"index", "code", "field", "message"}]}`.
fn invalid_drafts(errors: Vec<(usize, FieldError)>) -> Response {
    let errors: Vec<Value> = errors
        .into_iter()
        .map(|(index, e)| json!({"index": index, "code": e.code, "field": e.field, "message": e.message}))
        .collect();
    let body = json!({
        "type": "https://provisio.example/problems/invalid-draft", "title": "Invalid draft", "status": 422,
        "detail": "a draft is not a valid event; nothing was simulated", "code": "invalid-draft", "errors": errors,
    });
    let mut response = (StatusCode::UNPROCESSABLE_ENTITY, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    response
}

/// `POST …/what-if`: the changes object from the last applied position to the state with the
/// drafts applied (`to` null). Nothing is stored, published, counted or pushed: the drafts go
/// to a clone of the current engine, which is dropped.
async fn what_if(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<WhatIfParams>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let view = view(&caller, &id)?;
    let mut drafts = Vec::new();
    let mut errors = Vec::new();
    for (index, item) in event_items(body, &state.access.limits)?.iter().enumerate() {
        match draft(item.get(), index) {
            Ok(d) => drafts.push(d),
            Err(found) => errors.extend(found.into_iter().map(|e| (index, e))),
        }
    }
    if !errors.is_empty() {
        return Ok(invalid_drafts(errors));
    }
    if let View::SummaryOf(own) = &view
        && let Some(i) = drafts.iter().position(|(event, _)| event.source != *own)
    {
        return Err(ApiError::Forbidden(format!(
            "{caller} may simulate drafts of source {} only (item {i})",
            own.uri()
        )));
    }
    let current = snapshot(&state, p.min_position.as_deref()).await?;
    if current.engine.partnership(&id).is_none() {
        return Err(ApiError::PartnershipNotFound(id));
    }
    // As in the log, an id already accepted, or given twice, has no effect after its first.
    let given: Vec<String> = drafts.iter().filter(|(_, own)| *own).map(|(e, _)| e.id.to_string()).collect();
    let accepted = state.projection.store().positions_of(&given).await?;
    let mut seen = HashSet::new();
    let effective = drafts
        .iter()
        .filter(|(e, _)| !accepted.contains_key(e.id.as_str()) && seen.insert(e.id.as_str()))
        .map(|(e, _)| e);
    let changes = current.engine.what_if(&id, effective);
    Ok(match view {
        View::Whole => Json(changes).into_response(),
        View::SummaryOf(_) => Json(json!({ "summary": changes.summary })).into_response(),
    })
}
