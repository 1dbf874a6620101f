//! The report API (CONTRACT section 5): partnerships, gaps, duplications, coverage, targets,
//! offers, and (v2) the providers and needs they name, read from a snapshot of the planning
//! engine.

use crate::as_of;
use crate::auth::Authenticated;
use crate::snapshot::snapshot;
use crate::{AppState, problem::ApiError};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use provisio_access::{Caller, OfferScope};
use provisio_engine::{Filter, OfferId};
use provisio_events::vocab::Vocab;
use serde::Deserialize;
use serde_json::{Value, json};

routes! {
    get "/v1/partnerships" => list,
    get "/v1/partnerships/{id}" => one,
    get "/v1/partnerships/{id}/gaps" => gaps,
    get "/v1/partnerships/{id}/duplications" => duplications,
    get "/v1/partnerships/{id}/coverage" => coverage,
    get "/v1/partnerships/{id}/targets" => targets,
    get "/v1/partnerships/{id}/offers" => offers,
    get "/v1/partnerships/{id}/providers" => providers,
    get "/v1/partnerships/{id}/needs" => needs,
}

/// Query parameters of every report; each endpoint reads the ones it knows.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReportParams {
    pub(crate) academic_year: Option<String>,
    subject: Option<String>,
    level: Option<String>,
    age_group: Option<String>,
    mode: Option<String>,
    min_position: Option<String>,
    as_of_position: Option<String>,
    as_of: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Parses an optional query parameter of a contract vocabulary.
pub(crate) fn vocab<T: Vocab>(parameter: &'static str, value: Option<&str>) -> Result<Option<T>, ApiError> {
    value
        .map(|v| {
            T::parse(v)
                .ok_or_else(|| ApiError::InvalidQuery { parameter, message: format!("{v:?} is not {}", T::EXPECTED) })
        })
        .transpose()
}

impl ReportParams {
    fn filter(&self) -> Result<Filter, ApiError> {
        Ok(Filter {
            academic_year: vocab("academic_year", self.academic_year.as_deref())?,
            subject: vocab("subject", self.subject.as_deref())?,
            level: vocab("level", self.level.as_deref())?,
            age_group: vocab("age_group", self.age_group.as_deref())?,
            mode: vocab("mode", self.mode.as_deref())?,
        })
    }
}

async fn list(
    State(state): State<AppState>,
    Authenticated(_): Authenticated,
    Query(p): Query<ReportParams>,
) -> Result<Json<Value>, ApiError> {
    let s = snapshot(&state, p.min_position.as_deref()).await?;
    Ok(Json(json!({ "partnerships": s.engine.partnerships() })))
}

async fn one(
    State(state): State<AppState>,
    Authenticated(_): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Json<Value>, ApiError> {
    let s = snapshot(&state, p.min_position.as_deref()).await?;
    let summary = s.engine.partnership(&id).ok_or_else(|| ApiError::PartnershipNotFound(id.clone()))?;
    let mut body = serde_json::to_value(summary).map_err(|e| ApiError::internal(&e))?;
    body["providers"] = json!(s.engine.providers(&id).unwrap_or_default());
    Ok(Json(body))
}

/// Refuses callers that may not read partnership `id`'s reports (before saying whether it exists).
pub(crate) fn check_reader(caller: &Caller, id: &str) -> Result<(), ApiError> {
    if caller.may_read_reports(id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("{caller} may not read the reports of partnership {id:?}")))
    }
}

/// Runs one report query and answers `{"partnership_id", "position", <name>: rows}` plus
/// `extra` fields, kept in the report cache for the snapshot it was read from.
pub(crate) async fn report<R: serde::Serialize + Default>(
    state: &AppState,
    caller: &Caller,
    id: String,
    p: &ReportParams,
    name: &str,
    extra: Option<(&str, Value)>,
    query: impl FnOnce(&provisio_engine::Engine, &str, &Filter) -> Option<R>,
) -> Result<Response, ApiError> {
    check_reader(caller, &id)?;
    let filter = p.filter()?;
    let s = snapshot(state, p.min_position.as_deref()).await?;
    let as_of = as_of::moment(("as_of_position", p.as_of_position.as_deref()), ("as_of", p.as_of.as_deref()))?;
    if let Some(moment) = as_of {
        let (n, engine) = as_of::engine_for(state, s, &id, moment).await?;
        let rows = query(&engine, &id, &filter).unwrap_or_default();
        let body = ReportBody { id: &id, position: n, name, rows: &rows, extra: extra.as_ref() }.encode()?;
        return Ok(json_response(body));
    }
    let key = format!("{name}|{id}|{:?}|{:?}|{:?}|{:?}|{:?}", p.academic_year, p.subject, p.level, p.age_group, p.mode);
    let body = state.reports.get_or_compute(s.position, key, || {
        let rows = query(&s.engine, &id, &filter).ok_or_else(|| ApiError::PartnershipNotFound(id.clone()))?;
        ReportBody { id: &id, position: s.position, name, rows: &rows, extra: extra.as_ref() }.encode()
    })?;
    Ok(json_response(body))
}

