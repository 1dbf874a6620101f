//! The open course search (CONTRACT section 11): `GET /v1/public/courses`, one course, and a
//! partnership's public page. Answers come from the finder's index, which follows the engine;
//! nothing here shows places, enrolments or fill rates.

use crate::{AppState, problem::ApiError};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use provisio_engine::PublicCourse;
use provisio_events::vocab::{LocalId, PartnershipId, Ukprn, Vocab};
use provisio_finder::{Hit, Search};
use provisio_import::normalise_postcode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

routes! {
    get "/v1/public/courses" => search,
    get "/v1/public/courses/{ukprn}/{offer_id}" => one,
    get "/v1/public/partnerships/{id}" => partnership,
}

/// Longest `q`, in characters.
const MAX_Q_CHARS: usize = 200;

/// The search's parameters as given; the finder page fills its form from them.
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct Params {
    pub(super) q: Option<String>,
    pub(super) partnership: Option<String>,
    pub(super) subject: Option<String>,
    pub(super) level: Option<String>,
    pub(super) age_group: Option<String>,
    pub(super) mode: Option<String>,
    pub(super) funding: Option<String>,
    pub(super) starts_after: Option<String>,
    pub(super) postcode: Option<String>,
    pub(super) within_km: Option<String>,
    pub(super) limit: Option<String>,
    pub(super) cursor: Option<String>,
}

fn bad(parameter: &'static str, message: String) -> ApiError {
    ApiError::InvalidParameter { parameter, message }
}

fn vocab<T: Vocab>(parameter: &'static str, value: Option<&str>) -> Result<Option<T>, ApiError> {
    value.map(|v| T::parse(v).ok_or_else(|| bad(parameter, format!("{v:?} is not {}", T::EXPECTED)))).transpose()
}

/// A UK postcode's shape: an outward code of 2 to 4 characters starting with a letter, then a
/// digit and two letters.
fn is_postcode(normalised: &str) -> bool {
    let Some((outward, inward)) = normalised.split_once(' ') else { return false };
    let inward = inward.as_bytes();
    (2..=4).contains(&outward.len())
        && outward.starts_with(|c: char| c.is_ascii_uppercase())
        && outward.bytes().all(|b| b.is_ascii_alphanumeric())
        && inward.len() == 3
        && inward[0].is_ascii_digit()
        && inward[1..].iter().all(u8::is_ascii_uppercase)
}

/// A page's cursor: its offset, in a form clients treat as opaque.
pub(super) fn cursor_of(offset: usize) -> String {
    format!("o{offset:x}")
}

fn offset_of(cursor: &str) -> Option<usize> {
    usize::from_str_radix(cursor.strip_prefix('o')?, 16).ok()
}

impl Params {
    pub(super) fn search(&self, state: &AppState) -> Result<Search, ApiError> {
        if let Some(q) = &self.q
            && q.chars().count() > MAX_Q_CHARS
        {
            return Err(bad(
                "q",
                format!("is {} characters long; at most {MAX_Q_CHARS} are allowed", q.chars().count()),
            ));
        }
        let within_km = match self.within_km.as_deref() {
            None => 25.0,
            Some(text) => text
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x > 0.0)
                .ok_or_else(|| bad("within_km", format!("{text:?} is not a number greater than 0")))?,
        };
        let near = match self.postcode.as_deref() {
            None => None,
            Some(raw) => {
                let postcode = normalise_postcode(raw);
                if !is_postcode(&postcode) {
                    return Err(bad("postcode", format!("{raw:?} is not a postcode")));
                }
                let lookup = state.public.postcodes.as_deref();
                let point =
                    lookup.and_then(|l| l.point(&postcode)).ok_or_else(|| ApiError::UnknownPostcode(raw.into()))?;
                Some((point, within_km))
            }
        };
        let limit = match self.limit.as_deref() {
            None => 20,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| bad("limit", format!("{text:?} is not an integer from 1 to 100")))?,
        };
        let offset = match self.cursor.as_deref() {
            None => 0,
            Some(c) => {
                offset_of(c).ok_or_else(|| bad("cursor", format!("{c:?} is not a cursor from an earlier page")))?
            }
        };
        Ok(Search {
            q: self.q.clone().filter(|q| !q.trim().is_empty()),
            partnership: vocab("partnership", self.partnership.as_deref())?,
            subject: vocab("subject", self.subject.as_deref())?,
            level: vocab("level", self.level.as_deref())?,
            age_group: vocab("age_group", self.age_group.as_deref())?,
            mode: vocab("mode", self.mode.as_deref())?,
            funding: vocab("funding", self.funding.as_deref())?,
            starts_after: vocab("starts_after", self.starts_after.as_deref())?,
            near,
            offset,
            limit,
        })
    }
}

