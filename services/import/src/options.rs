//! What the caller tells an import: whose data it is, what fills the gaps of a file, and
//! whether the file is the whole curriculum or a partial update.

use crate::mapping::Mapping;
use crate::postcodes::PostcodeLookup;
use provisio_events::vocab::{AcademicYear, AgeGroup, AreaCode, Level, Mode, Timestamp, Ukprn};
use std::num::NonZeroU32;

/// Options of one import. Every `default_*` fills only what a row or record lacks; a value
/// the file gives always wins, and a value the file gives wrongly is rejected, never replaced.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The provider. Required for CSV; for XCRI it overrides the feed's UKPRN (with a
    /// warning when they differ) or fills it when the feed has none.
    pub ukprn: Option<Ukprn>,
    /// Academic year of rows without `ACADEMIC_YEAR` (CSV) and of every presentation (XCRI);
    /// without it the year comes from the start date (1 August to 31 July).
    pub academic_year: Option<AcademicYear>,
    pub default_level: Option<Level>,
    pub default_age_group: Option<AgeGroup>,
    /// Area of venues with no `AREA` whose postcode is not in `postcodes`, and of the
    /// synthetic `ONLINE` and `WORKPLACE` venues.
    pub default_area: Option<AreaCode>,
    /// Mode of XCRI presentations whose `studyMode` and `attendanceMode` say nothing usable.
    pub default_mode: Option<Mode>,
    /// Places of XCRI presentations whose `mlo:places` is missing, empty or `0`. CSV rows
    /// must always give `PLACES`.
    pub default_places: Option<NonZeroU32>,
    pub postcodes: PostcodeLookup,
    pub mapping: Mapping,
    /// `false`: the file is the provider's whole curriculum for each academic year in it
    /// (one `curriculum.published` per year, so offers left out are withdrawn). `true`: one
    /// `provision.offered` per offer, and nothing else is withdrawn.
    pub partial: bool,
    /// The `time` of every event. It never enters an event id.
    pub time: Timestamp,
}

impl ImportOptions {
    /// Options with nothing to fill gaps, the starter mapping, and a whole-curriculum import.
    pub fn new(time: Timestamp) -> Self {
        Self {
            ukprn: None,
            academic_year: None,
            default_level: None,
            default_age_group: None,
            default_area: None,
            default_mode: None,
            default_places: None,
            postcodes: PostcodeLookup::default(),
            mapping: Mapping::starter(),
            partial: false,
            time,
        }
    }
}