fn json_response(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// A report's answer, `{"partnership_id", "position", <name>: rows}` plus an extra field,
/// encoded straight from the rows. (Through a `serde_json::Value` a large report took several
/// times its encoded size while it was built, once per concurrent request: the readers' memory
/// swung by gigabytes in the soak.)
struct ReportBody<'a, R> {
    id: &'a str,
    position: u64,
    name: &'a str,
    rows: &'a R,
    extra: Option<&'a (&'a str, Value)>,
}

impl<R: serde::Serialize> ReportBody<'_, R> {
    fn encode(&self) -> Result<Bytes, ApiError> {
        serde_json::to_vec(self).map(Bytes::from).map_err(|e| ApiError::internal(&e))
    }
}

impl<R: serde::Serialize> serde::Serialize for ReportBody<'_, R> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("partnership_id", self.id)?;
        map.serialize_entry("position", &self.position)?;
        map.serialize_entry(self.name, self.rows)?;
        if let Some((key, value)) = self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

async fn gaps(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    report(&state, &caller, id, &p, "gaps", None, |e, id, f| e.gaps(id, f)).await
}

async fn duplications(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    report(&state, &caller, id, &p, "duplications", None, |e, id, f| e.duplications(id, f)).await
}

async fn targets(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    report(&state, &caller, id, &p, "targets", None, |e, id, f| e.targets(id, f)).await
}

/// Takes no filter (CONTRACT section 5 gives it none): every provider with live offers.
async fn providers(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    let p = ReportParams { min_position: p.min_position, ..ReportParams::default() };
    report(&state, &caller, id, &p, "providers", None, |e, id, _| e.provider_directory(id)).await
}

async fn needs(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    report(&state, &caller, id, &p, "needs", None, |e, id, f| e.needs(id, f)).await
}

async fn coverage(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    report(&state, &caller, id, &p, "cells", Some(("academic_year", json!(p.academic_year))), |e, id, f| {
        e.coverage(id, f)
    })
    .await
}

async fn offers(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Json<Value>, ApiError> {
    let scope = caller
        .offer_scope(&id)
        .ok_or_else(|| ApiError::Forbidden(format!("{caller} may not read the offers of partnership {id:?}")))?;
    let limit = match p.limit.as_deref() {
        None => 100,
        Some(text) => text.parse::<usize>().ok().filter(|n| (1..=1_000).contains(n)).ok_or_else(|| {
            ApiError::InvalidQuery { parameter: "limit", message: format!("{text:?} is not an integer from 1 to 1000") }
        })?,
    };
    let cursor = p
        .cursor
        .as_deref()
        .map(|c| {
            OfferId::parse(c).ok_or_else(|| ApiError::InvalidQuery {
                parameter: "cursor",
                message: format!("{c:?} is not a cursor from an earlier page"),
            })
        })
        .transpose()?;
    let s = snapshot(&state, p.min_position.as_deref()).await?;
    let (rows, next) = match scope {
        OfferScope::All => s.engine.offers(&id, cursor.as_ref(), limit),
        OfferScope::OnlyProvider(ukprn) => own_offers(&s.engine, &id, &ukprn, cursor, limit),
    }
    .ok_or_else(|| ApiError::PartnershipNotFound(id.clone()))?;
    Ok(Json(json!({
        "partnership_id": id,
        "position": s.position,
        "offers": rows,
        "next_cursor": next.map(|c| c.to_string()),
    })))
}

/// A provider's own offers in a partnership, paged like the full list: the engine's pages are
/// walked and filtered until `limit` offers of that provider are found.
fn own_offers(
    engine: &provisio_engine::Engine,
    id: &str,
    ukprn: &provisio_events::vocab::Ukprn,
    mut cursor: Option<OfferId>,
    limit: usize,
) -> Option<(Vec<provisio_engine::OfferRow>, Option<OfferId>)> {
    let mut rows = Vec::new();
    loop {
        let (page, next) = engine.offers(id, cursor.as_ref(), 1_000)?;
        for row in page {
            if row.ukprn == *ukprn {
                if rows.len() == limit {
                    // One more of the provider's offers exists: the page ends at the last one kept.
                    let last: &provisio_engine::OfferRow = rows.last()?;
                    let cursor = OfferId::new(last.ukprn.clone(), last.offer_id.clone());
                    return Some((rows, Some(cursor)));
                }
                rows.push(row);
            }
        }
        match next {
            Some(n) => cursor = Some(n),
            None => return Some((rows, None)),
        }
    }
}
