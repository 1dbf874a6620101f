//! The three real XCRI-CAP 1.2 feeds of `tests/fixtures/xcri`, and a small one of our own.

use super::*;
use provisio_events::vocab::{AgeGroup, Funding, Level, Mode};
use provisio_import::{ImportError, Mapping, TextEncoding};
use std::num::NonZeroU32;

fn rejections(outcome: &ImportOutcome) -> Vec<(u64, String, String)> {
    let r = &outcome.report.rejected;
    r.iter().map(|r| (r.line, r.column.clone().unwrap_or_default(), r.reason.clone())).collect()
}

/// Fills what continuing-education feeds leave out: they carry no level, age or study mode.
fn adult_part_time(mut o: ImportOptions) -> ImportOptions {
    o.default_level = Some(Level::L3);
    o.default_age_group = Some(AgeGroup::Age19Plus);
    o.default_mode = Some(Mode::PartTime);
    o
}

#[test]
fn the_oxford_feed_gives_its_ukprn_places_and_venues_and_reports_presentations_without_places() {
    let mut o = adult_part_time(options());
    o.postcodes = lookup(&[("OX1 2JA", "E07000178"), ("SL6 5BQ", "E06000040"), ("RG1 6AF", "E06000038")]);
    let out = import_file(&real_xcri("oxford-conted.xml"), &o);
    let r = &out.report;
    assert_eq!((r.rows_read, r.offers, r.rows_rejected), (8, 5, 3));
    assert_eq!(
        rejections(&out).iter().map(|(line, col, _)| (*line, col.as_str())).collect::<Vec<_>>(),
        [(15, "mlo:places"), (39, "mlo:places"), (63, "mlo:places")]
    );
    assert!(r.rejected[2].reason.contains("is 0") && r.rejected[2].value.as_deref() == Some("0"));
    assert!(r.rejected[0].reason.contains("missing or empty"));

    assert!(out.events.iter().all(|e| e.source.owner() == "10007774"));
    let offers = offers(&out.events);
    let places: Vec<(&str, u32)> = offers.iter().map(|(_, o)| (o.offer_id.as_str(), o.places)).collect();
    assert_eq!(
        places,
        [("E12P561AHW", 25), ("E12P562AHW", 25), ("E12P564PHW", 25), ("O02I99948R", 100), ("O12C059D2Y", 19)]
    );
    let greek = offer(&offers, "E12P561AHW");
    assert_eq!((greek.subject.as_str(), greek.start_date.as_ref().map(|d| d.as_str())), ("12.2", Some("2013-01-09")));
    assert_eq!(greek.venue_id.as_str(), "www.conted.ox.ac.uk-maidenhead-SL65BQ");
    assert_eq!(offer(&offers, "O02I99948R").subject.as_str(), "15.5");
    let online = offer(&offers, "O12C059D2Y");
    assert_eq!(
        (online.mode, online.venue_id.as_str(), online.title.as_str()),
        (Mode::Distance, "ONLINE", "Field Techniques for Surveying Mammals & Reptiles")
    );
    assert!(offers.iter().all(|(year, _)| year == "2012/13"));

    let venues: Vec<_> = out
        .events
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::VenueRegistered(v) => Some((v.postcode.as_str(), v.area.as_str(), v.lat, v.lon)),
            _ => None,
        })
        .collect();
    assert_eq!(
        venues,
        [("SL6 5BQ", "E06000040", None, None), ("OX1 2JA", "E07000178", Some(51.75719), Some(-1.26219))]
    );
    let without: Vec<_> =
        r.venues_without_area.iter().map(|v| (v.venue_id.as_str(), v.postcode.as_deref(), v.offers)).collect();
    assert_eq!(
        without,
        [("www.conted.ox.ac.uk-newbury-RG147TD", Some("RG14 7TD"), 1), ("ONLINE", Some("ZZ99 9ZZ"), 1)]
    );
    assert_eq!(types(&out.events), ["lp.venue.registered.v1", "lp.venue.registered.v1", "lp.curriculum.published.v1"]);
}

#[test]
fn default_places_fill_the_oxford_presentations_that_give_none() {
    let mut o = adult_part_time(options());
    o.default_area = Some(vocab("E07000178"));
    o.default_places = NonZeroU32::new(12);
    let out = import_file(&real_xcri("oxford-conted.xml"), &o);
    assert_eq!((out.report.offers, out.report.rows_rejected), (8, 0));
    let offers = offers(&out.events);
    let conservation = offer(&offers, "E12C816J9Y");
    assert_eq!((conservation.places, conservation.subject.as_str(), conservation.duration_weeks), (12, "3.4", Some(1)));
    assert_eq!(offer(&offers, "E12P102LHJ").places, 12);
    assert_eq!(out.report.venues, 5);
}

