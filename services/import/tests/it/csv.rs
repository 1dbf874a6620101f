//! Course Directory CSV uploads: a good file, one broken file per kind of mistake, a venue
//! file, Windows-1252, and a 20,000-row file read as a stream.

use super::*;
use provisio_events::vocab::{AgeGroup, Funding, Level, Mode};
use provisio_import::{Format, ImportError, TextEncoding};
use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

#[test]
fn a_good_course_file_becomes_one_curriculum_per_academic_year() {
    let out = import_file(&fixture("courses-good.csv"), &csv_options());
    let r = &out.report;
    assert_eq!((r.format, r.rows_read, r.offers, r.rows_rejected, r.venues), (Format::CsvCourses, 6, 6, 0, 2));
    assert_eq!(r.unknown_columns, ["NOTES"]);
    assert!(r.missing_columns.is_empty());
    assert_eq!(
        types(&out.events),
        [
            "lp.venue.registered.v1",
            "lp.venue.registered.v1",
            "lp.curriculum.published.v1",
            "lp.curriculum.published.v1"
        ]
    );
    let offers = offers(&out.events);
    let years: Vec<(&str, &str)> = offers.iter().map(|(y, o)| (y.as_str(), o.offer_id.as_str())).collect();
    assert_eq!(
        years,
        [
            ("2024/25", "ENG-L3-FT-24"),
            ("2024/25", "HSC-L2-PT-24"),
            ("2024/25", "ACC-L3-ONL-24"),
            ("2024/25", "MV-L2-WB-24"),
            ("2025/26", "ART-E-BL-25"),
            ("2025/26", "ESOL-E-PT-25"),
        ]
    );
    let eng = offer(&offers, "ENG-L3-FT-24");
    assert_eq!(
        (eng.subject.as_str(), eng.level, eng.mode, eng.places, eng.venue_id.as_str()),
        ("4.1", Level::L3, Mode::FullTime, 24, "CITY")
    );
    assert_eq!(
        (eng.start_date.as_ref().map(|d| d.as_str()), eng.duration_weeks, eng.age_group),
        (Some("2024-09-09"), Some(36), AgeGroup::Age16To18)
    );
    let hsc = offer(&offers, "HSC-L2-PT-24");
    assert_eq!(
        (hsc.subject.as_str(), hsc.level, hsc.mode, hsc.duration_weeks),
        ("1.3", Level::L2, Mode::PartTime, Some(39))
    );
    let acc = offer(&offers, "ACC-L3-ONL-24");
    assert_eq!(
        (acc.mode, acc.venue_id.as_str(), acc.duration_weeks, acc.start_date.is_none()),
        (Mode::Distance, "ONLINE", None, true)
    );
    let mv = offer(&offers, "MV-L2-WB-24");
    assert_eq!(
        (mv.subject.as_str(), mv.mode, mv.venue_id.as_str(), mv.duration_weeks),
        ("4.3", Mode::WorkBased, "WORKPLACE", Some(52))
    );
    let art = offer(&offers, "ART-E-BL-25");
    assert_eq!((art.level, art.mode, art.venue_id.as_str()), (Level::Entry, Mode::PartTime, "HYLTON"));
    let venues: Vec<_> = out
        .events
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::VenueRegistered(v) => Some((v.venue_id.as_str(), v.postcode.as_str(), v.area.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(venues, [("ONLINE", "ZZ99 9ZZ", "E08000024"), ("WORKPLACE", "ZZ99 9ZZ", "E08000024")]);
}

/// Imports a broken fixture and checks its rejections exactly, as (line, column as the file
/// names it, a fragment of the reason), and that no event mentions the `absent` ids.
fn check(name: &str, expected: &[(u64, &str, &str)], offers_accepted: usize, absent: &[&str]) {
    let out = import_file(&fixture(name), &csv_options());
    let got: Vec<(u64, &str, &str)> =
        out.report.rejected.iter().map(|r| (r.line, r.column.as_deref().unwrap_or(""), r.reason.as_str())).collect();
    assert_eq!(got.len(), expected.len(), "{name}: {got:?}");
    for ((line, column, reason), (e_line, e_column, e_reason)) in got.iter().zip(expected) {
        assert_eq!((line, column), (e_line, e_column), "{name}: {got:?}");
        assert!(reason.contains(e_reason), "{name}: {reason:?} does not say {e_reason:?}");
    }
    assert_eq!(out.report.offers, offers_accepted, "{name}");
    let mentioned = mentioned_ids(&out.events);
    for id in absent {
        assert!(!mentioned.iter().any(|m| m == id), "{name}: {id} reached the events");
    }
}

#[test]
fn every_broken_course_file_names_the_line_the_column_and_the_reason() {
    check(
        "courses-missing-column.csv",
        &[(2, "PLACES", "the file has no PLACES column"), (5, "PLACES", "the file has no PLACES column")],
        0,
        &["ENG-L3-FT-24", "HSC-L2-PT-24"],
    );
    check(
        "courses-bad-sector.csv",
        &[(5, "SECTOR", "not a Sector Subject Area tier 2 code or official name")],
        1,
        &["HSC-L2-PT-24"],
    );
    check("courses-bad-date.csv", &[(5, "START_DATE", "not a date in dd/MM/yyyy form")], 1, &["HSC-L2-PT-24"]);
    check("courses-duplicate-reference.csv", &[(4, "YOUR_REFERENCE", "already used on line 2")], 2, &["HYLTON"]);
    check("courses-zero-places.csv", &[(3, "PLACES", "0 places")], 1, &["ACC-L3-ONL-24", "ONLINE"]);
}

/// `courses-broken-lines.csv` has CRLF line ends, a quoted field over lines 3 to 5, a blank
/// line 6, an `AREA` column and a byte that is not UTF-8 on line 8: each line below is the
/// one a spreadsheet or an editor shows (the header is line 1).
#[test]
fn a_broken_file_names_the_lines_an_editor_shows() {
    let out = import_file(&fixture("courses-broken-lines.csv"), &csv_options());
    let r = &out.report;
    let rejected: Vec<(u64, &str)> = r.rejected.iter().map(|r| (r.line, r.column.as_deref().unwrap_or(""))).collect();
    assert_eq!(rejected, [(3, "SECTOR"), (7, "START_DATE"), (9, "YOUR_REFERENCE"), (10, "PLACES")]);
    assert!(r.rejected[2].reason.contains("already used on line 2"), "{:?}", r.rejected[2]);
    assert_eq!((r.rows_read, r.rows_rejected, r.offers), (6, 4, 2));
    let warnings: Vec<(Option<u64>, &str)> = r.warnings.iter().map(|w| (w.line, w.message.as_str())).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(warnings[0].0, Some(1));
    assert!(warnings[0].1.contains("AREA column is ignored") && warnings[0].1.contains("venues file"));
    assert_eq!(warnings[1].0, Some(8));
    assert!(warnings[1].1.contains("not valid UTF-8"));
    assert_eq!(offer(&offers(&out.events), "CAFE-1").title, "Caf\u{FFFD} Skills");
    let referenced: Vec<(&str, u64, usize)> =
        r.referenced_venues.iter().map(|v| (v.venue_id.as_str(), v.line, v.offers)).collect();
    assert_eq!(referenced, [("CITY", 2, 1), ("HYLTON", 8, 1)]);
}

/// The same rows read through LF, CRLF and CR line ends, with blank lines in between, keep
/// their lines.
#[test]
fn line_ends_and_blank_lines_do_not_shift_the_lines() {
    let rows = [
        "COURSE_NAME,YOUR_REFERENCE,SECTOR,EDUCATION_LEVEL,DELIVERY_MODE,STUDY_MODE,PLACES,AGE_GROUP,ACADEMIC_YEAR",
        "",
        "Bookkeeping,ACC-1,15.1,3,Online,,0,19+,2024/25",
        "",
        "",
        "Bookkeeping,ACC-2,15.1,3,Online,,x,19+,2024/25",
    ];
    for end in ["\n", "\r\n", "\r"] {
        let out = import_bytes((rows.join(end) + end).as_bytes(), &csv_options());
        let lines: Vec<u64> = out.report.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 6], "line end {end:?}");
    }
}

