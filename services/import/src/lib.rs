//! Course-data imports as a pure core: a college's Course Directory CSV (courses or venues)
//! or XCRI-CAP 1.2 feed in, validated Provisio events and an import report out.
//!
//! Architecture invariant: this crate does no I/O beyond reading the [`std::io::Read`] it is
//! given, has no clock (the events' `time` is an option) and no randomness, so the same bytes
//! and options always give byte-identical events with identical, content-derived ids. Every
//! event it returns has passed [`provisio_events::validate`]; a row or record that cannot be
//! mapped is reported with its line and reason and contributes nothing to any event. Files
//! are read row by row (presentation by presentation for XCRI): memory grows with what is
//! accepted, never with what is merely read.
//!
//! The CLI and the HTTP API own files, network, publishing and the live state that
//! [`diff_offers`] compares against.
//!
//! Choices where the formats are silent:
//! - Encoding: a BOM decides; otherwise the first non-ASCII character (valid UTF-8 or not),
//!   so the file is decoded once, as a stream ([`TextEncoding`] in the report).
//! - Modes: [`COURSE_DIRECTORY_MODES`], [`XCRI_ATTENDANCE_MODES`] and [`XCRI_STUDY_MODES`];
//!   free text goes through the [`Mapping`], then `default_mode`, else the record is rejected.
//! - Offers away from any venue (online, work-based) get the provider's synthetic venue
//!   [`ONLINE_VENUE_ID`] or [`WORKPLACE_VENUE_ID`], postcode [`SYNTHETIC_VENUE_POSTCODE`], area
//!   `default_area`.
//! - A venue without an area cannot be registered: offers at it are still published and the
//!   venue is listed in `venues_without_area` (a venue file rejects such a row instead).
//! - XCRI places that are missing, empty or `0` take `default_places`, else the record is
//!   rejected; CSV rows must give `PLACES` of at least 1.
//! - XCRI ids: the identifier typed `internalID`, else the first untyped one, made a valid
//!   contract id deterministically (see `renamed_ids` in the report).
//! - An offer id is claimed by the first row naming it: a later row with it is rejected even
//!   when the first was rejected too.
//! - Event ids are [`EVENT_ID_PREFIX`] and 128 bits of SHA-256 over the canonical JSON of the
//!   event's type, source and data, never its time.

mod courses;
mod csv_file;
mod decode;
mod diff;
mod ids;
mod lines;
mod mapping;
mod modes;
mod options;
mod plan;
mod postcodes;
mod public_fields;
mod publish;
mod report;
mod table;
mod values;
mod venue_rows;
mod venues;
mod xcri;

pub use courses::COURSE_COLUMNS;
pub use diff::{LiveOffer, OfferDiff, diff_offers};
pub use ids::{EVENT_ID_PREFIX, offer_fingerprint};
pub use mapping::{Mapping, MappingError, STARTER_MAPPING_JSON};
pub use modes::{
    COURSE_DIRECTORY_MODES, DeliveryMode, StudyMode, XCRI_ATTENDANCE_MODES, XCRI_STUDY_MODES, course_directory_mode,
};
pub use options::ImportOptions;
pub use postcodes::{LatLon, PostcodeLookup, PostcodeLookupError, normalise_postcode};
pub use report::{Format, ImportReport, Rejection, RenamedId, TextEncoding, VenueReference, VenueWithoutArea, Warning};
pub use venue_rows::VENUE_COLUMNS;
pub use venues::{ONLINE_VENUE_ID, SYNTHETIC_VENUE_POSTCODE, WORKPLACE_VENUE_ID};

use decode::Decoded;
use std::io::Read;

/// What an import produced: the events to publish, in order, and the report.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    /// Validated events in publish order: venues, then offers (curricula, or single offers
    /// when partial), then withdrawals.
    pub events: Vec<provisio_events::Event>,
    pub report: ImportReport,
}

/// Why a file could not be imported at all. Problems of single rows or records are not
/// errors: they are in the report.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("reading the input failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is empty")]
    EmptyFile,
    #[error("the CSV header is neither a Course Directory course upload nor a venue upload: {0}")]
    UnrecognisedHeader(String),
    #[error("a CSV import needs the provider's UKPRN")]
    UkprnRequired,
    #[error("the CSV cannot be read{}: {message}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Csv { line: Option<u64>, message: String },
    #[error("the XML cannot be read at line {line}: {message}")]
    Xml { line: u64, message: String },
    #[error("the XML is not an XCRI-CAP catalog: its root element is <{0}>")]
    NotXcri(String),
    #[error("{academic_year} has {offers} offers; one curriculum may list at most {max}: import it as partial", max = provisio_events::MAX_PLAN_OFFERS)]
    PlanTooLarge { academic_year: String, offers: usize },
    #[error("internal error: {0}")]
    Internal(String),
}

/// Imports one file: detects its format (XML is XCRI-CAP; anything else a Course Directory
/// CSV, courses or venues by its header) and encoding, maps it, and returns the events and
/// report. `progress` is called after each row or presentation with the count read so far.
pub fn import(
    input: impl Read,
    options: &ImportOptions,
    mut progress: impl FnMut(u64),
) -> Result<ImportOutcome, ImportError> {
    let mut decoded = Decoded::new(input);
    let mut plan = match decoded.first_significant_byte()? {
        None => return Err(ImportError::EmptyFile),
        Some(b'<') => xcri::import(decoded, options, &mut progress)?,
        Some(_) => csv_file::import(decoded, options, &mut progress)?,
    };
    plan.report_unregistered_venues();
    plan.report.sort_by_line();
    let events = publish::events(&plan, &options.time)?;
    Ok(ImportOutcome { events, report: plan.report })
}