/// The contract's course object: the course and its distance, encoded straight into the
/// answer (a search answers up to 100 of them).
#[derive(Serialize)]
struct CourseJson<'a> {
    #[serde(flatten)]
    course: &'a PublicCourse,
    distance_km: Option<f64>,
}

impl<'a> From<&'a Hit> for CourseJson<'a> {
    fn from(hit: &'a Hit) -> Self {
        CourseJson { course: &hit.course, distance_km: hit.distance_km.map(|d| (d * 100.0).round() / 100.0) }
    }
}

#[derive(Serialize)]
struct PageJson<'a> {
    total: usize,
    courses: Vec<CourseJson<'a>>,
    next_cursor: Option<String>,
}

async fn search(State(state): State<AppState>, Query(p): Query<Params>) -> Result<Response, ApiError> {
    let search = p.search(&state)?;
    let page = state.public.built_finder()?.search(&search).map_err(|e| ApiError::internal(&e))?;
    let courses = page.hits.iter().map(CourseJson::from).collect();
    Ok(Json(PageJson { total: page.total, courses, next_cursor: page.next.map(cursor_of) }).into_response())
}

async fn one(
    State(state): State<AppState>,
    Path((ukprn, offer_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (Some(ukprn), Some(offer_id)) = (Ukprn::parse(&ukprn), LocalId::parse(&offer_id)) else {
        return Err(ApiError::NotFound);
    };
    let course = state.public.built_finder()?.course(&ukprn, &offer_id).ok_or(ApiError::NotFound)?;
    Ok(Json(CourseJson { course: &course, distance_km: None }).into_response())
}

async fn partnership(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let s = state.projection.snapshot();
    let summary = s.engine.partnership(&id).ok_or_else(|| ApiError::PartnershipNotFound(id.clone()))?;
    let iag = s.engine.partnership_iag(&id).flatten();
    let pid = PartnershipId::parse(&id).ok_or_else(|| ApiError::PartnershipNotFound(id.clone()))?;
    let finder = state.public.built_finder()?;
    let mut by_subject: BTreeMap<_, (&'static str, usize)> = BTreeMap::new();
    for subject in finder.subjects_in(&pid) {
        by_subject.entry(subject).or_insert((subject.name(), 0)).1 += 1;
    }
    let courses_by_subject: Vec<Value> = by_subject
        .into_iter()
        .map(|(subject, (name, n))| json!({"subject": subject, "subject_name": name, "courses": n}))
        .collect();
    Ok(Json(json!({
        "partnership_id": summary.partnership_id,
        "name": summary.name,
        "areas": summary.areas,
        "iag": iag,
        "courses_by_subject": courses_by_subject,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_have_the_uk_shape_and_cursors_round_trip() {
        for ok in ["SR1 3AD", "NE1 8ST", "EC1A 1BB", "M1 1AE"] {
            assert!(is_postcode(ok), "{ok}");
        }
        for bad in ["", "SR13", "1R1 3AD", "SR1 AAD", "SR1 3A1", "SR1-3AD", "ABCDE 1AA"] {
            assert!(!is_postcode(&normalise_postcode(bad)), "{bad}");
        }
        assert_eq!(offset_of(&cursor_of(40)), Some(40));
        assert_eq!(offset_of("40"), None);
    }
}
