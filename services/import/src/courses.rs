//! Rows of a Course Directory course upload, each to one offer or to its reasons for not
//! being one.
//!
//! `YOUR_REFERENCE` is the offer id and `YOUR_VENUE_REFERENCE` the venue id; the venues
//! themselves come from the venue upload. An online or work-based row without a venue gets
//! the provider's synthetic `ONLINE` or `WORKPLACE` venue (see [`crate::venues`]).

use crate::modes::{DeliveryMode, StudyMode, course_directory_mode};
use crate::options::ImportOptions;
use crate::plan::Plan;
use crate::public_fields::{Published, attendance_words, offer_public};
use crate::report::ImportReport;
use crate::table::{Cell, Header, Row};
use crate::values;
use crate::venues::Synthetic;
use provisio_events::vocab::OfferStatus;
use provisio_events::vocab::{AcademicYear, LocalId, SubjectCode, Ukprn, Vocab};
use provisio_events::{OfferPublic, OfferSpec};

/// Columns of a Course Directory course upload, plus Provisio's `PLACES`, `AGE_GROUP` and
/// `ACADEMIC_YEAR`.
pub const COURSE_COLUMNS: &[&str] = &[
    "COURSE_TYPE",
    "SECTOR",
    "EDUCATION_LEVEL",
    "AWARDING_BODY",
    "WHO_THIS_COURSE_IS_FOR",
    "ENTRY_REQUIREMENTS",
    "WHAT_YOU_WILL_LEARN",
    "HOW_YOU_WILL_LEARN",
    "WHAT_YOU_WILL_NEED_TO_BRING",
    "HOW_YOU_WILL_BE_ASSESSED",
    "WHERE_NEXT",
    "COURSE_NAME",
    "YOUR_REFERENCE",
    "DELIVERY_MODE",
    "START_DATE",
    "FLEXIBLE_START_DATE",
    "VENUE_NAME",
    "YOUR_VENUE_REFERENCE",
    "NATIONAL_DELIVERY",
    "SUB_REGION",
    "COURSE_WEBPAGE",
    "COST",
    "COST_DESCRIPTION",
    "DURATION",
    "DURATION_UNIT",
    "STUDY_MODE",
    "ATTENDANCE_PATTERN",
    "PLACES",
    "AGE_GROUP",
    "ACADEMIC_YEAR",
];

/// Columns a course file needs, given what the options fill in.
pub(crate) fn required_columns(opts: &ImportOptions, header: &Header) -> Vec<&'static str> {
    let mut columns = vec![
        "COURSE_NAME",
        "YOUR_REFERENCE",
        "SECTOR",
        "DELIVERY_MODE",
        "STUDY_MODE",
        "YOUR_VENUE_REFERENCE",
        "PLACES",
    ];
    if opts.default_level.is_none() {
        columns.push("EDUCATION_LEVEL");
    }
    if opts.default_age_group.is_none() {
        columns.push("AGE_GROUP");
    }
    if opts.academic_year.is_none() && !header.has("START_DATE") {
        columns.push("ACADEMIC_YEAR");
    }
    columns
}

/// Notes on a course file's header that reject nothing.
pub(crate) fn check_header(header: &Header, line: u64, report: &mut ImportReport) {
    if header.has("AREA") {
        report.warn(
            Some(line),
            format!(
                "the {} column is ignored: a course row names its venue by YOUR_VENUE_REFERENCE, and a venue's area \
                 comes from the venues file (its AREA column, else the postcode lookup or the default area); put the \
                 areas in the venues file and import it",
                header.label("AREA")
            ),
        );
    }
}

pub(crate) struct Courses<'a> {
    ukprn: &'a Ukprn,
    opts: &'a ImportOptions,
}

impl<'a> Courses<'a> {
    pub(crate) fn new(ukprn: &'a Ukprn, opts: &'a ImportOptions) -> Self {
        Self { ukprn, opts }
    }

