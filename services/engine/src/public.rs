//! The public courses of CONTRACT section 11: every offer live in at least one partnership, of
//! either status, once, with the partnerships it counts in and only what a provider publishes
//! (no places, no enrolments). The finder's index is built from these and kept in step with
//! [`Engine::courses_touched_by`].

use crate::Engine;
use crate::keys::{OfferId, Year};
use crate::world::Offer;
use provisio_events::vocab::{
    AgeGroup, Date, Funding, Level, LocalId, Mode, OfferStatus, PartnershipId, SubjectCode, Ukprn, Vocab,
};
use provisio_events::{Event, Payload, VenueRegistered};
use serde::Serialize;
use std::collections::BTreeSet;

/// Where a course is taught, as its venue event gave it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicVenue {
    pub name: String,
    pub postcode: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl PublicVenue {
    pub(crate) fn of(e: &VenueRegistered) -> Self {
        PublicVenue { name: e.name.clone(), postcode: e.postcode.clone(), lat: e.lat, lon: e.lon }
    }
}

/// A course as the public sees it (the contract's course object without `distance_km`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicCourse {
    pub ukprn: Ukprn,
    /// The provider's registered name, `null` before it registers.
    pub provider: Option<String>,
    pub offer_id: LocalId,
    pub title: String,
    pub description: Option<String>,
    pub subject: SubjectCode,
    pub subject_name: &'static str,
    pub level: Level,
    pub age_group: AgeGroup,
    pub mode: Mode,
    pub academic_year: Year,
    pub status: OfferStatus,
    pub start_date: Option<Date>,
    pub duration_weeks: Option<u32>,
    pub hours_per_week: Option<f64>,
    pub fee: Option<f64>,
    pub funding: Option<Funding>,
    pub url: Option<String>,
    pub venue: PublicVenue,
    /// The partnerships it counts in, by id; never empty.
    pub partnerships: Vec<PartnershipId>,
}

impl Engine {
    /// The course, or `None` when the offer is not live in any partnership.
    pub fn public_course(&self, ukprn: &Ukprn, offer_id: &LocalId) -> Option<PublicCourse> {
        let id = OfferId::new(ukprn.clone(), offer_id.clone());
        let offer = self.world.offers.get(&id)?;
        self.course_of(ukprn, offer_id, offer)
    }

    /// A registered partnership's guidance contact: `Some(None)` when it gave none.
    pub fn partnership_iag(&self, id: &str) -> Option<Option<provisio_events::Iag>> {
        self.registered(id)?.registration.as_ref().map(|r| r.iag.clone())
    }

    /// Every public course, in no particular order.
    pub fn public_courses(&self) -> impl Iterator<Item = PublicCourse> + '_ {
        self.world.offers.iter().filter_map(|(key, offer)| self.course_of(key.ukprn(), key.offer_id(), offer))
    }

    /// The offers whose public form `event` may change. Ask before applying it and again
    /// after, and refresh the union: a partnership's old areas are known only before, its
    /// new ones only after.
    pub fn courses_touched_by(&self, event: &Event) -> Vec<(Ukprn, LocalId)> {
        let mut keys: BTreeSet<(Ukprn, LocalId)> = BTreeSet::new();
        let mut add = |k: &OfferId| _ = keys.insert((k.ukprn().clone(), k.offer_id().clone()));
        match &event.payload {
            Payload::ProvisionOffered(e) => add(&OfferId::new(e.ukprn.clone(), e.offer.offer_id.clone())),
            Payload::ProvisionWithdrawn(e) => add(&OfferId::new(e.ukprn.clone(), e.offer_id.clone())),
            Payload::CurriculumPublished(e) => {
                e.offers.iter().for_each(|o| add(&OfferId::new(e.ukprn.clone(), o.offer_id.clone())));
                self.world.offers_of_plan(&e.ukprn, Year::of(&e.academic_year)).iter().for_each(|k| add(k));
            }
            Payload::ProviderRegistered(e) => self.world.offers_of_provider(&e.ukprn).for_each(|k| add(k)),
            Payload::VenueRegistered(e) => {
                self.world.offers_at_venue(&e.ukprn, &e.venue_id).iter().for_each(|k| add(k))
            }
            Payload::PartnershipRegistered(e) => {
                let held = self.registered(e.partnership_id.as_str()).map(|p| p.registration_areas());
                for area in e.areas.iter().chain(held.iter().flatten()) {
                    self.world.offers_in_area(area).iter().for_each(|k| add(k));
                }
            }
            // Enrolments, needs, targets, interest, plans, members and proposals are never
            // shown to the public.
            Payload::EnrolmentReported(_)
            | Payload::NeedIdentified(_)
            | Payload::NeedWithdrawn(_)
            | Payload::TargetSet(_)
            | Payload::InterestRegistered(_)
            | Payload::PlanPublished(_)
            | Payload::MemberJoined(_)
            | Payload::MemberLeft(_)
            | Payload::ProposalMade(_)
            | Payload::ProposalResponded(_)
            | Payload::ProposalDecided(_) => {}
        }
        keys.into_iter().collect()
    }

    fn course_of(&self, ukprn: &Ukprn, offer_id: &LocalId, offer: &Offer) -> Option<PublicCourse> {
        let partnerships = self.world.homes(ukprn, &offer.venue_id);
        if partnerships.is_empty() {
            return None;
        }
        let venue = self.world.venue_details.get(&(ukprn.clone(), offer.venue_id.clone()))?.clone();
        let public = offer.public.as_deref().cloned().unwrap_or_default();
        Some(PublicCourse {
            ukprn: ukprn.clone(),
            provider: self.world.providers.get(ukprn).map(|p| p.name.clone()),
            offer_id: offer_id.clone(),
            title: offer.title.clone(),
            description: public.description,
            subject: offer.subject,
            subject_name: offer.subject.name(),
            level: offer.level,
            age_group: offer.age_group,
            mode: offer.mode,
            academic_year: offer.academic_year,
            status: offer.status,
            start_date: offer.start_date.clone(),
            duration_weeks: offer.duration_weeks,
            hours_per_week: public.hours_per_week,
            fee: public.fee,
            funding: public.funding,
            url: public.url,
            venue,
            partnerships,
        })
    }
}
