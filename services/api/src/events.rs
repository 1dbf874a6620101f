//! `POST /v1/events` and `GET /v1/events` (CONTRACT section 5).

use crate::{problem::ApiError, AppState};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use provisio_ingest::{decode, Candidate};
use provisio_store::LogQuery;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::HashMap;

/// Largest body `POST /v1/events` reads.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Most events in one request.
pub const MAX_BATCH: usize = 1_000;

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

/// Splits a body into the JSON texts of its events: one object, or an array of objects.
fn split_events(body: &[u8]) -> Result<Vec<Box<RawValue>>, ApiError> {
    let text = std::str::from_utf8(body).map_err(|e| ApiError::InvalidJson(format!("not UTF-8: {e}")))?;
    let whole: &RawValue = serde_json::from_str(text).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    match whole.get().trim_start().as_bytes().first() {
        Some(b'{') => Ok(vec![whole.to_owned()]),
        Some(b'[') => {
            let items: Vec<Box<RawValue>> = serde_json::from_str(whole.get()).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
            if items.len() > MAX_BATCH {
                return Err(ApiError::BatchTooLarge { count: items.len(), limit: MAX_BATCH });
            }
            if let Some(i) = items.iter().position(|item| !item.get().starts_with('{')) {
                return Err(ApiError::NotAnEvent(format!("item {i} of the array is not a JSON object")));
            }
            Ok(items)
        }
        _ => Err(ApiError::NotAnEvent("expected a CloudEvents object or an array of them".into())),
    }
}

async fn submit(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<impl IntoResponse, ApiError> {
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge { limit: MAX_BODY_BYTES },
        _ => ApiError::InvalidJson(rejection.body_text()),
    })?;
    let items = split_events(&body)?;
    let mut candidates: Vec<(usize, Candidate)> = Vec::new();
    let mut rejected = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match decode(item.get(), None) {
            Ok(candidate) => candidates.push((index, candidate)),
            Err(rejection) => {
                let claimed = serde_json::from_str::<HashMap<String, serde_json::Value>>(item.get()).ok();
                let claimed_type = claimed.as_ref().and_then(|m| m.get("type")?.as_str());
                state.ingest.metrics().rejected("http", claimed_type);
                rejected.push(RejectedItem { index, id: rejection.id, errors: rejection.errors });
            }
        }
    }
    let (indexes, candidates): (Vec<usize>, Vec<Candidate>) = candidates.into_iter().unzip();
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
    event: Box<RawValue>,
}

#[derive(Serialize)]
struct LogPage {
    events: Vec<LogEntry>,
    next_after: i64,
}

fn parse_param(name: &'static str, value: Option<&str>, default: i64, range: std::ops::RangeInclusive<i64>) -> Result<i64, ApiError> {
    let Some(text) = value else { return Ok(default) };
    match text.parse::<i64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(ApiError::InvalidQuery {
            parameter: name,
            message: format!("{text:?} is not an integer from {} to {}", range.start(), range.end()),
        }),
    }
}

async fn read_log(State(state): State<AppState>, Query(params): Query<LogParams>) -> Result<Json<LogPage>, ApiError> {
    let after = parse_param("after", params.after.as_deref(), 0, 0..=i64::MAX)?;
    let limit = parse_param("limit", params.limit.as_deref(), 100, 1..=MAX_BATCH as i64)?;
    let query = LogQuery { after, limit, source: params.source, event_type: params.event_type };
    let stored = state.ingest.store().read_log(&query).await?;
    let next_after = stored.last().map_or(after, |e| e.position);
    let events = stored
        .into_iter()
        .map(|e| {
            let event = RawValue::from_string(e.body).map_err(|error| {
                tracing::error!(message = "A stored event is not JSON.", position = e.position, %error);
                ApiError::Internal
            })?;
            Ok(LogEntry { position: e.position, recorded_at: e.recorded_at, event })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(LogPage { events, next_after }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_one_object_or_an_array_of_objects() {
        assert_eq!(split_events(br#" {"a":1} "#).unwrap().len(), 1);
        assert_eq!(split_events(br#"[{"a":1},{"b":2}]"#).unwrap().len(), 2);
        assert!(matches!(split_events(b"42"), Err(ApiError::NotAnEvent(_))));
        assert!(matches!(split_events(br#"[{"a":1}, 5]"#), Err(ApiError::NotAnEvent(_))));
        assert!(matches!(split_events(b"{oops"), Err(ApiError::InvalidJson(_))));
        let many = format!("[{}]", vec!["{}"; MAX_BATCH + 1].join(","));
        assert!(matches!(split_events(many.as_bytes()), Err(ApiError::BatchTooLarge { count: 1001, .. })));
    }
}
