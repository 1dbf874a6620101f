//! CSV files: the header, which kind of upload it is, and reading rows one at a time.
//!
//! Rows are read into one reused record, so memory does not grow with the file beyond what
//! is accepted. Line numbers are the csv reader's: the line where a row starts, so a quoted
//! field spanning lines does not shift the rows after it.

use crate::decode::Decoded;
use crate::options::ImportOptions;
use crate::plan::Plan;
use crate::report::{Format, Rejection};
use crate::{ImportError, courses, venue_rows};
use csv::StringRecord;
use std::collections::HashMap;
use std::io::Read;

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

/// Columns of a Course Directory venue upload, plus Provisio's `AREA`.
pub const VENUE_COLUMNS: &[&str] = &[
    "YOUR_VENUE_REFERENCE",
    "VENUE_NAME",
    "ADDRESS_LINE_1",
    "ADDRESS_LINE_2",
    "TOWN_OR_CITY",
    "COUNTY",
    "POSTCODE",
    "EMAIL",
    "PHONE",
    "WEBSITE",
    "AREA",
];

/// A file's header: its names as given, and where each known column is.
#[derive(Debug)]
pub(crate) struct Header {
    given: Vec<String>,
    index: HashMap<String, usize>,
}

/// One cell of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cell<'r> {
    /// The file has no such column.
    Absent,
    Empty,
    /// The value, trimmed.
    Value(&'r str),
}

/// Header names compare without case, surrounding spaces, or the difference between a
/// space and an underscore.
fn canonical(name: &str) -> String {
    name.trim().to_ascii_uppercase().replace(' ', "_")
}

impl Header {
    fn new(record: &StringRecord) -> Self {
        let given: Vec<String> = record.iter().map(|h| h.trim().to_owned()).collect();
        let mut index = HashMap::new();
        for (i, name) in given.iter().enumerate() {
            index.entry(canonical(name)).or_insert(i);
        }
        Self { given, index }
    }

    pub(crate) fn has(&self, column: &str) -> bool {
        self.index.contains_key(column)
    }

    /// The column's name as the file gives it, or its own name when the file lacks it.
    pub(crate) fn label(&self, column: &str) -> String {
        self.index.get(column).and_then(|&i| self.given.get(i)).cloned().unwrap_or_else(|| column.to_owned())
    }

    pub(crate) fn cell<'r>(&self, record: &'r StringRecord, column: &str) -> Cell<'r> {
        match self.index.get(column) {
            None => Cell::Absent,
            Some(&i) => match record.get(i).map(str::trim) {
                None | Some("") => Cell::Empty,
                Some(v) => Cell::Value(v),
            },
        }
    }

    fn unknown(&self, known: &[&str]) -> Vec<String> {
        self.given.iter().filter(|g| !g.is_empty() && !known.contains(&canonical(g).as_str())).cloned().collect()
    }

    fn count(&self, columns: impl Iterator<Item = &'static str>) -> usize {
        columns.filter(|c| self.has(c)).count()
    }
}

/// A course upload has columns no venue upload has, and the other way round.
fn detect(header: &Header) -> Result<Format, ImportError> {
    let courses = header.count(COURSE_COLUMNS.iter().copied().filter(|c| !VENUE_COLUMNS.contains(c)));
    let venues = header.count(VENUE_COLUMNS.iter().copied().filter(|c| !COURSE_COLUMNS.contains(c)));
    match (courses, venues) {
        (0, 0) => Err(ImportError::UnrecognisedHeader(header.given.join(","))),
        (c, v) if c >= v => Ok(Format::CsvCourses),
        _ => Ok(Format::CsvVenues),
    }
}

/// One row being checked, collecting every problem rather than stopping at the first.
pub(crate) struct Row<'h, 'r> {
    header: &'h Header,
    record: &'r StringRecord,
    pub(crate) line: u64,
    pub(crate) problems: Vec<Rejection>,
}

