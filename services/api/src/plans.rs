//! The local learning plan (CONTRACT section 9): the published plans of a partnership, each
//! fixed at its position, how each stands now, and each as a document (HTML or PDF).
//!
//! A plan's answer is the state at its position, rebuilt through the as-of machinery (the
//! log up to the plan, and up to its previous plan), then kept in the plan cache for ever.

use crate::as_of;
use crate::auth::Authenticated;
use crate::plan_cache::BuiltPlan;
use crate::snapshot::snapshot;
use crate::{AppState, problem::ApiError};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use provisio_access::Caller;
use provisio_engine::{PlanContent, PlanProgress, PlanVersion};
use provisio_events::vocab::Vocab;
use provisio_projector::Snapshot;
use provisio_store::LogQuery;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

routes! {
    get "/v1/partnerships/{id}/plans" => list,
    get "/v1/partnerships/{id}/plans/{plan_id}" => one,
    get "/v1/partnerships/{id}/plans/{plan_id}/progress" => progress,
    get "/v1/partnerships/{id}/plans/{plan_id}/document" => document,
}

#[derive(Debug, Default, Deserialize)]
struct PlanParams {
    min_position: Option<String>,
    format: Option<String>,
}

/// Plans are read by admin and the partnership's `partnership`, `viewer` and `member` keys:
/// whoever may read its reports.
fn check_plan_reader(caller: &Caller, id: &str) -> Result<(), ApiError> {
    if caller.may_read_reports(id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("{caller} may not read the plans of partnership {id:?}")))
    }
}

/// `recorded_at` of the event at `position`.
async fn recorded_at(state: &AppState, position: u64) -> Result<String, ApiError> {
    if let Some(at) = state.plans.recorded_at(position) {
        return Ok(at);
    }
    let after = i64::try_from(position).unwrap_or(i64::MAX) - 1;
    let page = state.projection.store().read_log(&LogQuery { after, limit: 1, ..Default::default() }).await?;
    let entry = page.into_iter().find(|e| e.position as u64 == position);
    let at = entry.map(|e| e.recorded_at).ok_or_else(|| ApiError::internal(&format!("no log entry at {position}")))?;
    state.plans.keep_recorded_at(position, at.clone());
    Ok(at)
}

/// `GET …/plans`: the latest version of each plan, newest first.
async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<PlanParams>,
) -> Result<Json<Value>, ApiError> {
    check_plan_reader(&caller, &id)?;
    let s = snapshot(&state, p.min_position.as_deref()).await?;
    let versions = s.engine.plans(&id).ok_or_else(|| ApiError::PartnershipNotFound(id.clone()))?;
    let mut plans = Vec::with_capacity(versions.len());
    for v in versions {
        let plan = &v.published;
        plans.push(json!({
            "plan_id": plan.plan_id, "title": plan.title, "status": plan.status, "position": v.position,
            "published_at": recorded_at(&state, v.position).await?, "academic_years": plan.academic_years,
        }));
    }
    Ok(Json(json!({ "partnership_id": id, "plans": plans })))
}

/// The snapshot to read from and plan `plan_id`'s latest version in it: `404` for a
/// partnership not registered now or a plan it never published.
async fn find(
    state: &AppState,
    caller: &Caller,
    id: &str,
    plan_id: &str,
    p: &PlanParams,
) -> Result<(Snapshot, PlanVersion), ApiError> {
    check_plan_reader(caller, id)?;
    let s = snapshot(state, p.min_position.as_deref()).await?;
    if s.engine.partnership(id).is_none() {
        return Err(ApiError::PartnershipNotFound(id.to_owned()));
    }
    let version = s.engine.plan(id, plan_id).ok_or_else(|| ApiError::PlanNotFound(plan_id.to_owned()))?;
    Ok((s, version))
}

/// The plan as built at its position, from the cache or built now.
async fn built(
    state: &AppState,
    current: &Snapshot,
    id: &str,
    version: &PlanVersion,
) -> Result<Arc<BuiltPlan>, ApiError> {
    let plan_id = version.published.plan_id.as_str();
    if let Some(hit) = state.plans.plan(id, plan_id, version.position) {
        return Ok(hit);
    }
    let at_plan = as_of::engine_at(state, current, version.position).await?;
    let at_previous = match &version.previous {
        Some(previous) => Some(as_of::engine_at(state, current, previous.position).await?),
        None => None,
    };
    let published_at = recorded_at(state, version.position).await?;
    let content = PlanContent::of(id, version, published_at, &at_plan, at_previous.as_deref());
    let json = serde_json::to_vec(&content).map(Bytes::from).map_err(|e| ApiError::internal(&e))?;
    let plan = Arc::new(BuiltPlan { content, json, html: OnceLock::new(), pdf: OnceLock::new() });
    state.plans.keep_plan(id, plan_id, version.position, plan.clone());
    Ok(plan)
}

/// `GET …/plans/{plan_id}`: the plan fixed at its position.
async fn one(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((id, plan_id)): Path<(String, String)>,
    Query(p): Query<PlanParams>,
) -> Result<Response, ApiError> {
    let (s, version) = find(&state, &caller, &id, &plan_id, &p).await?;
    let plan = built(&state, &s, &id, &version).await?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], plan.json.clone()).into_response())
}

/// `GET …/plans/{plan_id}/progress`: the plan's rows then, and now.
async fn progress(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((id, plan_id)): Path<(String, String)>,
    Query(p): Query<PlanParams>,
) -> Result<Json<PlanProgress>, ApiError> {
    let (s, version) = find(&state, &caller, &id, &plan_id, &p).await?;
    let plan = built(&state, &s, &id, &version).await?;
    Ok(Json(PlanProgress::of(&plan.content, s.position, &s.engine)))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Html,
    Pdf,
}

/// `?format=html|pdf`, else `Accept: application/pdf`, else HTML.
fn format(p: &PlanParams, headers: &HeaderMap) -> Result<Format, ApiError> {
    match p.format.as_deref() {
        Some("html") => Ok(Format::Html),
        Some("pdf") => Ok(Format::Pdf),
        Some(other) => Err(ApiError::InvalidParameter {
            parameter: "format",
            message: format!("{other:?} is not a document format (html or pdf)"),
        }),
        None => {
            let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
            let wants_pdf =
                accept.split(',').any(|m| m.split(';').next().is_some_and(|m| m.trim() == "application/pdf"));
            Ok(if wants_pdf { Format::Pdf } else { Format::Html })
        }
    }
}

/// `GET …/plans/{plan_id}/document`: the plan to circulate, the same bytes every time.
async fn document(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((id, plan_id)): Path<(String, String)>,
    Query(p): Query<PlanParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = format(&p, &headers)?;
    let (s, version) = find(&state, &caller, &id, &plan_id, &p).await?;
    let plan = built(&state, &s, &id, &version).await?;
    let value: Value = serde_json::from_slice(&plan.json).map_err(|e| ApiError::internal(&e))?;
    let (body, media_type, extension) = match format {
        Format::Html => (
            plan.html.get_or_init(|| provisio_plan_document::html(&value).into()).clone(),
            "text/html; charset=utf-8",
            "html",
        ),
        Format::Pdf => {
            (plan.pdf.get_or_init(|| provisio_plan_document::pdf(&value).into()).clone(), "application/pdf", "pdf")
        }
    };
    let disposition = format!("inline; filename=\"{}-{}.{extension}\"", id, version.published.plan_id);
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
        (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(|e| ApiError::internal(&e))?),
        (header::VARY, HeaderValue::from_static("Accept")),
    ];
    Ok((headers, body).into_response())
}
