//! What an import will change, given the offers the service holds live: created, updated,
//! withdrawn, unchanged. Pure: the service passes in what its engine holds.

use crate::ids::offer_fingerprint;
use provisio_events::vocab::{AcademicYear, LocalId, Ukprn};
use provisio_events::{Event, OfferSpec, Payload};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// An offer live in the service, as the import compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveOffer {
    pub ukprn: Ukprn,
    pub academic_year: AcademicYear,
    pub offer_id: LocalId,
    /// [`offer_fingerprint`] of the live offer.
    pub fingerprint: String,
}

impl LiveOffer {
    pub fn new(ukprn: Ukprn, academic_year: AcademicYear, offer: &OfferSpec) -> Self {
        let fingerprint = offer_fingerprint(&ukprn, &academic_year, offer);
        Self { ukprn, academic_year, offer_id: offer.offer_id.clone(), fingerprint }
    }
}

/// Counts of what the import's events do to the live offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OfferDiff {
    /// Offered and not live before.
    pub created: usize,
    /// Offered, live before, and different (in any field, or in its academic year).
    pub updated: usize,
    /// Live and ended by the import: `withdrawn_missing_from_file` plus `withdrawn_by_file`.
    pub withdrawn: usize,
    /// Live, and left out of a curriculum the file publishes for its year (never in a partial
    /// import).
    pub withdrawn_missing_from_file: usize,
    /// Live, and withdrawn by the file itself (XCRI `recstatus` 3).
    pub withdrawn_by_file: usize,
    /// Offered exactly as it is live.
    pub unchanged: usize,
}

/// Compares the import's `events` with the `current` live offers.
pub fn diff_offers(current: &[LiveOffer], events: &[Event]) -> OfferDiff {
    let mut planned: HashMap<(&Ukprn, &LocalId), String> = HashMap::new();
    let mut published_years: HashSet<(&Ukprn, &AcademicYear)> = HashSet::new();
    let mut withdrawals: HashSet<(&Ukprn, &LocalId)> = HashSet::new();
    for event in events {
        match &event.payload {
            Payload::CurriculumPublished(c) => {
                published_years.insert((&c.ukprn, &c.academic_year));
                for offer in &c.offers {
                    planned.insert((&c.ukprn, &offer.offer_id), offer_fingerprint(&c.ukprn, &c.academic_year, offer));
                }
            }
            Payload::ProvisionOffered(p) => {
                planned.insert((&p.ukprn, &p.offer.offer_id), offer_fingerprint(&p.ukprn, &p.academic_year, &p.offer));
            }
            Payload::ProvisionWithdrawn(w) => {
                withdrawals.insert((&w.ukprn, &w.offer_id));
            }
            _ => {}
        }
    }
    let live: HashMap<(&Ukprn, &LocalId), &LiveOffer> = current.iter().map(|o| ((&o.ukprn, &o.offer_id), o)).collect();
    let mut diff = OfferDiff::default();
    for (key, fingerprint) in &planned {
        match live.get(key) {
            None => diff.created += 1,
            Some(o) if &o.fingerprint == fingerprint => diff.unchanged += 1,
            Some(_) => diff.updated += 1,
        }
    }
    for (key, o) in live.iter().filter(|(key, _)| !planned.contains_key(key)) {
        if withdrawals.contains(key) {
            diff.withdrawn_by_file += 1;
        } else if published_years.contains(&(&o.ukprn, &o.academic_year)) {
            diff.withdrawn_missing_from_file += 1;
        }
    }
    diff.withdrawn = diff.withdrawn_missing_from_file + diff.withdrawn_by_file;
    diff
}