    /// Checks one row and, when nothing is wrong with it, adds its offer to the plan.
    pub(crate) fn row(&mut self, r: &mut Row<'_, '_>, plan: &mut Plan) {
        let opts = self.opts;
        let title = r.required("COURSE_NAME").and_then(|v| r.check("COURSE_NAME", v, values::title(v)));
        let offer_id = self.reference(r, plan);
        let subject = r.required("SECTOR").and_then(|v| {
            let code = SubjectCode::parse(v).or_else(|| SubjectCode::from_name(v));
            r.check(
                "SECTOR",
                v,
                code.ok_or_else(|| "is not a Sector Subject Area tier 2 code or official name".to_owned()),
            )
        });
        let level = match r.cell("EDUCATION_LEVEL") {
            Cell::Value(v) => r.check(
                "EDUCATION_LEVEL",
                v,
                values::level(v).ok_or_else(|| "is not a level (Entry, or 1 to 8)".to_owned()),
            ),
            _ => r.or_default("EDUCATION_LEVEL", opts.default_level.as_ref(), "default level"),
        };
        let delivery = r.required("DELIVERY_MODE").and_then(|v| {
            let d = DeliveryMode::parse(v).ok_or_else(|| {
                "is not a delivery mode (ClassroomBased, Online, WorkBased or BlendedLearning)".to_owned()
            });
            r.check("DELIVERY_MODE", v, d)
        });
        let study = match r.cell("STUDY_MODE") {
            Cell::Value(v) => r.check(
                "STUDY_MODE",
                v,
                StudyMode::parse(v).ok_or_else(|| "is not a study mode (FullTime, PartTime or Flexible)".to_owned()),
            ),
            _ => None,
        };
        let mode = delivery.and_then(|d| match course_directory_mode(d, study) {
            Some(m) => Some(m),
            None => {
                if matches!(r.cell("STUDY_MODE"), Cell::Absent) {
                    r.fail(
                        "STUDY_MODE",
                        None,
                        "the file has no STUDY_MODE column, which classroom-based and blended delivery need",
                    );
                } else if !r.failed("STUDY_MODE") {
                    r.fail("STUDY_MODE", None, "is required for classroom-based and blended delivery");
                }
                None
            }
        });
        let venue = match r.cell("YOUR_VENUE_REFERENCE") {
            Cell::Value(v) => r.check(
                "YOUR_VENUE_REFERENCE",
                v,
                LocalId::parse(v).ok_or_else(|| format!("is not {}", LocalId::EXPECTED)),
            ),
            cell => {
                if delivery.is_some_and(DeliveryMode::needs_venue) {
                    let reason = match cell {
                        Cell::Absent => {
                            "the file has no YOUR_VENUE_REFERENCE column, which classroom-based and blended delivery need"
                        }
                        _ => "is required for classroom-based and blended delivery",
                    };
                    r.fail("YOUR_VENUE_REFERENCE", None, reason);
                }
                None
            }
        };
        let start = match r.cell("START_DATE") {
            Cell::Value(v) => r.check("START_DATE", v, values::uk_date(v)),
            _ => None,
        };
        let duration_weeks = self.duration(r);
        let places = r.required("PLACES").and_then(|v| r.check("PLACES", v, values::places(v)));
        let age_group = match r.cell("AGE_GROUP") {
            Cell::Value(v) => r.check(
                "AGE_GROUP",
                v,
                values::age_group(v).ok_or_else(|| "is not an age group (14-16, 16-18 or 19+)".to_owned()),
            ),
            _ => r.or_default("AGE_GROUP", opts.default_age_group.as_ref(), "default age group"),
        };
        let academic_year = self.academic_year(r, start);
        if !r.problems.is_empty() {
            return;
        }
        let (
            Some(title),
            Some(offer_id),
            Some(subject),
            Some(level),
            Some(mode),
            Some(places),
            Some(age_group),
            Some(academic_year),
        ) = (title, offer_id, subject, level, mode, places, age_group, academic_year)
        else {
            return;
        };
        let synthetic = if venue.is_none() { Synthetic::for_mode(mode) } else { None };
        // Classroom and blended rows without a venue were rejected above.
        let Some(venue_id) = venue.or_else(|| synthetic.and_then(Synthetic::id)) else { return };
        let venue_name = match r.cell("VENUE_NAME") {
            Cell::Value(v) => Some(v),
            _ => None,
        };
        let offer = OfferSpec {
            offer_id,
            venue_id: venue_id.clone(),
            title,
            subject,
            level,
            age_group,
            mode,
            places,
            status: OfferStatus::Confirmed,
            start_date: start.and_then(values::contract_date),
            duration_weeks,
            lars_aim: None,
            public: self.public(r, &mut plan.report),
        };
        match plan.add_offer(r.line, self.ukprn.clone(), academic_year, offer) {
            Ok(()) => match synthetic {
                Some(kind) => _ = plan.use_synthetic(r.line, self.ukprn, kind, opts),
                None => plan.refer_to_venue(r.line, self.ukprn, &venue_id, venue_name),
            },
            Err(problems) => r.problems.extend(problems),
        }
    }

