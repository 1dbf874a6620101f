//! A search over the public courses: words, filters, distance, order and pages
//! (CONTRACT section 11, `GET /v1/public/courses`).

use crate::entry::{Entry, day_number};
use crate::geo::haversine_km;
use crate::{Finder, FinderError};
use provisio_engine::PublicCourse;
use provisio_events::vocab::{AgeGroup, Date, Funding, Level, Mode, PartnershipId, SubjectCode};
use provisio_import::LatLon;
use std::cmp::Ordering;

/// Above this many courses in the cells around a searcher's point, a search with words walks
/// every match of the words instead: reading the cells' documents costs per document.
const MOST_NEARBY: usize = 200_000;
/// Above this many cells, likewise: each is a term to look up in every segment.
const MOST_CELLS: usize = 400;

/// What a searcher asks for, already checked at the edge.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub q: Option<String>,
    pub partnership: Option<PartnershipId>,
    pub subject: Option<SubjectCode>,
    pub level: Option<Level>,
    pub age_group: Option<AgeGroup>,
    pub mode: Option<Mode>,
    pub funding: Option<Funding>,
    /// Courses starting after this day; those without a start date are left out.
    pub starts_after: Option<Date>,
    /// The searcher's point and how far from it (km); courses without a position are left out.
    pub near: Option<(LatLon, f64)>,
    pub offset: usize,
    pub limit: usize,
}

/// One result: the course and, with `near`, its distance.
#[derive(Debug, Clone)]
pub struct Hit {
    pub course: PublicCourse,
    pub distance_km: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Page {
    /// Courses matching the whole search, over every page.
    pub total: usize,
    pub hits: Vec<Hit>,
    /// The offset of the next page, `None` on the last.
    pub next: Option<usize>,
}

struct Ranked<'a> {
    entry: &'a Entry,
    score: f32,
    distance_km: Option<f64>,
}

impl Search {
    fn keeps(&self, c: &Entry, after: Option<u32>) -> bool {
        let start_ok = match (after, c.start) {
            (None, _) => true,
            (Some(after), Some(start)) => start > after,
            (Some(_), None) => false,
        };
        start_ok
            && self.partnership.as_ref().is_none_or(|p| c.partnerships.contains(p))
            && self.subject.is_none_or(|s| c.subject == s)
            && self.level.is_none_or(|l| c.level == l)
            && self.age_group.is_none_or(|a| c.age_group == a)
            && self.mode.is_none_or(|m| c.mode == m)
            && self.funding.is_none_or(|f| c.funding == Some(f))
    }
}

/// Start date (none last), then title.
fn by_date_then_title(a: &Entry, b: &Entry) -> Ordering {
    match (a.start, b.start) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.title.cmp(&b.title))
}

impl Finder {
    pub fn search(&self, s: &Search) -> Result<Page, FinderError> {
        // Near a point, only the courses of the grid's cells around it (with words, unless
        // they are so many that walking every match of the words costs less).
        let nearby = s.near.and_then(|(from, km)| self.grid.near(from, km));
        let scored = match s.q.as_deref() {
            Some(q) => {
                let cells = nearby.as_ref().filter(|n| n.docs <= MOST_NEARBY && n.len() <= MOST_CELLS);
                self.text.matches(q, cells.map(|n| n.keys()).as_deref())?
            }
            None => None,
        };
        // A match whose document is no longer a course's (its words or place changed, or it
        // was withdrawn, since the last commit) is none.
        let candidates: Vec<(&Entry, f32)> = match (&scored, &nearby) {
            (Some(matches), _) => {
                matches.iter().filter_map(|(doc, score)| Some((self.entries.get(*doc)?, *score))).collect()
            }
            (None, Some(near)) => self.grid.docs(near).filter_map(|doc| Some((self.entries.get(doc)?, 0.0))).collect(),
            (None, None) => self.entries.values().map(|e| (e, 0.0)).collect(),
        };
        let after = s.starts_after.as_ref().map(day_number);
        let mut ranked: Vec<Ranked<'_>> = candidates
            .into_iter()
            .filter(|(e, _)| s.keeps(e, after))
            .filter_map(|(entry, score)| {
                let distance_km = match s.near {
                    None => None,
                    Some((from, within)) => Some(haversine_km(from, entry.point?)).filter(|d| *d <= within),
                };
                (s.near.is_none() || distance_km.is_some()).then_some(Ranked { entry, score, distance_km })
            })
            .collect();
        let ties = |a: &Ranked<'_>, b: &Ranked<'_>| {
            let (x, y) = (a.entry, b.entry);
            x.ukprn.cmp(&y.ukprn).then_with(|| x.offer_id.cmp(&y.offer_id))
        };
        let order = |a: &Ranked<'_>, b: &Ranked<'_>| {
            let first = if scored.is_some() {
                b.score.total_cmp(&a.score)
            } else if s.near.is_some() {
                a.distance_km.unwrap_or(f64::MAX).total_cmp(&b.distance_km.unwrap_or(f64::MAX))
            } else {
                by_date_then_title(a.entry, b.entry)
            };
            first.then_with(|| ties(a, b))
        };
        let total = ranked.len();
        // Only the pages up to this one are put in order (the order is total: ties by key).
        let wanted = s.offset.saturating_add(s.limit).min(total);
        if wanted > 0 && wanted < total {
            ranked.select_nth_unstable_by(wanted - 1, order);
            ranked.truncate(wanted);
        }
        ranked.sort_by(order);
        let hits: Vec<Hit> = ranked
            .iter()
            .skip(s.offset)
            .take(s.limit)
            .filter_map(|r| {
                let course = self.engine.public_course(&r.entry.ukprn, &r.entry.offer_id)?;
                Some(Hit { course, distance_km: r.distance_km })
            })
            .collect();
        let end = s.offset.saturating_add(hits.len());
        Ok(Page { total, hits, next: (end < total).then_some(end) })
    }
}
