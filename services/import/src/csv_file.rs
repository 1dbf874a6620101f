//! Course Directory CSV files: which kind of upload the header says it is, then the rows one at
//! a time, each to the course or venue reader.
//!
//! Rows are read into one reused record, so memory does not grow with the file beyond what is
//! accepted. A row's line is the physical line its first field starts on, as an editor or a
//! spreadsheet numbers it (the header is line 1): it is found from the csv reader's byte
//! position, so a quoted field spanning lines, blank lines and CRLF or CR line ends shift
//! nothing.

use crate::ImportError;
use crate::courses::{self, COURSE_COLUMNS};
use crate::decode::Decoded;
use crate::options::ImportOptions;
use crate::plan::Plan;
use crate::report::Format;
use crate::table::{Header, Row};
use crate::venue_rows::{self, VENUE_COLUMNS};
use csv::StringRecord;
use std::io::Read;

/// A course upload has columns no venue upload has, and the other way round.
fn detect(header: &Header) -> Result<Format, ImportError> {
    let courses = header.count(COURSE_COLUMNS.iter().copied().filter(|c| !VENUE_COLUMNS.contains(c)));
    let venues = header.count(VENUE_COLUMNS.iter().copied().filter(|c| !COURSE_COLUMNS.contains(c)));
    match (courses, venues) {
        (0, 0) => Err(ImportError::UnrecognisedHeader(header.names())),
        (c, v) if c >= v => Ok(Format::CsvCourses),
        _ => Ok(Format::CsvVenues),
    }
}

fn csv_error(e: csv::Error) -> ImportError {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => ImportError::Io(io),
        other => ImportError::Csv { line, message: format!("{other:?}") },
    }
}

/// Reads the next record that is not blank; `None` at the end of the file. Answers the line
/// the record starts on.
fn next_record<R: Read>(
    reader: &mut csv::Reader<Decoded<R>>,
    record: &mut StringRecord,
) -> Result<Option<u64>, ImportError> {
    loop {
        if !reader.read_record(record).map_err(csv_error)? {
            return Ok(None);
        }
        if record.iter().any(|f| !f.trim().is_empty()) {
            let start = record.position().map_or(0, csv::Position::byte);
            return Ok(Some(reader.get_mut().line_of_content_from(start)));
        }
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
    let header_line = next_record(&mut reader, &mut record)?.ok_or(ImportError::EmptyFile)?;
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
    if format == Format::CsvCourses {
        courses::check_header(&header, header_line, &mut plan.report);
    }
    let mut courses = courses::Courses::new(&ukprn, opts);
    let mut venues = venue_rows::Venues::new(&ukprn, opts);
    while let Some(line) = next_record(&mut reader, &mut record)? {
        let mut row = Row::new(&header, &record, line);
        match format {
            Format::CsvVenues => venues.row(&mut row, &mut plan),
            _ => courses.row(&mut row, &mut plan),
        }
        plan.report.reject_row(row.problems);
        plan.report.rows_read += 1;
        progress(plan.report.rows_read);
    }
    reader.get_ref().describe(&mut plan.report);
    Ok(plan)
}
