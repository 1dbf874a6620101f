//! Report rows, serialised exactly as CONTRACT section 5 writes them: codes as strings, counts
//! as integers, rates as numbers or `null`.

use crate::keys::{Cell, DuplicationKey, OfferKey, Year};
use crate::rules::EffectiveRules;
use provisio_events::vocab::{
    AgeGroup, AreaCode, Date, Level, LocalId, Measure, Mode, OfferStatus, PartnershipId, SubjectCode, Ukprn,
};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GapSeverity {
    Critical,
    High,
    Moderate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DuplicationSeverity {
    Overlap,
    Wasteful,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapRow {
    pub academic_year: Year,
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    pub demand: u64,
    pub supply: u64,
    pub unmet: u64,
    pub coverage: f64,
    pub severity: GapSeverity,
    pub needs: Vec<LocalId>,
    pub offers: Vec<GapOffer>,
    /// v2: interest registered by the public for the cell (section 11); never in `demand`.
    pub interest: u64,
}

impl GapRow {
    /// The cell the row is about: its key in the gap report.
    pub(crate) fn cell(&self) -> Cell {
        Cell { academic_year: self.academic_year, subject: self.subject, level: self.level, age_group: self.age_group }
    }
}

/// An offer in a gap row: `{"ukprn", "offer_id", "places"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct GapOffer {
    pub id: OfferKey,
    pub places: u32,
}

impl Serialize for GapOffer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("GapOffer", 3)?;
        m.serialize_field("ukprn", self.id.ukprn())?;
        m.serialize_field("offer_id", self.id.offer_id())?;
        m.serialize_field("places", &self.places)?;
        m.end()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicationRow {
    pub academic_year: Year,
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    pub mode: Mode,
    pub providers: Vec<Ukprn>,
    pub offers: Vec<DuplicationOffer>,
    pub supply: u64,
    pub demand: u64,
    pub surplus: i64,
    pub fill_rate: Option<f64>,
    pub severity: DuplicationSeverity,
}

impl DuplicationRow {
    /// The duplication key the row is about.
    pub(crate) fn key(&self) -> DuplicationKey {
        let cell = Cell {
            academic_year: self.academic_year,
            subject: self.subject,
            level: self.level,
            age_group: self.age_group,
        };
        cell.with_mode(self.mode)
    }
}

/// An offer in a duplication row; `enrolled` and `fill_rate` are `null` without a report.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicationOffer {
    pub id: OfferKey,
    pub places: u32,
    pub enrolled: Option<u32>,
    pub fill_rate: Option<f64>,
}

impl Serialize for DuplicationOffer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("DuplicationOffer", 5)?;
        m.serialize_field("ukprn", self.id.ukprn())?;
        m.serialize_field("offer_id", self.id.offer_id())?;
        m.serialize_field("places", &self.places)?;
        m.serialize_field("enrolled", &self.enrolled)?;
        m.serialize_field("fill_rate", &self.fill_rate)?;
        m.end()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetRow {
    pub target_id: LocalId,
    pub academic_year: Year,
    pub measure: Measure,
    pub value: u32,
    pub subject: Option<SubjectCode>,
    pub level: Option<Level>,
    pub age_group: Option<AgeGroup>,
    /// v2: the partnership's words for it, `null` when it gave none.
    pub title: Option<String>,
    pub current: u64,
    pub progress: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageCell {
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    pub demand: u64,
    pub supply: u64,
    /// v2: interest registered by the public for the cell (section 11).
    pub interest: u64,
}

/// A cell of the interest report: `{"subject", "level", "age_group", "interest"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InterestCell {
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    pub interest: u64,
}

/// A live offer as the offer listing shows it: every field of the offer, absent optional
/// fields as `null`, plus its provider and winning enrolment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferRow {
    pub ukprn: Ukprn,
    pub offer_id: LocalId,
    pub venue_id: LocalId,
    pub title: String,
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    pub mode: Mode,
    pub places: u32,
    pub status: OfferStatus,
    pub start_date: Option<Date>,
    pub duration_weeks: Option<u32>,
    pub lars_aim: Option<String>,
    pub academic_year: Year,
    pub enrolled: Option<u32>,
}

/// A registered partnership as `GET /v1/partnerships` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnershipSummary {
    pub partnership_id: PartnershipId,
    pub name: String,
    pub areas: Vec<AreaCode>,
    pub rules: EffectiveRules,
}