impl<'h, 'r> Row<'h, 'r> {
    pub(crate) fn cell(&self, column: &str) -> Cell<'r> {
        self.header.cell(self.record, column)
    }

    pub(crate) fn fail(&mut self, column: &str, value: Option<&str>, reason: impl Into<String>) {
        let label = self.header.label(column);
        self.problems.push(Rejection::new(self.line, Some(&label), value, reason));
    }

    /// The value of a column every row needs.
    pub(crate) fn required(&mut self, column: &str) -> Option<&'r str> {
        match self.cell(column) {
            Cell::Value(v) => Some(v),
            Cell::Empty => {
                self.fail(column, None, "is empty");
                None
            }
            Cell::Absent => {
                self.fail(column, None, format!("the file has no {column} column"));
                None
            }
        }
    }

    /// A value, or a default when the cell is empty or the column absent; the reason names
    /// what was missing.
    pub(crate) fn or_default<T: Clone>(&mut self, column: &str, default: Option<&T>, option: &str) -> Option<T> {
        if let Some(d) = default {
            return Some(d.clone());
        }
        let reason = match self.cell(column) {
            Cell::Absent => format!("the file has no {column} column and no {option} was given"),
            _ => format!("is empty and no {option} was given"),
        };
        self.fail(column, None, reason);
        None
    }

    /// Whether a problem was recorded for this column already.
    pub(crate) fn failed(&self, column: &str) -> bool {
        let label = self.header.label(column);
        self.problems.iter().any(|p| p.column.as_deref() == Some(label.as_str()))
    }

    /// Keeps a parsed value, or records why the value was refused.
    pub(crate) fn check<T>(&mut self, column: &str, value: &str, parsed: Result<T, String>) -> Option<T> {
        parsed.map_err(|reason| self.fail(column, Some(value), reason)).ok()
    }
}

fn csv_error(e: csv::Error) -> ImportError {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => ImportError::Io(io),
        other => ImportError::Csv { line, message: format!("{other:?}") },
    }
}

/// Reads a Course Directory CSV (course or venue upload) into a plan.
pub(crate) fn import<R: Read>(
    input: Decoded<R>,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Plan, ImportError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut record = StringRecord::new();
    loop {
        if !reader.read_record(&mut record).map_err(csv_error)? {
            return Err(ImportError::EmptyFile);
        }
        if record.iter().any(|f| !f.trim().is_empty()) {
            break;
        }
    }
    let header = Header::new(&record);
    let format = detect(&header)?;
    let ukprn = opts.ukprn.clone().ok_or(ImportError::UkprnRequired)?;
    let mut plan = Plan::new(format, opts.partial, opts.time.clone());
    let (known, required) = match format {
        Format::CsvVenues => (VENUE_COLUMNS, venue_rows::required_columns(opts)),
        _ => (COURSE_COLUMNS, courses::required_columns(opts, &header)),
    };
    plan.report.unknown_columns = header.unknown(known);
    plan.report.missing_columns = required.into_iter().filter(|c| !header.has(c)).map(str::to_owned).collect();
    let mut courses = courses::Courses::new(&ukprn, opts);
    let mut venues = venue_rows::Venues::new(&ukprn, opts);
    while reader.read_record(&mut record).map_err(csv_error)? {
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line());
        let mut row = Row { header: &header, record: &record, line, problems: Vec::new() };
        match format {
            Format::CsvVenues => venues.row(&mut row, &mut plan),
            _ => courses.row(&mut row, &mut plan),
        }
        plan.report.reject_row(row.problems);
        plan.report.rows_read += 1;
        progress(plan.report.rows_read);
    }
    let decoded = reader.get_ref();
    plan.report.encoding = decoded.encoding();
    plan.report.bom = decoded.had_bom();
    if decoded.had_replacements() {
        plan.report.warn(None, "some bytes were not valid UTF-8 and were replaced by \u{FFFD}");
    }
    Ok(plan)
}
