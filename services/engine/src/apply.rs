//! What each event type does to the state (the effects table of CONTRACT section 2).
//!
//! Every change to an offer, its venue or its report follows one pattern: take the offer out of
//! the partnerships it is live in, change it, and put it back where it is live now. Taking out
//! always subtracts exactly what putting in added, so the aggregates cannot drift.

use crate::Engine;
use crate::keys::{OfferKey, Year};
use crate::partnership::{Partnership, Touch, Touches};
use crate::public::PublicVenue;
use crate::world::{Offer, ProviderRegistration, Report};
use provisio_events::vocab::{PartnershipId, Ukprn};
use provisio_events::{
    CurriculumPublished, EnrolmentReported, OfferSpec, PartnershipRegistered, Payload, VenueRegistered,
};
use std::collections::BTreeSet;
use std::sync::Arc;

impl Engine {
    pub(crate) fn dispatch(&mut self, position: u64, payload: &Payload, touches: &mut Touches) {
        match payload {
            Payload::PartnershipRegistered(e) => self.register(e, touches),
            // Names no report row: no partnership is touched.
            Payload::ProviderRegistered(e) => {
                self.world.providers.insert(e.ukprn.clone(), ProviderRegistration::of(e));
            }
            Payload::VenueRegistered(e) => self.venue(e, touches),
            Payload::ProvisionOffered(e) => self.offer(&e.ukprn, (&e.academic_year).into(), &e.offer, touches),
            Payload::ProvisionWithdrawn(e) => {
                let key = self.world.key(&e.ukprn, &e.offer_id);
                self.withdraw(&key, touches);
            }
            Payload::EnrolmentReported(e) => self.report(e, position, touches),
            Payload::CurriculumPublished(e) => self.curriculum(e, touches),
            Payload::NeedIdentified(e) => {
                let touch = touches.entry(e.partnership_id.clone()).or_default();
                self.partnership_mut(&e.partnership_id).identify(e, touch);
            }
            Payload::NeedWithdrawn(e) => {
                let touch = touches.entry(e.partnership_id.clone()).or_default();
                self.partnership_mut(&e.partnership_id).withdraw_need(&e.need_id, touch);
            }
            Payload::TargetSet(e) => {
                let touch = touches.entry(e.partnership_id.clone()).or_default();
                self.partnership_mut(&e.partnership_id).set_target(e, touch);
            }
            // Changes no report row: a plan is the state at its position, read from the log.
            Payload::PlanPublished(e) => self.plans.publish(position, e),
            // Members and proposals move no report row; `collab` follows them after the rows settle.
            Payload::MemberJoined(_)
            | Payload::MemberLeft(_)
            | Payload::ProposalMade(_)
            | Payload::ProposalResponded(_)
            | Payload::ProposalDecided(_) => {}
            Payload::InterestRegistered(e) => self.register_interest(e, touches),
        }
    }

    /// A partnership's state, created unregistered if this is the first event about it: its
    /// needs and targets are kept and count once it registers.
    fn partnership_mut(&mut self, id: &PartnershipId) -> &mut Partnership {
        Arc::make_mut(self.partnerships.entry(id.clone()).or_default())
    }

    /// Takes the offer out of every partnership it is live in.
    fn detach(&mut self, key: &OfferKey, touches: &mut Touches) {
        self.each_home(key, touches, Partnership::remove_offer);
    }

    /// Puts the offer into every partnership it is live in.
    fn attach(&mut self, key: &OfferKey, touches: &mut Touches) {
        self.each_home(key, touches, Partnership::add_offer);
    }

    fn each_home(
        &mut self,
        key: &OfferKey,
        touches: &mut Touches,
        f: fn(&mut Partnership, &OfferKey, &Offer, Option<u32>, &mut Touch),
    ) {
        let Some(offer) = self.world.offers.get(key) else {
            return;
        };
        let enrolled = self.world.enrolled(key);
        for id in self.world.homes(key.ukprn(), &offer.venue_id) {
            if let Some(p) = self.partnerships.get_mut(&id) {
                f(Arc::make_mut(p), key, offer, enrolled, touches.entry(id).or_default());
            }
        }
    }

