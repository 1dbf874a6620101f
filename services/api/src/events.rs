//! `POST /v1/events` and `GET /v1/events` (CONTRACT section 5).

use crate::auth::{ANONYMOUS, Authenticated};
use crate::{AppState, Limits, problem::ApiError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use provisio_access::LogScope;
use provisio_ingest::{Candidate, decode, json_depth};
use provisio_store::LogQuery;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::HashMap;

routes! {
    get "/v1/events" => read_log,
    post "/v1/events" => submit,
}

#[derive(Serialize)]
struct AcceptedItem {
    index: usize,
    id: String,
    position: i64,
    duplicate: bool,
}

#[derive(Serialize)]
struct RejectedItem {
    index: usize,
    id: Option<String>,
    errors: Vec<provisio_events::FieldError>,
}

#[derive(Serialize)]
struct SubmitAnswer {
    accepted: Vec<AcceptedItem>,
    rejected: Vec<RejectedItem>,
}

/// The JSON texts of a request's events (`POST /v1/events`, what-if drafts) under the limits
/// of every way in: the body's size, its depth, refused before parsing (the array around a
/// batch is one level more than its events may have), and the batch's length.
pub(crate) fn event_items(
    body: Result<Bytes, BytesRejection>,
    limits: &Limits,
) -> Result<Vec<Box<RawValue>>, ApiError> {
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge { limit: limits.max_body_bytes },
        _ => ApiError::InvalidJson(rejection.body_text()),
    })?;
    let max_depth = limits.events.max_json_depth;
    let batch_level = usize::from(body.trim_ascii_start().first() == Some(&b'['));
    if json_depth(&body) > max_depth + batch_level {
        return Err(ApiError::TooDeep { limit: max_depth });
    }
    split_events(&body, limits.max_batch)
}

/// Splits a body into the JSON texts of its events: one object, or an array of at most
/// `max_batch` objects.
fn split_events(body: &[u8], max_batch: usize) -> Result<Vec<Box<RawValue>>, ApiError> {
    let text = std::str::from_utf8(body).map_err(|e| ApiError::InvalidJson(format!("not UTF-8: {e}")))?;
    let whole: &RawValue = serde_json::from_str(text).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    match whole.get().trim_start().as_bytes().first() {
        Some(b'{') => Ok(vec![whole.to_owned()]),
        Some(b'[') => {
            let items: Vec<Box<RawValue>> =
                serde_json::from_str(whole.get()).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
            if items.len() > max_batch {
                return Err(ApiError::BatchTooLarge { count: items.len(), limit: max_batch });
            }
            if let Some(i) = items.iter().position(|item| !item.get().starts_with('{')) {
                return Err(ApiError::NotAnEvent(format!("item {i} of the array is not a JSON object")));
            }
            Ok(items)
        }
        _ => Err(ApiError::NotAnEvent("expected a CloudEvents object or an array of them".into())),
    }
}

async fn submit(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let limits = &state.access.limits;
    let items = event_items(body, limits)?;
    let mut candidates: Vec<(usize, Candidate)> = Vec::new();
    let mut rejected = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match decode(item.get(), None, &limits.events) {
            Ok(candidate) => candidates.push((index, candidate)),
            Err(rejection) => {
                let claimed = serde_json::from_str::<HashMap<String, serde_json::Value>>(item.get()).ok();
                let claimed_type = claimed.as_ref().and_then(|m| m.get("type")?.as_str());
                state.ingest.metrics().rejected("http", claimed_type);
                rejected.push(RejectedItem { index, id: rejection.id, errors: rejection.errors });
            }
        }
    }
    // A key that may not submit one of the events submits none of them.
    if let Some((index, c)) = candidates.iter().find(|(_, c)| !caller.may_submit(&c.event.source)) {
        return Err(ApiError::Forbidden(format!(
            "{caller} may not submit events of source {} (item {index})",
            c.event.source.uri()
        )));
    }
    let key_id = (caller.key_id != ANONYMOUS).then(|| caller.key_id.clone());
    let (indexes, candidates): (Vec<usize>, Vec<Candidate>) =
        candidates.into_iter().map(|(i, c)| (i, Candidate { key_id: key_id.clone(), ..c })).unzip();
    let ids: Vec<String> = candidates.iter().map(|c| c.event.id.to_string()).collect();
    let appended = state.ingest.submit(candidates).await?;
    let accepted = indexes
        .into_iter()
        .zip(ids)
        .zip(appended)
        .map(|((index, id), a)| AcceptedItem { index, id, position: a.position, duplicate: a.duplicate })
        .collect();
    Ok((StatusCode::ACCEPTED, Json(SubmitAnswer { accepted, rejected })))
}

#[derive(Deserialize)]
struct LogParams {
    after: Option<String>,
    limit: Option<String>,
    source: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
}

#[derive(Serialize)]
struct LogEntry {
    position: i64,
    recorded_at: String,
    /// The API key that submitted the event; null for events published straight to NATS.
    key_id: Option<String>,
    event: Box<RawValue>,
}

#[derive(Serialize)]
struct LogPage {
    events: Vec<LogEntry>,
    next_after: i64,
}

fn parse_param(
    name: &'static str,
    value: Option<&str>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ApiError> {
    let Some(text) = value else { return Ok(default) };
    match text.parse::<i64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(ApiError::InvalidQuery {
            parameter: name,
            message: format!("{text:?} is not an integer from {} to {}", range.start(), range.end()),
        }),
    }
}

async fn read_log(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Query(params): Query<LogParams>,
) -> Result<Json<LogPage>, ApiError> {
    let after = parse_param("after", params.after.as_deref(), 0, 0..=i64::MAX)?;
    let limit = parse_param("limit", params.limit.as_deref(), 100, 1..=1_000)?;
    // Non-admin keys read the log of the one source they may write.
    let source = match caller.log_scope() {
        LogScope::Nothing => return Err(ApiError::Forbidden(format!("{caller} may not read the event log"))),
        LogScope::All => params.source,
        LogScope::Source(own) => match params.source {
            Some(asked) if asked != own => {
                return Err(ApiError::Forbidden(format!("{caller} may read only the events of source {own}")));
            }
            _ => Some(own),
        },
    };
    let query = LogQuery { after, limit, source, event_type: params.event_type };
    let stored = state.ingest.store().read_log(&query).await?;
    let next_after = stored.last().map_or(after, |e| e.position);
    let events = stored
        .into_iter()
        .map(|e| {
            let event = RawValue::from_string(e.body)
                .map_err(|error| ApiError::internal(&format!("stored event {} is not JSON: {error}", e.position)))?;
            Ok(LogEntry { position: e.position, recorded_at: e.recorded_at, key_id: e.key_id, event })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(LogPage { events, next_after }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_one_object_or_an_array_of_objects() {
        assert_eq!(split_events(br#" {"a":1} "#, 10).unwrap().len(), 1);
        assert_eq!(split_events(br#"[{"a":1},{"b":2}]"#, 10).unwrap().len(), 2);
        assert!(matches!(split_events(b"42", 10), Err(ApiError::NotAnEvent(_))));
        assert!(matches!(split_events(br#"[{"a":1}, 5]"#, 10), Err(ApiError::NotAnEvent(_))));
        assert!(matches!(split_events(b"{oops", 10), Err(ApiError::InvalidJson(_))));
        let many = format!("[{}]", vec!["{}"; 1001].join(","));
        assert!(matches!(split_events(many.as_bytes(), 1000), Err(ApiError::BatchTooLarge { count: 1001, .. })));
    }
}
