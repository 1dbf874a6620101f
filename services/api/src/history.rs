//! `GET /v1/partnerships/{id}/history` (CONTRACT section 10): the headline figures at the end
//! of each day, week or month, from one pass over the log.

use crate::auth::Authenticated;
use crate::reports::check_reader;
use crate::snapshot::snapshot;
use crate::{AppState, problem::ApiError};
use axum::Json;
use axum::extract::{Path, Query, State};
use provisio_engine::{Engine, Figures};
use provisio_store::{LogQuery, StoredEvent};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, Month, OffsetDateTime, Time};

routes! {
    get "/v1/partnerships/{id}/history" => history,
}

/// Most points one answer holds.
const MAX_POINTS: usize = 400;

/// Events read from the log per page.
const PAGE: i64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Every {
    Day,
    Week,
    Month,
}

impl Every {
    /// The end of the period holding `t` (UTC; weeks start on Monday): the first instant of
    /// the next period.
    fn end_of(self, t: OffsetDateTime) -> OffsetDateTime {
        let day = t.date();
        let next = match self {
            Every::Day => day.next_day(),
            Every::Week => Some(day + Duration::days(7 - i64::from(day.weekday().number_days_from_monday()))),
            Every::Month => {
                let year = if day.month() == Month::December { day.year() + 1 } else { day.year() };
                time::Date::from_calendar_date(year, day.month().next(), 1).ok()
            }
        };
        // Beyond year 9999 there is no next period: the point is the end of time itself.
        next.map_or(OffsetDateTime::new_utc(time::Date::MAX, Time::MIDNIGHT), |d| d.midnight().assume_utc())
    }
}

/// The instants of the points: the end of each period from the one holding `from`, then `to`.
fn instants(from: OffsetDateTime, to: OffsetDateTime, every: Every) -> Result<Vec<OffsetDateTime>, ApiError> {
    let (from, to) = (from.to_offset(time::UtcOffset::UTC), to.to_offset(time::UtcOffset::UTC));
    let mut out = Vec::new();
    let mut at = every.end_of(from);
    while at < to {
        out.push(at);
        at = every.end_of(at);
        if out.len() >= MAX_POINTS {
            break;
        }
    }
    out.push(to);
    if out.len() > MAX_POINTS || at < to {
        let message = format!("more than {MAX_POINTS} points; ask for a shorter span or a longer period");
        return Err(ApiError::InvalidParameter { parameter: "every", message });
    }
    Ok(out)
}

#[derive(Debug, Default, Deserialize)]
struct HistoryParams {
    from_time: Option<String>,
    to_time: Option<String>,
    every: Option<String>,
    min_position: Option<String>,
}

#[derive(Debug, Serialize)]
struct Point {
    /// RFC 3339, UTC.
    at: String,
    position: u64,
    #[serde(flatten)]
    figures: Figures,
}

fn instant(parameter: &'static str, text: Option<&str>) -> Result<Option<OffsetDateTime>, ApiError> {
    text.map(|t| {
        OffsetDateTime::parse(t, &Rfc3339).map_err(|_| ApiError::InvalidParameter {
            parameter,
            message: format!("{t:?} is not an RFC 3339 timestamp"),
        })
    })
    .transpose()
}

