//! What an import has accepted so far, whichever format it reads: offers, venues and
//! withdrawals, each checked against the contract as it arrives, and the report.
//!
//! Both parsers feed a [`Plan`] row by row; [`crate::publish`] turns it into events. An offer
//! id is claimed by the first row that names it, accepted or not, so a reference used twice
//! is rejected the second time whatever became of the first.

use crate::report::{Format, ImportReport, Rejection, RenamedId, VenueWithoutArea};
use provisio_events::vocab::{AcademicYear, LocalId, Timestamp, Ukprn, Vocab};
use provisio_events::{OfferSpec, Payload, ProvisionOffered, ProvisionWithdrawn, VenueRegistered};
use std::collections::{HashMap, HashSet};

/// An accepted offer and the year it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlannedOffer {
    pub(crate) ukprn: Ukprn,
    pub(crate) academic_year: AcademicYear,
    pub(crate) offer: OfferSpec,
}

/// A venue seen in the file: registered (its index in `venues`) or left without an area.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VenueSlot {
    pub(crate) line: u64,
    pub(crate) registered: Option<usize>,
}

#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) report: ImportReport,
    pub(crate) venues: Vec<VenueRegistered>,
    pub(crate) offers: Vec<PlannedOffer>,
    pub(crate) withdrawals: Vec<ProvisionWithdrawn>,
    pub(crate) venue_slots: HashMap<(Ukprn, LocalId), VenueSlot>,
    /// Venues that cannot be registered, reported once their offers are counted.
    pub(crate) unregistered: Vec<VenueWithoutArea>,
    /// Where each venue the file names but does not describe is in `report.referenced_venues`.
    pub(crate) venue_references: HashMap<(Ukprn, LocalId), usize>,
    offer_claims: HashMap<(Ukprn, LocalId), u64>,
    renamed: HashSet<(&'static str, String)>,
    time: Timestamp,
}

impl Plan {
    pub(crate) fn new(format: Format, partial: bool, time: Timestamp) -> Self {
        Self {
            report: ImportReport::new(format, partial),
            venues: Vec::new(),
            offers: Vec::new(),
            withdrawals: Vec::new(),
            venue_slots: HashMap::new(),
            unregistered: Vec::new(),
            venue_references: HashMap::new(),
            offer_claims: HashMap::new(),
            renamed: HashSet::new(),
            time,
        }
    }

    /// Claims `id` for the row on `line`; `Err` with the line that claimed it first.
    pub(crate) fn claim_offer(&mut self, ukprn: &Ukprn, id: &LocalId, line: u64) -> Result<(), u64> {
        match self.offer_claims.get(&(ukprn.clone(), id.clone())) {
            Some(&first) => Err(first),
            None => {
                self.offer_claims.insert((ukprn.clone(), id.clone()), line);
                Ok(())
            }
        }
    }

    /// Accepts an offer once the contract's own validation agrees; otherwise the reasons.
    pub(crate) fn add_offer(
        &mut self,
        line: u64,
        ukprn: Ukprn,
        academic_year: AcademicYear,
        offer: OfferSpec,
    ) -> Result<(), Vec<Rejection>> {
        let payload = Payload::ProvisionOffered(ProvisionOffered { ukprn: ukprn.clone(), academic_year, offer });
        let data = serde_json::to_value(&payload).unwrap_or_default();
        let candidate = serde_json::json!({
            "specversion": "1.0", "id": "import-row-check", "source": format!("urn:ukprn:{ukprn}"),
            "type": "lp.provision.offered.v1", "time": self.time.as_str(), "data": data,
        });
        match provisio_events::validate(&candidate) {
            Ok(provisio_events::Event { payload: Payload::ProvisionOffered(p), .. }) => {
                self.offers.push(PlannedOffer { ukprn: p.ukprn, academic_year: p.academic_year, offer: p.offer });
                self.report.offers += 1;
                Ok(())
            }
            Ok(_) => Err(vec![Rejection::new(line, None, None, "the offer did not read back as an offer")]),
            Err(errors) => Err(errors
                .into_iter()
                .map(|e| Rejection::new(line, None, None, format!("the contract refuses it: {e}")))
                .collect()),
        }
    }

    pub(crate) fn withdraw(&mut self, ukprn: Ukprn, offer_id: LocalId, reason: &str) {
        self.withdrawals.push(ProvisionWithdrawn { ukprn, offer_id, reason: Some(reason.to_owned()) });
        self.report.withdrawals_in_file += 1;
    }

    /// Records, once per id, that an identifier of the file was turned into a contract id.
    pub(crate) fn renamed(&mut self, line: u64, kind: &'static str, original: &str, id: &LocalId) {
        if original.trim() != id.as_str() && self.renamed.insert((kind, id.as_str().to_owned())) {
            self.report.renamed_ids.push(RenamedId {
                line,
                kind,
                original: original.trim().to_owned(),
                id: id.as_str().to_owned(),
            });
        }
    }
}
