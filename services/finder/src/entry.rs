//! What the finder keeps of each public course: only what its filters and orders read, and
//! where the venue is (about a tenth of a whole `PublicCourse` with its strings).

use provisio_engine::PublicCourse;
use provisio_events::vocab::{AgeGroup, Date, Funding, Level, LocalId, Mode, PartnershipId, SubjectCode, Ukprn, Vocab};
use provisio_import::LatLon;

pub(crate) struct Entry {
    pub(crate) ukprn: Ukprn,
    pub(crate) offer_id: LocalId,
    pub(crate) title: Box<str>,
    /// The start date as the number `YYYYMMDD`, which orders as the date does.
    pub(crate) start: Option<u32>,
    pub(crate) subject: SubjectCode,
    pub(crate) level: Level,
    pub(crate) age_group: AgeGroup,
    pub(crate) mode: Mode,
    pub(crate) funding: Option<Funding>,
    pub(crate) partnerships: Box<[PartnershipId]>,
    pub(crate) point: Option<LatLon>,
}

/// `YYYY-MM-DD` as `YYYYMMDD` (a `Date` is always of that shape).
pub(crate) fn day_number(date: &Date) -> u32 {
    date.as_str().bytes().filter(u8::is_ascii_digit).fold(0, |n, b| n * 10 + u32::from(b - b'0'))
}

impl Entry {
    pub(crate) fn of(course: &PublicCourse, point: Option<LatLon>) -> Self {
        Self {
            ukprn: course.ukprn.clone(),
            offer_id: course.offer_id.clone(),
            title: course.title.as_str().into(),
            start: course.start_date.as_ref().map(day_number),
            subject: course.subject,
            level: course.level,
            age_group: course.age_group,
            mode: course.mode,
            funding: course.funding,
            partnerships: course.partnerships.clone().into_boxed_slice(),
            point,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_order_as_the_dates_do() {
        let day = |s: &str| day_number(&Date::parse(s).unwrap());
        assert_eq!(day("2026-09-07"), 20_260_907);
        assert!(day("2026-09-07") < day("2026-10-01"));
        assert!(day("2025-12-31") < day("2026-01-01"));
    }
}