async fn history(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    Query(p): Query<HistoryParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_reader(&caller, &id)?;
    let every = match p.every.as_deref() {
        None | Some("day") => Every::Day,
        Some("week") => Every::Week,
        Some("month") => Every::Month,
        Some(other) => {
            let message = format!("{other:?} is not day, week or month");
            return Err(ApiError::InvalidParameter { parameter: "every", message });
        }
    };
    let from = instant("from_time", p.from_time.as_deref())?;
    let to = instant("to_time", p.to_time.as_deref())?.unwrap_or_else(OffsetDateTime::now_utc);
    let current = snapshot(&state, p.min_position.as_deref()).await?;
    if current.engine.partnership(&id).is_none() {
        return Err(ApiError::PartnershipNotFound(id));
    }
    let store = state.projection.store();
    let from = match from {
        Some(from) => from,
        None => {
            let first = store.read_log(&LogQuery { after: 0, limit: 1, ..Default::default() }).await?;
            first.first().and_then(|e| OffsetDateTime::parse(&e.recorded_at, &Rfc3339).ok()).unwrap_or(to)
        }
    };
    if from > to {
        let message = "from_time is after to_time".to_owned();
        return Err(ApiError::InvalidParameter { parameter: "from_time", message });
    }
    let mut walk = Walk {
        id: id.clone(),
        engine: Engine::new(),
        position: 0,
        pending: instants(from, to, every)?,
        points: Vec::new(),
    };
    walk.pending.reverse();
    // Every event recorded by the first instant comes before every point: the walk starts
    // from the state there (a past engine or image plus a short replay), not from position 0.
    let first = walk.pending.last().copied().unwrap_or(to);
    let start = (store.position_at(first).await?.max(0) as u64).min(current.position);
    if start > 0 {
        walk.engine = (*crate::as_of::engine_at(&state, &current, start).await?).clone();
        walk.position = start;
    }
    let _turn = provisio_projector::replay_turn().await;
    let mut after = start as i64;
    while !walk.pending.is_empty() {
        let page = store.read_log(&LogQuery { after, limit: PAGE, ..Default::default() }).await?;
        let Some(last) = page.last().map(|e| e.position) else { break };
        after = last;
        walk = tokio::task::spawn_blocking(move || walk.page(&page)).await.map_err(|e| ApiError::internal(&e))?;
    }
    walk.close_points(None);
    Ok(Json(serde_json::json!({ "points": walk.points })))
}

/// One pass over the log: each point takes the figures of the state after the last event
/// recorded at or before its instant.
struct Walk {
    id: String,
    engine: Engine,
    position: u64,
    /// The instants still to report, latest first.
    pending: Vec<OffsetDateTime>,
    points: Vec<Point>,
}

impl Walk {
    fn page(mut self, page: &[StoredEvent]) -> Self {
        for stored in page {
            let recorded = OffsetDateTime::parse(&stored.recorded_at, &Rfc3339).ok();
            self.close_points(recorded);
            if self.pending.is_empty() {
                break;
            }
            // A stored event that no longer validates is skipped, as the projector skips it.
            if let Some(event) = stored.parse() {
                self.engine.apply(stored.position as u64, &event);
            }
            self.position = stored.position as u64;
        }
        self
    }

    /// Reports every pending instant before `next` (the next event's `recorded_at`; `None`:
    /// the log ends here) with the state so far.
    fn close_points(&mut self, next: Option<OffsetDateTime>) {
        while let Some(&at) = self.pending.last() {
            if next.is_some_and(|n| n <= at) {
                return;
            }
            self.pending.pop();
            let at = at.format(&Rfc3339).unwrap_or_default();
            self.points.push(Point { at, position: self.position, figures: Figures::of(&self.engine, &self.id) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &Rfc3339).unwrap()
    }

    fn points(from: &str, to: &str, every: Every) -> Vec<String> {
        instants(t(from), t(to), every).unwrap().iter().map(|i| i.format(&Rfc3339).unwrap()).collect()
    }

    #[test]
    fn a_point_ends_each_period_and_the_last_is_at_to() {
        assert_eq!(
            points("2026-11-29T10:00:00Z", "2026-12-01T08:00:00Z", Every::Day),
            ["2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z", "2026-12-01T08:00:00Z"]
        );
        // 2026-12-02 is a Wednesday: its week ends as Monday the 7th begins.
        assert_eq!(
            points("2026-12-02T10:00:00+02:00", "2026-12-15T00:00:00Z", Every::Week),
            ["2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z", "2026-12-15T00:00:00Z"]
        );
        assert_eq!(
            points("2026-11-15T00:00:00Z", "2027-01-01T00:00:00Z", Every::Month),
            ["2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"]
        );
    }

    #[test]
    fn more_than_four_hundred_points_is_refused() {
        assert_eq!(instants(t("2026-01-01T00:00:00Z"), t("2027-02-04T12:00:00Z"), Every::Day).unwrap().len(), 400);
        assert!(instants(t("2026-01-01T00:00:00Z"), t("2027-02-05T12:00:00Z"), Every::Day).is_err());
    }
}
