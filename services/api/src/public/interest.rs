//! Interest registered by the public (CONTRACT section 11): `POST /v1/public/interest` records
//! `lp.interest.registered.v1` through the ordinary ingest path, carrying the cell and the
//! district only; `GET /v1/partnerships/{id}/interest` reads the counts like coverage.

use super::client_address;
use crate::auth::Authenticated;
use crate::reports::{ReportParams, report};
use crate::{AppState, problem::ApiError};
use axum::Json;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use provisio_events::vocab::{
    AcademicYear, AgeGroup, AreaCode, EventId, Level, Mode, PartnershipId, SubjectCode, Timestamp, Vocab,
};
use provisio_events::{Event, InterestRegistered, Payload, Source};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Instant;

routes! {
    post "/v1/public/interest" => register,
    get "/v1/partnerships/{id}/interest" => counts,
}

async fn register(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (parts, body) = request.into_parts();
    check_allowance(&state, &parts)?;
    let limit = state.access.limits.max_body_bytes;
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| ApiError::BodyTooLarge { limit })?;
    let body: Value = serde_json::from_slice(&body).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    let Value::Object(body) = body else {
        return Err(ApiError::InvalidInterest { field: "", message: "expected a JSON object".into() });
    };
    let partnerships = record(&state, |field| body.get(field).and_then(Value::as_str)).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "partnerships": partnerships }))))
}

/// Refuses a client address past its allowance (`--interest-rate-limit`); asked before the
/// request's body is read, by this endpoint and by the finder page's form alike.
pub(super) fn check_allowance(state: &AppState, parts: &Parts) -> Result<(), ApiError> {
    let config = &state.public;
    let address = client_address(config, parts.extensions.get::<ConnectInfo<SocketAddr>>(), &parts.headers);
    config.interest_limit.check(address, Instant::now()).map_err(ApiError::InterestRateLimited)
}

/// Records the interest whose fields `text` gives (`subject`, `level`, `age_group`, `mode`,
/// `postcode` or `area`, `academic_year`); answers the partnerships covering its district.
/// Nothing is recorded when a field is invalid or no partnership covers the district.
pub(super) async fn record<'a>(
    state: &AppState,
    text: impl Fn(&'static str) -> Option<&'a str>,
) -> Result<Vec<PartnershipId>, ApiError> {
    let area = match (text("postcode"), text("area")) {
        (Some(postcode), _) => {
            let lookup = state.public.postcodes.as_deref();
            lookup.and_then(|l| l.get(postcode)).cloned().ok_or_else(|| ApiError::UnknownPostcode(postcode.into()))?
        }
        (None, Some(area)) => parse::<AreaCode>("area", Some(area))?,
        (None, None) => return Err(invalid("postcode", "a postcode or an area is required".into())),
    };
    let academic_year = match text("academic_year") {
        None => year_in_progress(time::OffsetDateTime::now_utc()),
        year => parse::<AcademicYear>("academic_year", year)?,
    };
    let interest = InterestRegistered {
        subject: parse::<SubjectCode>("subject", text("subject"))?,
        level: parse::<Level>("level", text("level"))?,
        age_group: parse::<AgeGroup>("age_group", text("age_group"))?,
        mode: text("mode").map(|m| parse::<Mode>("mode", Some(m))).transpose()?,
        academic_year,
        area,
    };
    let s = state.projection.snapshot();
    let partnerships = s.engine.partnerships_covering(&interest.area);
    if partnerships.is_empty() {
        let message = format!("no partnership covers area {}", interest.area);
        return Err(invalid(if text("postcode").is_some() { "postcode" } else { "area" }, message));
    }
    let event = Event {
        id: EventId::parse(&format!("interest-{}", provisio_access::random_hex(16)))
            .ok_or_else(|| ApiError::internal(&"event id"))?,
        source: Source::Public,
        time: now(),
        payload: Payload::InterestRegistered(interest),
    };
    state.ingest.submit(vec![provisio_ingest::own_candidate(event)]).await?;
    Ok(partnerships)
}

fn invalid(field: &'static str, message: String) -> ApiError {
    ApiError::InvalidInterest { field, message }
}

fn parse<T: Vocab>(field: &'static str, value: Option<&str>) -> Result<T, ApiError> {
    let value = value.ok_or_else(|| invalid(field, "is required as a string".into()))?;
    T::parse(value).ok_or_else(|| invalid(field, format!("{value:?} is not {}", T::EXPECTED)))
}

fn now() -> Timestamp {
    let text =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    Timestamp::parse(&text).unwrap_or_else(|| Timestamp::parse("1970-01-01T00:00:00Z").expect("a valid timestamp"))
}

/// The academic year in progress in England (August to July) at `now`. The year turns at
/// midnight on 1 August, British Summer Time (UTC+1).
pub(crate) fn year_in_progress(now: time::OffsetDateTime) -> AcademicYear {
    let england = now + time::Duration::hours(1);
    let start = if u8::from(england.month()) >= 8 { england.year() } else { england.year() - 1 };
    AcademicYear::starting(start).unwrap_or_else(|| AcademicYear::parse("2000/01").expect("a valid year"))
}

async fn counts(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    let year = json!(p.academic_year);
    report(&state, &caller, id, &p, "cells", Some(("academic_year", year)), |e, id, f| e.interest(id, f)).await
}

#[cfg(test)]
mod tests {
    use super::year_in_progress;
    use time::macros::datetime;

    #[test]
    fn the_academic_year_turns_at_midnight_on_the_first_of_august_in_england() {
        assert_eq!(year_in_progress(datetime!(2026-07-31 22:59 UTC)).to_string(), "2025/26");
        assert_eq!(year_in_progress(datetime!(2026-07-31 23:00 UTC)).to_string(), "2026/27");
        assert_eq!(year_in_progress(datetime!(2027-01-15 12:00 UTC)).to_string(), "2026/27");
    }
}
