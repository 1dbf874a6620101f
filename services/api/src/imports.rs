//! `POST /v1/providers/{ukprn}/imports`: a Course Directory CSV or an XCRI-CAP feed in, the
//! import report out; the accepted events are published unless `dry_run` is set or any row
//! was rejected (a curriculum missing a rejected row would withdraw that offer).

use crate::auth::Authenticated;
use crate::reports::vocab;
use crate::{AppState, problem::ApiError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use provisio_events::vocab::{LocalId, Timestamp, Ukprn, Vocab};
use provisio_events::{EventType, Payload};
use provisio_import::{ImportOptions, LiveOffer, diff_offers, import};
use provisio_ingest::{Candidate, decode};
use serde::Deserialize;
use serde_json::{Value, json};
use std::num::NonZeroU32;

routes! {
    post "/v1/providers/{ukprn}/imports" => run_import,
}

#[derive(Debug, Default, Deserialize)]
struct ImportParams {
    dry_run: Option<bool>,
    partial: Option<bool>,
    academic_year: Option<String>,
    default_level: Option<String>,
    default_age_group: Option<String>,
    default_area: Option<String>,
    default_mode: Option<String>,
    default_places: Option<u32>,
}

fn options(ukprn: Ukprn, p: &ImportParams) -> Result<ImportOptions, ApiError> {
    let now =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let mut o = ImportOptions::new(
        Timestamp::parse(&now).ok_or_else(|| ApiError::internal(&"the clock gave no RFC 3339 time"))?,
    );
    o.ukprn = Some(ukprn);
    o.academic_year = vocab("academic_year", p.academic_year.as_deref())?;
    o.default_level = vocab("default_level", p.default_level.as_deref())?;
    o.default_age_group = vocab("default_age_group", p.default_age_group.as_deref())?;
    o.default_area = vocab("default_area", p.default_area.as_deref())?;
    o.default_mode = vocab("default_mode", p.default_mode.as_deref())?;
    o.default_places = p.default_places.and_then(NonZeroU32::new);
    o.partial = p.partial.unwrap_or(false);
    Ok(o)
}

/// A short hash of the provider's offers as the service holds them, added to the content ids
/// of an import that changes offers: re-importing an older file after a newer one (A, B, A)
/// then gets new ids and takes effect, and a retry of the same import against the same state
/// still has the same ids.
fn state_tag(current: &[LiveOffer]) -> String {
    use sha2::{Digest, Sha256};
    let mut prints: Vec<String> =
        current.iter().map(|o| format!("{}/{}/{}", o.academic_year, o.offer_id, o.fingerprint)).collect();
    prints.sort();
    provisio_access::hex(&Sha256::digest(prints.join("\n").as_bytes())[..8])
}

async fn run_import(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(ukprn): Path<String>,
    Query(p): Query<ImportParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !caller.may_act_for_provider(&ukprn) {
        return Err(ApiError::Forbidden(format!("{caller} may not import for provider {ukprn:?}")));
    }
    let ukprn = Ukprn::parse(&ukprn).ok_or_else(|| ApiError::InvalidQuery {
        parameter: "ukprn",
        message: format!("{ukprn:?} is not {}", Ukprn::EXPECTED),
    })?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !matches!(media.as_str(), "text/csv" | "application/xml" | "text/xml") {
        return Err(ApiError::UnsupportedMediaType(format!(
            "{media:?}: send text/csv (Course Directory) or application/xml (XCRI-CAP 1.2)"
        )));
    }
    let body = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge { limit: state.access.limits.max_import_bytes },
        _ => ApiError::InvalidJson(r.body_text()),
    })?;
    let options = options(ukprn.clone(), &p)?;
    // Parsing is CPU work: keep it off the async workers.
    let mut outcome = tokio::task::spawn_blocking(move || import(&body[..], &options, |_| {}))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::InvalidImport(e.to_string()))?;

    // The file is compared with everything durable before it came, the provider's previous
    // import included, not with a snapshot that may not have applied that yet.
    let last = state.projection.store().last_position().await?;
    let snapshot = crate::snapshot::snapshot_at(&state, u64::try_from(last).unwrap_or_default()).await?;
    let current: Vec<LiveOffer> = snapshot
        .engine
        .provider_offers(&ukprn)
        .iter()
        .map(|(year, spec)| LiveOffer::new(ukprn.clone(), year.clone(), spec))
        .collect();
    let diff = diff_offers(&current, &outcome.events);
    outcome.report.check_referenced_venues(|v| {
        LocalId::parse(&v.venue_id).is_some_and(|id| snapshot.engine.venue_area(&ukprn, &id).is_some())
    });
    let dry_run = p.dry_run.unwrap_or(false);
    let clean = outcome.report.rows_rejected == 0;
    let mut last_position = None;
    if !dry_run && clean {
        let key_id = (caller.key_id != crate::ANONYMOUS).then(|| caller.key_id.clone());
        // Offer events are sent only when they change an offer, with ids tagged by the current
        // state (so an older file imported again takes effect); a re-import is then a no-op.
        let changes_offers = diff.created + diff.updated + diff.withdrawn > 0;
        let tag = state_tag(&current);
        let candidates = outcome
            .events
            .iter()
            .filter(|e| changes_offers || e.event_type() == EventType::VenueRegistered)
            .map(|e| {
                let mut json = e.to_json();
                match &e.payload {
                    // A venue keeps its content id (a name or postcode edit is published once,
                    // a re-import is a no-op) unless the service holds it in another area:
                    // then the id names that area too, so a venue moved back (A, B, A) moves.
                    Payload::VenueRegistered(v) => {
                        if let Some(held) =
                            snapshot.engine.venue_area(&v.ukprn, &v.venue_id).filter(|held| **held != v.area)
                        {
                            json["id"] = json!(format!("{}-from-{held}", e.id));
                        }
                    }
                    _ => json["id"] = json!(format!("{}-{tag}", e.id)),
                }
                decode(&json.to_string(), None, &state.access.limits.events)
                    .map(|c| Candidate { key_id: key_id.clone(), ..c })
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|r| ApiError::internal(&format!("an imported event does not validate: {:?}", r.errors)))?;
        for chunk in candidates.chunks(state.access.limits.max_batch.max(1)) {
            let appended = state.ingest.submit(chunk.to_vec()).await?;
            last_position = appended.iter().map(|a| a.position).max().or(last_position);
        }
    }
    let mut body = serde_json::to_value(&outcome.report).map_err(|e| ApiError::internal(&e))?;
    // The offer counts only the service can make: created, updated, unchanged and withdrawn
    // (missing from the file, or by the file), against the provider's live offers.
    if let (Some(fields), Value::Object(counts)) =
        (body.as_object_mut(), serde_json::to_value(diff).map_err(|e| ApiError::internal(&e))?)
    {
        fields.extend(counts);
    }
    body["dry_run"] = json!(dry_run);
    body["published"] = json!(!dry_run && clean);
    body["events"] = json!(outcome.events.len());
    body["last_position"] = json!(last_position);
    if !clean {
        body["not_published_because"] = json!(
            "some rows were rejected, and nothing is published while any is (partial or not): fix them and import the file again"
        );
    }
    let status = if clean { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(body)))
}