#[test]
fn a_missing_column_is_listed_in_the_report() {
    let out = import_file(&fixture("courses-missing-column.csv"), &csv_options());
    assert_eq!(out.report.missing_columns, ["PLACES"]);
    assert!(out.events.is_empty());
}

#[test]
fn a_windows_1252_file_is_detected_and_its_pound_signs_survive() {
    let out = import_file(&fixture("courses-windows-1252.csv"), &csv_options());
    assert_eq!((out.report.encoding, out.report.offers), (TextEncoding::Windows1252, 1));
    assert_eq!(offer(&offers(&out.events), "BUDGET-24").title, "Budgeting on £50 a Week");
}

#[test]
fn a_venue_file_registers_venues_and_rejects_those_without_an_area() {
    let mut o = csv_options();
    o.default_area = None;
    o.postcodes = lookup(&[("SR5 4BQ", "E08000024")]);
    let out = import_file(&fixture("venues.csv"), &o);
    let r = &out.report;
    assert_eq!((r.format, r.rows_read, r.venues, r.offers), (Format::CsvVenues, 5, 2, 0));
    let venues: Vec<_> = out
        .events
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::VenueRegistered(v) => {
                Some((v.venue_id.as_str(), v.name.as_str(), v.postcode.as_str(), v.area.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        venues,
        [("CITY", "City Campus", "SR1 3AD", "E08000024"), ("HYLTON", "Hylton Campus", "SR5 4BQ", "E08000024")]
    );
    let rejected: Vec<(u64, &str)> = r.rejected.iter().map(|r| (r.line, r.column.as_deref().unwrap_or(""))).collect();
    assert_eq!(rejected, [(4, "AREA"), (5, "YOUR_VENUE_REFERENCE"), (6, "AREA")]);
    assert!(r.rejected[0].reason.contains("postcode DH4 4TL is not in the postcode lookup"));
    assert!(r.rejected[1].reason.contains("already used on line 2"));
    assert_eq!(r.rejected[2].value.as_deref(), Some("E10000024"));
}

#[test]
fn a_csv_import_needs_a_ukprn_and_a_recognisable_header() {
    let mut o = csv_options();
    let fail = |csv: &str, o: &ImportOptions| import(csv.as_bytes(), o, |_| {}).err();
    assert!(matches!(fail("NAME,DESCRIPTION\nA,b\n", &o), Some(ImportError::UnrecognisedHeader(_))));
    assert!(matches!(fail("\n\n", &o), Some(ImportError::EmptyFile)));
    o.ukprn = None;
    assert!(matches!(fail("COURSE_NAME,YOUR_REFERENCE\nA,b\n", &o), Some(ImportError::UkprnRequired)));
}

/// A reader that counts the bytes handed out, shared with the test.
struct Counting<R> {
    inner: R,
    read: Rc<Cell<usize>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n);
        Ok(n)
    }
}

