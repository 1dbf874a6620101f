//! The keys reports are grouped and sorted by: academic year, cell, duplication key, offer id.
//!
//! Cells and duplication keys are `Copy` and a few bytes long because every index and every
//! touched-set holds them; offer ids are shared behind an `Arc` for the same reason.

use provisio_events::vocab::{AcademicYear, AgeGroup, Date, Level, LocalId, Mode, SubjectCode, Ukprn, Vocab};
use serde::{Serialize, Serializer};
use std::fmt;
use std::sync::Arc;

/// An academic year by its first calendar year, so it is `Copy` and orders by time.
/// It serialises as the contract's `YYYY/YY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Year(pub(crate) u16);

impl Year {
    pub fn of(year: &AcademicYear) -> Self {
        // A valid academic year starts in 0000..=9999, which always fits.
        Year(u16::try_from(year.start_year()).unwrap_or_default())
    }
}

impl From<&AcademicYear> for Year {
    fn from(year: &AcademicYear) -> Self {
        Year::of(year)
    }
}

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}/{:02}", self.0, (self.0 + 1) % 100)
    }
}

impl Serialize for Year {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A calendar day as `yyyymmdd`, for comparing enrolment reports without keeping strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Day(pub(crate) u32);

impl Day {
    pub(crate) fn of(date: &Date) -> Self {
        let digits = date.as_str().bytes().filter(u8::is_ascii_digit);
        Day(digits.fold(0, |n, b| n * 10 + u32::from(b - b'0')))
    }
}

/// A cell of CONTRACT section 3, without its partnership: where demand meets supply.
/// Field order is the report's sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Cell {
    pub academic_year: Year,
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
}

impl Cell {
    pub fn with_mode(self, mode: Mode) -> DuplicationKey {
        let Cell { academic_year, subject, level, age_group } = self;
        DuplicationKey { academic_year, subject, level, age_group, mode }
    }
}

/// A cell and a mode: what duplication is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DuplicationKey {
    pub academic_year: Year,
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    pub mode: Mode,
}

impl DuplicationKey {
    pub fn cell(&self) -> Cell {
        Cell { academic_year: self.academic_year, subject: self.subject, level: self.level, age_group: self.age_group }
    }
}

/// An offer's identity: its provider and the provider's own id for it. Orders by UKPRN, then
/// offer id, which is the order of every offer list in the reports.
#[derive(Debug, Clone)]
pub struct OfferId {
    ukprn: Ukprn,
    offer_id: LocalId,
    /// The offer id's first 16 bytes, zero-padded, as one big-endian number. The engine's
    /// ordered maps compare offer ids millions of times during a replay; most comparisons
    /// end here, without following the id's pointer to its text (a cache miss, and the top
    /// of the replay profile as `memcmp`). An id holds no zero byte, so the padded number
    /// orders as the text does.
    head: u128,
}

impl OfferId {
    pub fn new(ukprn: Ukprn, offer_id: LocalId) -> Self {
        let mut head = [0u8; 16];
        for (h, b) in head.iter_mut().zip(offer_id.as_str().bytes()) {
            *h = b;
        }
        OfferId { ukprn, offer_id, head: u128::from_be_bytes(head) }
    }

    pub fn ukprn(&self) -> &Ukprn {
        &self.ukprn
    }

    pub fn offer_id(&self) -> &LocalId {
        &self.offer_id
    }
}

impl PartialEq for OfferId {
    fn eq(&self, other: &Self) -> bool {
        self.head == other.head && self.ukprn == other.ukprn && self.offer_id == other.offer_id
    }
}

impl Eq for OfferId {}

/// `head` follows from `offer_id`, so hashing the two fields agrees with `eq`.
impl std::hash::Hash for OfferId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.ukprn.hash(state);
        self.offer_id.hash(state);
    }
}

impl PartialOrd for OfferId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OfferId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let head = self.ukprn.cmp(&other.ukprn).then(self.head.cmp(&other.head));
        head.then_with(|| self.offer_id.cmp(&other.offer_id))
    }
}

/// Shared so that indexes and report rows hold a pointer, not two more strings per offer.
pub type OfferKey = Arc<OfferId>;

/// Where a page of offers ends; the next page starts after it.
pub type OfferCursor = OfferId;

impl OfferId {
    /// Reads the text form of [`fmt::Display`], `<ukprn>/<offer id>`, as used in cursors.
    pub fn parse(s: &str) -> Option<Self> {
        let (ukprn, offer_id) = s.split_once('/')?;
        Some(OfferId::new(Ukprn::parse(ukprn)?, LocalId::parse(offer_id)?))
    }
}

/// `/` cannot occur in a UKPRN or an offer id, so the form reads back unambiguously.
impl fmt::Display for OfferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.ukprn, self.offer_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_print_as_the_contract_writes_them() {
        let y = |s| Year::of(&AcademicYear::parse(s).expect("valid year"));
        assert_eq!(y("2001/02").to_string(), "2001/02");
        assert_eq!(y("1999/00").to_string(), "1999/00");
        assert!(y("1999/00") < y("2001/02"));
    }

    #[test]
    fn days_order_like_the_calendar() {
        let d = |s| Day::of(&Date::parse(s).expect("valid date"));
        assert_eq!(d("2001-10-15"), Day(20011015));
        assert!(d("2001-09-30") < d("2001-10-01"));
    }

    #[test]
    fn offer_ids_order_as_their_text_whatever_their_length() {
        let ids = [
            "A",
            "AB",
            "AB.",
            "ABC",
            "B",
            "Z",
            "a",
            "ENG-L3-FT-2024-25",
            "ENG-L3-FT-2024-25-B",
            "ENG-L3-FT-2024-26",
            "0123456789abcdef",
            "0123456789abcdefg",
            "0123456789abcdeg",
        ];
        let id = |u: &str, o: &str| OfferId::new(Ukprn::parse(u).expect("valid"), LocalId::parse(o).expect("valid"));
        for u in ["10000001", "10000002"] {
            for v in ["10000001", "10000002"] {
                for a in ids {
                    for b in ids {
                        let expected = (u, a).cmp(&(v, b));
                        assert_eq!(id(u, a).cmp(&id(v, b)), expected, "{u}/{a} against {v}/{b}");
                        assert_eq!(id(u, a) == id(v, b), expected.is_eq());
                    }
                }
            }
        }
    }

    #[test]
    fn an_offer_id_reads_back_from_its_text() {
        let id = OfferId::parse("10006570/ENG-L3.FT_1").expect("valid cursor");
        assert_eq!(id.to_string(), "10006570/ENG-L3.FT_1");
        assert_eq!(OfferId::parse("10006570"), None);
        assert_eq!(OfferId::parse("1000657/X"), None);
    }
}