    /// Creates or replaces an offer and makes it live again.
    fn offer(&mut self, ukprn: &Ukprn, year: Year, spec: &OfferSpec, touches: &mut Touches) {
        let key = self.world.key(ukprn, &spec.offer_id);
        self.detach(&key, touches);
        self.world.put_offer(&key, Offer::new(year, spec));
        self.attach(&key, touches);
    }

    fn withdraw(&mut self, key: &OfferKey, touches: &mut Touches) {
        self.detach(key, touches);
        self.world.remove_offer(key);
    }

    /// The provider's whole plan for a year: what it lists is offered, every other offer of
    /// that provider and year is withdrawn, however it was made.
    fn curriculum(&mut self, e: &CurriculumPublished, touches: &mut Touches) {
        let year = Year::of(&e.academic_year);
        for spec in &e.offers {
            self.offer(&e.ukprn, year, spec, touches);
        }
        let listed: BTreeSet<_> = e.offers.iter().map(|s| &s.offer_id).collect();
        for key in self.world.offers_of_plan(&e.ukprn, year) {
            if !listed.contains(key.offer_id()) {
                self.withdraw(&key, touches);
            }
        }
    }

    /// Keeps the winning report, whether or not the offer exists yet.
    fn report(&mut self, e: &EnrolmentReported, position: u64, touches: &mut Touches) {
        let key = self.world.key(&e.ukprn, &e.offer_id);
        let report = Report::new(e.enrolled, &e.as_of, position);
        if self.world.reports.get(&key).is_some_and(|held| !report.beats(held)) {
            return;
        }
        self.detach(&key, touches);
        self.world.reports.insert(key.clone(), report);
        self.attach(&key, touches);
    }

    /// Registers or re-registers a venue; its offers follow it to its new area.
    fn venue(&mut self, e: &VenueRegistered, touches: &mut Touches) {
        let details = PublicVenue::of(e);
        if self.world.venue_details.get(&(e.ukprn.clone(), e.venue_id.clone())) != Some(&details) {
            self.world.venue_details.insert((e.ukprn.clone(), e.venue_id.clone()), details);
        }
        if self.world.venue_area(&e.ukprn, &e.venue_id) == Some(&e.area) {
            return;
        }
        let offers = self.world.offers_at_venue(&e.ukprn, &e.venue_id);
        for key in &offers {
            self.detach(key, touches);
        }
        self.world.set_venue(&e.ukprn, &e.venue_id, &e.area);
        for key in &offers {
            self.attach(key, touches);
        }
    }

    /// Creates or replaces a partnership whole; offers at venues of areas it gains or loses
    /// move in or out, and new rules may open or close duplications.
    fn register(&mut self, e: &PartnershipRegistered, touches: &mut Touches) {
        let id = &e.partnership_id;
        let touch = touches.entry(id.clone()).or_default();
        let p = Arc::make_mut(self.partnerships.entry(id.clone()).or_default());
        let old: BTreeSet<_> = p.registration.iter().flat_map(|r| r.areas.iter().cloned()).collect();
        let new: BTreeSet<_> = e.areas.iter().cloned().collect();
        for area in old.difference(&new) {
            for key in self.world.offers_in_area(area) {
                if let Some(offer) = self.world.offers.get(&key) {
                    p.remove_offer(&key, offer, self.world.enrolled(&key), touch);
                }
            }
            self.world.unlist_area(area, id);
            for (cell, count) in self.world.interest_in(area) {
                p.count_interest(cell, -(count as i64), touch);
            }
        }
        for area in new.difference(&old) {
            self.world.list_area(area, id);
            for key in self.world.offers_in_area(area) {
                if let Some(offer) = self.world.offers.get(&key) {
                    p.add_offer(&key, offer, self.world.enrolled(&key), touch);
                }
            }
            for (cell, count) in self.world.interest_in(area) {
                p.count_interest(cell, count as i64, touch);
            }
        }
        touch.everything |= p.register(e);
    }
}