/// The Open University's feed names neither its UKPRN nor levels, ages, places or areas.
fn open_university_options() -> ImportOptions {
    let mut o = options();
    o.ukprn = Some(vocab("10007773"));
    o.default_level = Some(Level::L4);
    o.default_age_group = Some(AgeGroup::Age19Plus);
    o.default_places = NonZeroU32::new(500);
    o.default_area = Some(vocab("E06000042"));
    o
}

#[test]
fn the_open_university_feed_with_bom_and_crlf_gives_several_presentations_per_course() {
    let o = open_university_options();
    let out = import_file(&real_xcri("open-university-example.xml"), &o);
    let r = &out.report;
    assert_eq!((r.encoding, r.bom, r.rows_read, r.offers, r.rows_rejected), (TextEncoding::Utf8, true, 4, 4, 0));
    let offers = offers(&out.events);
    let summary: Vec<(&str, &str, &str, &str, &str)> = offers
        .iter()
        .map(|(year, o)| (o.offer_id.as_str(), year.as_str(), o.subject.as_str(), o.level.as_str(), o.mode.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("B01", "1899/00", "10.1", "6", "distance"),
            ("A1742011E", "2010/11", "12.1", "4", "distance"),
            ("A1742011J", "2011/12", "12.1", "4", "distance"),
            ("A1742012B", "2011/12", "12.1", "4", "distance"),
        ]
    );
    assert!(offers.iter().all(|(_, o)| o.venue_id.as_str() == "ONLINE" && o.places == 500));
    assert_eq!(types(&out.events).iter().filter(|t| **t == "lp.curriculum.published.v1").count(), 3);
}

#[test]
fn open_university_presentations_without_places_or_ukprn_are_reported_by_line() {
    let mut o = adult_part_time(options());
    o.ukprn = Some(vocab("10007773"));
    let out = import_file(&real_xcri("open-university-example.xml"), &o);
    let lines: Vec<(u64, String)> = rejections(&out).into_iter().map(|(l, c, _)| (l, c)).collect();
    assert_eq!(lines, [45, 60, 75, 114].map(|l| (l, "mlo:places".to_owned())));
    assert!(out.events.is_empty());

    o.ukprn = None;
    o.default_places = NonZeroU32::new(20);
    let out = import_file(&real_xcri("open-university-example.xml"), &o);
    assert_eq!(out.report.rows_rejected, 4);
    assert!(rejections(&out).iter().all(|(_, col, reason)| col == "provider" && reason.contains("no UKPRN")));
}

#[test]
fn the_generic_postgraduate_feed_maps_its_one_presentation_and_records_the_renamed_id() {
    let mut o = options();
    o.default_age_group = Some(AgeGroup::Age19Plus);
    o.postcodes = lookup(&[("PP99 1PP", "E06000014")]);
    let out = import_file(&real_xcri("generic-postgraduate.xml"), &o);
    let offers = offers(&out.events);
    let (year, mba) = &offers[0];
    assert_eq!(offers.len(), 1);
    assert_eq!(year, "2015/16");
    assert_eq!(mba.offer_id.as_str(), "www.poppleton.ac.uk-postgraduate-mba");
    assert_eq!((mba.subject.as_str(), mba.level, mba.mode, mba.places), ("15.3", Level::L7, Mode::PartTime, 50));
    assert_eq!((mba.start_date.as_ref().map(|d| d.as_str()), mba.duration_weeks), (Some("2015-09-01"), Some(104)));
    assert_eq!(mba.venue_id.as_str(), "Main-Campus");
    assert!(out.events.iter().all(|e| e.source.owner() == "10099999"));
    let renamed = &out.report.renamed_ids[0];
    assert_eq!(
        (renamed.line, renamed.kind, renamed.original.as_str()),
        (103, "offer", "http://www.poppleton.ac.uk/postgraduate/mba")
    );
}

#[test]
fn a_subject_the_mapping_does_not_know_is_reported_with_its_codes() {
    let mut o = options();
    o.default_age_group = Some(AgeGroup::Age19Plus);
    o.default_area = Some(vocab("E06000014"));
    o.default_level = Some(Level::L7);
    o.mapping = Mapping::default();
    let out = import_file(&real_xcri("generic-postgraduate.xml"), &o);
    let r = &out.report.rejected;
    assert_eq!((r.len(), r[0].line, r[0].column.as_deref()), (1, 103, Some("dc:subject")));
    assert!(r[0].value.as_deref().is_some_and(|v| v.contains("JACS3:N200 Management studies")), "{:?}", r[0].value);
    assert!(out.events.is_empty());
}