#[test]
fn a_twenty_thousand_row_file_is_read_as_a_stream_with_progress() {
    let mut csv = String::from(
        "COURSE_NAME,YOUR_REFERENCE,SECTOR,EDUCATION_LEVEL,DELIVERY_MODE,STUDY_MODE,YOUR_VENUE_REFERENCE,START_DATE,PLACES,AGE_GROUP\n",
    );
    for i in 0..20_000 {
        csv.push_str(&format!(
            "Course number {i},REF-{i:05},{},{},ClassroomBased,PartTime,CITY,01/09/2024,{},19+\n",
            ["4.1", "6.1", "15.3"][i % 3],
            i % 8 + 1,
            i % 30 + 1
        ));
    }
    let total = csv.len();
    let read = Rc::new(Cell::new(0));
    let input = Counting { inner: csv.as_bytes(), read: read.clone() };
    let (mut calls, mut last, mut read_at_first_thousand) = (0u64, 0u64, 0usize);
    let out = import(input, &csv_options(), |rows| {
        calls += 1;
        assert_eq!(rows, last + 1);
        last = rows;
        if rows == 1_000 {
            read_at_first_thousand = read.get();
        }
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((out.report.rows_read, out.report.offers, out.report.rows_rejected), (20_000, 20_000, 0));
    assert_eq!((calls, last), (20_000, 20_000));
    assert!(read_at_first_thousand < total / 10, "{read_at_first_thousand} of {total} bytes read after 1,000 rows");
    assert_eq!(types(&out.events), ["lp.curriculum.published.v1"]);
    assert!(provisio_events::validate(&out.events[0].to_json()).is_ok());
}

#[test]
fn the_public_fields_arrive_and_values_breaking_the_contract_are_left_out_with_a_warning() {
    let out = import_file(&fixture("courses-public.csv"), &csv_options());
    let r = &out.report;
    assert_eq!((r.rows_read, r.offers, r.rows_rejected), (2, 2, 0), "a bad public value rejects no row");
    let offers = offers(&out.events);
    let eng = &offer(&offers, "ENG-L3-FT-24").public;
    assert_eq!(
        eng.description.as_deref(),
        Some(
            "Workshop practice,\nelectrical principles\nand maths for engineers.\n\n\
             Cost: Free for 16 to 18 year olds; bring safety boots\n\nWhen: daytime"
        )
    );
    assert_eq!(eng.url.as_deref(), Some("https://www.sunderlandcollege.ac.uk/courses/engineering-level-3"));
    assert_eq!((eng.fee, eng.funding), (Some(0.0), Some(Funding::Free)));
    let hsc = &offer(&offers, "HSC-L2-PT-24").public;
    assert_eq!((hsc.description.as_deref(), hsc.url.as_deref()), (None, None), "too long, and not https");
    assert_eq!((hsc.fee, hsc.funding), (Some(325.0), Some(Funding::Loan)));
    let warnings: Vec<(Option<u64>, &str)> = r.warnings.iter().map(|w| (w.line, w.message.as_str())).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings.iter().all(|(line, _)| *line == Some(5)), "{warnings:?}");
    assert!(warnings[0].1.contains("over the 4000 allowed"), "{warnings:?}");
    assert!(warnings[1].1.contains("COURSE_WEBPAGE") && warnings[1].1.contains("https://"), "{warnings:?}");
}
