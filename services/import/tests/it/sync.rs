//! Keeping in sync term after term: re-imports give the same ids, edits change only what
//! changed, and `diff_offers` counts what an import does to the live offers.

use super::*;
use provisio_import::{LiveOffer, OfferDiff, diff_offers};
use std::collections::BTreeMap;

fn good_csv() -> String {
    std::fs::read_to_string(fixture("courses-good.csv")).unwrap_or_else(|e| panic!("{e}"))
}

/// The good file with HSC's places changed, the motor vehicle row dropped and, when asked, a
/// second ESOL offer added.
fn edited_csv(add: bool) -> String {
    let mut lines: Vec<String> = good_csv()
        .lines()
        .filter(|l| !l.contains("MV-L2-WB-24"))
        .map(|l| l.replace(",Evening,16,19+,", ",Evening,18,19+,"))
        .collect();
    if add {
        let esol = lines.iter().find(|l| l.contains("ESOL-E-PT-25")).cloned().unwrap_or_default();
        lines.push(esol.replace("ESOL-E-PT-25", "ESOL-E-PT-25B"));
    }
    lines.join("\n")
}

fn serialised(out: &ImportOutcome) -> Vec<String> {
    out.events.iter().map(|e| e.to_json().to_string()).collect()
}

/// Event ids by what each event is about: a venue, a year's curriculum, or one offer.
fn ids_by_subject(out: &ImportOutcome) -> BTreeMap<String, String> {
    out.events
        .iter()
        .map(|e| {
            let about = match &e.payload {
                Payload::VenueRegistered(v) => format!("venue {}", v.venue_id),
                Payload::CurriculumPublished(c) => format!("curriculum {}", c.academic_year),
                Payload::ProvisionOffered(p) => format!("offer {}", p.offer.offer_id),
                Payload::ProvisionWithdrawn(w) => format!("withdrawn {}", w.offer_id),
                other => format!("{:?}", other.event_type()),
            };
            (about, e.id.to_string())
        })
        .collect()
}

#[test]
fn importing_the_same_file_twice_gives_byte_identical_events() {
    for (path, opts) in [
        (fixture("courses-good.csv"), csv_options()),
        (real_xcri("generic-postgraduate.xml"), {
            let mut o = options();
            o.default_age_group = Some(provisio_events::vocab::AgeGroup::Age19Plus);
            o.default_area = Some(vocab("E06000014"));
            o
        }),
    ] {
        let first = import_file(&path, &opts);
        let second = import_file(&path, &opts);
        assert!(!first.events.is_empty());
        assert_eq!(serialised(&first), serialised(&second), "{}", path.display());
        assert!(first.events.iter().all(|e| e.id.as_str().starts_with("imp-") && e.id.as_str().len() == 36));
    }
}

#[test]
fn the_time_of_an_import_never_changes_its_ids() {
    let mut later = csv_options();
    later.time = vocab("2025-01-15T14:30:00+00:00");
    let a = import_file(&fixture("courses-good.csv"), &csv_options());
    let b = import_file(&fixture("courses-good.csv"), &later);
    assert_eq!(ids_by_subject(&a), ids_by_subject(&b));
    assert_ne!(serialised(&a), serialised(&b));
}

#[test]
fn an_edited_partial_import_changes_only_the_ids_of_what_changed() {
    let mut o = csv_options();
    o.partial = true;
    let before = ids_by_subject(&import_bytes(good_csv().as_bytes(), &o));
    let after = ids_by_subject(&import_bytes(edited_csv(false).as_bytes(), &o));
    let changed: Vec<&String> = before.keys().filter(|k| before.get(*k) != after.get(*k)).collect();
    assert_eq!(changed, ["offer HSC-L2-PT-24", "offer MV-L2-WB-24", "venue WORKPLACE"]);
    assert!(!after.contains_key("offer MV-L2-WB-24") && !after.contains_key("venue WORKPLACE"));
    assert_eq!(after.len(), before.len() - 2);
}

#[test]
fn an_edited_curriculum_import_changes_only_the_curriculum_of_that_year() {
    let o = csv_options();
    let before = ids_by_subject(&import_bytes(good_csv().as_bytes(), &o));
    let after = ids_by_subject(&import_bytes(edited_csv(false).as_bytes(), &o));
    let changed: Vec<&String> = before.keys().filter(|k| before.get(*k) != after.get(*k)).collect();
    assert_eq!(changed, ["curriculum 2024/25", "venue WORKPLACE"]);
    assert_eq!(before.get("curriculum 2025/26"), after.get("curriculum 2025/26"));
}

fn live(out: &ImportOutcome) -> Vec<LiveOffer> {
    out.events
        .iter()
        .flat_map(|e| match &e.payload {
            Payload::CurriculumPublished(c) => {
                c.offers.iter().map(|o| LiveOffer::new(c.ukprn.clone(), c.academic_year.clone(), o)).collect()
            }
            Payload::ProvisionOffered(p) => vec![LiveOffer::new(p.ukprn.clone(), p.academic_year.clone(), &p.offer)],
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn diff_offers_counts_created_updated_withdrawn_and_unchanged() {
    let mut o = csv_options();
    let current = live(&import_bytes(good_csv().as_bytes(), &o));
    assert_eq!(current.len(), 6);
    let edited = import_bytes(edited_csv(true).as_bytes(), &o);
    assert_eq!(
        diff_offers(&current, &edited.events),
        OfferDiff {
            created: 1,
            updated: 1,
            withdrawn: 1,
            withdrawn_missing_from_file: 1,
            withdrawn_by_file: 0,
            unchanged: 4
        }
    );
    assert_eq!(
        diff_offers(&[], &edited.events),
        OfferDiff {
            created: 6,
            updated: 0,
            withdrawn: 0,
            withdrawn_missing_from_file: 0,
            withdrawn_by_file: 0,
            unchanged: 0
        }
    );

    o.partial = true;
    let edited = import_bytes(edited_csv(true).as_bytes(), &o);
    assert_eq!(
        diff_offers(&current, &edited.events),
        OfferDiff {
            created: 1,
            updated: 1,
            withdrawn: 0,
            withdrawn_missing_from_file: 0,
            withdrawn_by_file: 0,
            unchanged: 4
        }
    );
}

#[test]
fn diff_offers_counts_explicit_withdrawals_of_live_offers_only() {
    let mut o = options();
    o.postcodes = lookup(&[("SR1 3AD", "E08000024")]);
    o.partial = true;
    let out = import_file(&fixture("xcri-recstatus.xml"), &o);
    let engineering = offer(&offers(&out.events), "ENG-2024").clone();
    let mut old = engineering.clone();
    old.offer_id = vocab("ENG-2023");
    let ukprn = vocab::<provisio_events::vocab::Ukprn>("10006570");
    let current = [
        LiveOffer::new(ukprn.clone(), vocab("2023/24"), &old),
        LiveOffer::new(ukprn.clone(), vocab("2024/25"), &engineering),
    ];
    assert_eq!(
        diff_offers(&current, &out.events),
        OfferDiff {
            created: 0,
            updated: 0,
            withdrawn: 1,
            withdrawn_missing_from_file: 0,
            withdrawn_by_file: 1,
            unchanged: 1
        }
    );
}