#[test]
fn recstatus_3_withdraws_and_prefixes_and_xhtml_do_not_confuse_the_reader() {
    let mut o = options();
    o.postcodes = lookup(&[("SR1 3AD", "E08000024")]);
    let out = import_file(&fixture("xcri-recstatus.xml"), &o);
    assert_eq!(
        types(&out.events),
        [
            "lp.venue.registered.v1",
            "lp.curriculum.published.v1",
            "lp.provision.withdrawn.v1",
            "lp.provision.withdrawn.v1",
            "lp.provision.withdrawn.v1"
        ]
    );
    let withdrawn: Vec<&str> = out
        .events
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::ProvisionWithdrawn(w) => Some(w.offer_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(withdrawn, ["ENG-2023", "PLB-2024-A", "PLB-2024-B"]);
    let offers = offers(&out.events);
    let eng = offer(&offers, "ENG-2024");
    assert_eq!(
        (eng.title.as_str(), eng.subject.as_str(), eng.level, eng.mode),
        ("Engineering", "4.1", Level::L3, Mode::FullTime)
    );
    assert_eq!((eng.age_group, eng.venue_id.as_str(), eng.duration_weeks), (AgeGroup::Age16To18, "CITY", Some(42)));
    assert_eq!(out.report.withdrawals_in_file, 3);

    let hair: Vec<(u64, &str)> =
        out.report.rejected.iter().map(|r| (r.line, r.column.as_deref().unwrap_or(""))).collect();
    assert_eq!(hair, [(44, "dc:subject"), (44, "mlo:qualification"), (44, "studyMode"), (44, "age")]);
    assert_eq!(out.report.rows_rejected, 1);
    assert!(!mentioned_ids(&out.events).contains(&"HAIR-2024".to_owned()));
}

/// `xcri-broken-lines.xml` has CRLF line ends, a description over three lines, a presentation
/// starting on the line where the one before it ends, a venue no area can be found for, and a
/// byte that is not UTF-8: each is reported at the line of its element.
#[test]
fn a_broken_feed_names_the_lines_of_its_elements() {
    let out = import_file(&fixture("xcri-broken-lines.xml"), &options());
    let r = &out.report;
    let rejected: Vec<(u64, &str)> = r.rejected.iter().map(|r| (r.line, r.column.as_deref().unwrap_or(""))).collect();
    assert_eq!(rejected, [(24, "mlo:places"), (34, "dc:subject")]);
    let venues: Vec<(&str, u64, usize)> =
        r.venues_without_area.iter().map(|v| (v.venue_id.as_str(), v.line, v.offers)).collect();
    assert_eq!(venues, [("MOOR", 16, 1)]);
    let warnings: Vec<(Option<u64>, &str)> = r.warnings.iter().map(|w| (w.line, w.message.as_str())).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(warnings[0].0, Some(16));
    assert!(warnings[0].1.contains("MOOR") && warnings[0].1.contains("in no partnership"), "{}", warnings[0].1);
    assert_eq!(warnings[1].0, Some(32));
    assert!(warnings[1].1.contains("not valid UTF-8"));
}

#[test]
fn files_that_are_not_xcri_catalogs_fail_whole() {
    let o = options();
    let fail = |xml: &str| provisio_import::import(xml.as_bytes(), &o, |_| {}).err();
    assert!(matches!(fail("<rss><channel/></rss>"), Some(ImportError::NotXcri(root)) if root == "rss"));
    assert!(matches!(fail("<catalog>\n<provider>\n</catalog>"), Some(ImportError::Xml { line: 3, .. })));
}

#[test]
fn the_public_fields_of_a_real_feed_arrive_and_http_pages_are_left_out_with_a_warning() {
    let o = open_university_options();
    let out = import_file(&real_xcri("open-university-example.xml"), &o);
    let offers = offers(&out.events);
    let a174 = &offers.iter().find(|(_, o)| o.offer_id.as_str() == "A1742011E").unwrap().1.public;
    assert_eq!(
        a174.description.as_deref(),
        Some(
            "Year of entry: 2011\n\nCost: UK fee: GBP155.00; Ireland fee: GBP340.00; Continental Europe fee: GBP385.00\n\n\
             When: Part time distance education course"
        ),
        "the presentation's dc:description, its mlo:cost and attendancePattern"
    );
    assert_eq!((a174.fee, a174.funding, a174.url.as_deref()), (Some(155.0), Some(Funding::Fee), None));
    assert_eq!(out.report.rows_rejected, 0, "a value left out rejects no presentation");
    let warnings: Vec<(Option<u64>, &str)> = out.report.warnings.iter().map(|w| (w.line, w.message.as_str())).collect();
    assert_eq!(warnings.len(), 5, "{warnings:?}");
    assert_eq!(warnings[0].0, Some(45));
    assert!(warnings[0].1.starts_with("mlo:url \"http://www3.open.ac.uk/") && warnings[0].1.contains("https://"));
    assert!(warnings[4].1.contains("names no amount of pounds"), "{warnings:?}");
}
