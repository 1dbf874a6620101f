//! Integration tests of the import core: the three real XCRI-CAP feeds of `tests/fixtures/xcri`,
//! the CSV fixtures of `tests/fixtures`, and what re-importing does to ids and counts.

mod csv;
mod sync;
mod xcri;

use provisio_events::vocab::{AreaCode, Timestamp, Ukprn, Vocab};
use provisio_events::{Event, OfferSpec, Payload};
use provisio_import::{ImportOptions, ImportOutcome, PostcodeLookup, import};
use std::path::PathBuf;

/// A real XCRI-CAP feed of `tests/fixtures/xcri` (sources and licences in its README).
pub(crate) fn real_xcri(name: &str) -> PathBuf {
    fixture("xcri").join(name)
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub(crate) fn vocab<T: Vocab>(s: &str) -> T {
    T::parse(s).unwrap_or_else(|| panic!("{s:?} is not {}", T::EXPECTED))
}

pub(crate) fn options() -> ImportOptions {
    ImportOptions::new(vocab::<Timestamp>("2024-06-01T09:00:00Z"))
}

/// Sunderland College, with Sunderland as the default area.
pub(crate) fn csv_options() -> ImportOptions {
    let mut o = options();
    o.ukprn = Some(vocab::<Ukprn>("10006570"));
    o.default_area = Some(vocab::<AreaCode>("E08000024"));
    o
}

pub(crate) fn lookup(pairs: &[(&str, &str)]) -> PostcodeLookup {
    let mut l = PostcodeLookup::default();
    for (postcode, area) in pairs {
        l.insert(postcode, vocab(area));
    }
    l
}

/// Imports a file that must import, and checks that every event validates.
pub(crate) fn import_file(path: &PathBuf, opts: &ImportOptions) -> ImportOutcome {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    import_bytes(&bytes, opts)
}

pub(crate) fn import_bytes(bytes: &[u8], opts: &ImportOptions) -> ImportOutcome {
    let outcome = import(bytes, opts, |_| {}).unwrap_or_else(|e| panic!("import failed: {e}"));
    for event in &outcome.events {
        let json = event.to_json();
        assert!(provisio_events::validate(&json).is_ok(), "invalid event {json}");
    }
    outcome
}

/// Every offer the events publish, with its academic year, in publish order.
pub(crate) fn offers(events: &[Event]) -> Vec<(String, OfferSpec)> {
    let mut out = Vec::new();
    for e in events {
        match &e.payload {
            Payload::CurriculumPublished(c) => {
                out.extend(c.offers.iter().map(|o| (c.academic_year.to_string(), o.clone())))
            }
            Payload::ProvisionOffered(p) => out.push((p.academic_year.to_string(), p.offer.clone())),
            _ => {}
        }
    }
    out
}

pub(crate) fn offer<'a>(events: &'a [(String, OfferSpec)], id: &str) -> &'a OfferSpec {
    &events.iter().find(|(_, o)| o.offer_id.as_str() == id).unwrap_or_else(|| panic!("no offer {id}")).1
}

/// The event types, in publish order.
pub(crate) fn types(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.event_type().as_str()).collect()
}

/// Every offer and venue id any event mentions.
pub(crate) fn mentioned_ids(events: &[Event]) -> Vec<String> {
    let mut ids = Vec::new();
    for e in events {
        match &e.payload {
            Payload::VenueRegistered(v) => ids.push(v.venue_id.to_string()),
            Payload::ProvisionWithdrawn(w) => ids.push(w.offer_id.to_string()),
            _ => {}
        }
    }
    for (_, o) in offers(events) {
        ids.push(o.offer_id.to_string());
        ids.push(o.venue_id.to_string());
    }
    ids
}