    /// The public details; a value breaking the contract's forms is left out with a warning.
    fn public(&self, r: &Row<'_, '_>, report: &mut ImportReport) -> OfferPublic {
        let value = |column: &'static str| match r.cell(column) {
            Cell::Value(v) => Some((column, v)),
            _ => None,
        };
        let published = Published {
            learn: value("WHAT_YOU_WILL_LEARN"),
            url: value("COURSE_WEBPAGE"),
            cost: value("COST"),
            cost_description: value("COST_DESCRIPTION").map(|(_, v)| v),
            attendance: value("ATTENDANCE_PATTERN").map(|(_, v)| attendance_words(v)),
        };
        offer_public(&published, |warning| report.warn(Some(r.line), warning))
    }

    /// The offer id, claimed for this row so a second row with it is rejected.
    fn reference(&self, r: &mut Row<'_, '_>, plan: &mut Plan) -> Option<LocalId> {
        let v = r.required("YOUR_REFERENCE")?;
        let id =
            r.check("YOUR_REFERENCE", v, LocalId::parse(v).ok_or_else(|| format!("is not {}", LocalId::EXPECTED)))?;
        match plan.claim_offer(self.ukprn, &id, r.line) {
            Ok(()) => Some(id),
            Err(first) => {
                r.fail("YOUR_REFERENCE", Some(v), format!("the reference is already used on line {first}"));
                None
            }
        }
    }

    /// `DURATION` with `DURATION_UNIT`: both or neither.
    fn duration(&self, r: &mut Row<'_, '_>) -> Option<u32> {
        match (r.cell("DURATION"), r.cell("DURATION_UNIT")) {
            (Cell::Value(n), Cell::Value(unit)) => {
                let amount = r.check(
                    "DURATION",
                    n,
                    n.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| "is not a whole number above 0".to_owned()),
                )?;
                r.check("DURATION_UNIT", unit, values::duration_weeks(amount, unit)).flatten()
            }
            (Cell::Value(n), _) => {
                r.fail("DURATION_UNIT", None, format!("is needed with DURATION {n}"));
                None
            }
            (_, Cell::Value(unit)) => {
                r.fail("DURATION", None, format!("is needed with DURATION_UNIT {unit}"));
                None
            }
            _ => None,
        }
    }

    /// `ACADEMIC_YEAR`, else the option, else the year `START_DATE` falls in.
    fn academic_year(&self, r: &mut Row<'_, '_>, start: Option<time::Date>) -> Option<AcademicYear> {
        if let Cell::Value(v) = r.cell("ACADEMIC_YEAR") {
            return r.check(
                "ACADEMIC_YEAR",
                v,
                values::academic_year(v).ok_or_else(|| "is not an academic year such as 2024/25".to_owned()),
            );
        }
        if let Some(y) = &self.opts.academic_year {
            return Some(y.clone());
        }
        if let Some(d) = start {
            return values::academic_year_of(d.year(), d.month());
        }
        // A START_DATE that is not a date was reported already.
        if !r.failed("START_DATE") {
            r.fail(
                "ACADEMIC_YEAR",
                None,
                "no ACADEMIC_YEAR, no academic year option, and no START_DATE to derive it from",
            );
        }
        None
    }
}
