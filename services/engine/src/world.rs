//! The providers' side of the state, shared by every partnership: offers, venues, enrolment
//! reports, and the indexes that find the offers an event moves.
//!
//! An offer is kept here only while it is offered and not withdrawn; whether it is live in a
//! partnership follows from its venue's area and the partnerships listing that area.

use crate::cow::CowMap;
use crate::keys::{Cell, Day, DuplicationKey, OfferId, OfferKey, Year};
use crate::public::PublicVenue;
use foldhash::HashSet;
use provisio_events::vocab::{
    AgeGroup, AreaCode, Date, Level, LocalId, Mode, OfferStatus, PartnershipId, ProviderKind, SubjectCode, Ukprn,
};
use provisio_events::{OfferPublic, OfferSpec, ProviderRegistered};
use std::collections::BTreeSet;
use std::sync::Arc;

/// What the last `provider.registered` of a UKPRN said.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProviderRegistration {
    pub(crate) name: String,
    pub(crate) kind: ProviderKind,
    pub(crate) website: Option<String>,
}

impl ProviderRegistration {
    pub(crate) fn of(e: &ProviderRegistered) -> Self {
        ProviderRegistration { name: e.name.clone(), kind: e.kind, website: e.website.clone() }
    }
}

/// The fields of an offered offer, without its id (the map key holds that).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Offer {
    pub(crate) academic_year: Year,
    pub(crate) venue_id: LocalId,
    pub(crate) title: String,
    pub(crate) subject: SubjectCode,
    pub(crate) level: Level,
    pub(crate) age_group: AgeGroup,
    pub(crate) mode: Mode,
    pub(crate) places: u32,
    pub(crate) status: OfferStatus,
    pub(crate) start_date: Option<Date>,
    pub(crate) duration_weeks: Option<u32>,
    pub(crate) lars_aim: Option<String>,
    /// v2: what only the public finder shows; `None` when the offer gave none of it, so an
    /// offer without them costs one pointer.
    pub(crate) public: Option<Arc<OfferPublic>>,
}

impl Offer {
    pub(crate) fn new(academic_year: Year, spec: &OfferSpec) -> Self {
        Offer {
            academic_year,
            venue_id: spec.venue_id.clone(),
            title: spec.title.clone(),
            subject: spec.subject,
            level: spec.level,
            age_group: spec.age_group,
            mode: spec.mode,
            places: spec.places,
            status: spec.status,
            start_date: spec.start_date.clone(),
            duration_weeks: spec.duration_weeks,
            lars_aim: spec.lars_aim.clone(),
            public: (spec.public != OfferPublic::default()).then(|| Arc::new(spec.public.clone())),
        }
    }

    pub(crate) fn cell(&self) -> Cell {
        Cell { academic_year: self.academic_year, subject: self.subject, level: self.level, age_group: self.age_group }
    }

    pub(crate) fn duplication_key(&self) -> DuplicationKey {
        self.cell().with_mode(self.mode)
    }
}

/// The winning enrolment report of an offer id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Report {
    pub(crate) enrolled: u32,
    pub(crate) as_of: Day,
    pub(crate) position: u64,
}

impl Report {
    pub(crate) fn new(enrolled: u32, as_of: &Date, position: u64) -> Self {
        Report { enrolled, as_of: Day::of(as_of), position }
    }

    /// The latest `as_of` wins; on the same day, the later position.
    pub(crate) fn beats(&self, other: &Report) -> bool {
        (self.as_of, self.position) > (other.as_of, other.position)
    }
}

pub(crate) type VenueKey = (Ukprn, LocalId);

/// Offers found together by an index. Hashed, not ordered: what is done to each of them
/// (detach, attach, withdraw) does not depend on the order, and a hash insert costs one
/// comparison of offer ids where a B-tree of a big provider's offers costs a dozen
/// (measured by services/bench: B-tree inserts were a sixth of `rebuild`).
type OfferSet = HashSet<OfferKey>;

/// Shards of the maps keyed by offer (up to millions of entries) and by provider or venue
/// (thousands): a write after a snapshot copies one shard, some 15 offers of a million, and
/// the four branches above it (a what-if writes one shard per draft).
const BY_OFFER: usize = 65_536;
const BY_PROVIDER: usize = 1_024;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct World {
    /// Offered and not withdrawn since.
    pub(crate) offers: CowMap<OfferKey, Offer, BY_OFFER>,
    pub(crate) reports: CowMap<OfferKey, Report, BY_OFFER>,
    pub(crate) venues: CowMap<VenueKey, AreaCode, BY_PROVIDER>,
    /// What the public finder shows of each venue (name, postcode, position).
    pub(crate) venue_details: CowMap<VenueKey, PublicVenue, BY_PROVIDER>,
    pub(crate) venues_by_area: CowMap<AreaCode, BTreeSet<VenueKey>>,
    pub(crate) offers_by_venue: CowMap<VenueKey, OfferSet, BY_PROVIDER>,
    /// What a curriculum plan for (provider, year) replaces.
    pub(crate) offers_by_plan: CowMap<(Ukprn, Year), OfferSet, BY_PROVIDER>,
    /// The registered partnerships listing each area.
    pub(crate) partnerships_by_area: CowMap<AreaCode, BTreeSet<PartnershipId>>,
    /// The last registration of each provider, for the reports that name providers.
    pub(crate) providers: CowMap<Ukprn, ProviderRegistration, BY_PROVIDER>,
    /// Interest registered by the public, by area and cell: a partnership counts an area's
    /// interest while it lists the area, whenever the interest came.
    pub(crate) interest: CowMap<AreaCode, std::collections::BTreeMap<Cell, u64>>,
}

impl World {
    /// The shared key of an offer id, reusing the one already held for it if any.
    pub(crate) fn key(&self, ukprn: &Ukprn, offer_id: &LocalId) -> OfferKey {
        let id = OfferId::new(ukprn.clone(), offer_id.clone());
        let held = self.offers.get_key_value(&id).map(|(k, _)| k);
        match held.or_else(|| self.reports.get_key_value(&id).map(|(k, _)| k)) {
            Some(k) => k.clone(),
            None => Arc::new(id),
        }
    }

    pub(crate) fn enrolled(&self, key: &OfferId) -> Option<u32> {
        self.reports.get(key).map(|r| r.enrolled)
    }

    /// The partnerships an offer is live in, were it offered: those listing its venue's area.
    pub(crate) fn homes(&self, ukprn: &Ukprn, venue_id: &LocalId) -> Vec<PartnershipId> {
        let venue = (ukprn.clone(), venue_id.clone());
        let area = self.venues.get(&venue);
        let homes = area.and_then(|a| self.partnerships_by_area.get(a));
        homes.map(|h| h.iter().cloned().collect()).unwrap_or_default()
    }

    /// Stores an offer, replacing any earlier version, and keeps the indexes in step.
    pub(crate) fn put_offer(&mut self, key: &OfferKey, offer: Offer) {
        self.remove_offer(key);
        self.offers_by_venue.entry_or_default((key.ukprn().clone(), offer.venue_id.clone())).insert(key.clone());
        self.offers_by_plan.entry_or_default((key.ukprn().clone(), offer.academic_year)).insert(key.clone());
        self.offers.insert(key.clone(), offer);
    }

    pub(crate) fn remove_offer(&mut self, key: &OfferKey) {
        let Some(old) = self.offers.remove(key) else { return };
        let venue = (key.ukprn().clone(), old.venue_id.clone());
        self.offers_by_venue.update(&venue, |s| _ = s.remove(key), OfferSet::is_empty);
        let plan = (key.ukprn().clone(), old.academic_year);
        self.offers_by_plan.update(&plan, |s| _ = s.remove(key), OfferSet::is_empty);
    }

    pub(crate) fn offers_of_plan(&self, ukprn: &Ukprn, year: Year) -> Vec<OfferKey> {
        let plan = self.offers_by_plan.get(&(ukprn.clone(), year));
        plan.map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }

    /// Every offered offer of a provider, whatever its year: found through the plans (a few
    /// per provider), not by walking every offer.
    pub(crate) fn offers_of_provider<'a>(&'a self, ukprn: &'a Ukprn) -> impl Iterator<Item = &'a OfferKey> {
        self.offers_by_plan.iter().filter(move |((u, _), _)| u == ukprn).flat_map(|(_, set)| set.iter())
    }

    pub(crate) fn venue_area(&self, ukprn: &Ukprn, venue_id: &LocalId) -> Option<&AreaCode> {
        self.venues.get(&(ukprn.clone(), venue_id.clone()))
    }

    pub(crate) fn offers_at_venue(&self, ukprn: &Ukprn, venue_id: &LocalId) -> Vec<OfferKey> {
        let offers = self.offers_by_venue.get(&(ukprn.clone(), venue_id.clone()));
        offers.map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }

    pub(crate) fn set_venue(&mut self, ukprn: &Ukprn, venue_id: &LocalId, area: &AreaCode) {
        let venue = (ukprn.clone(), venue_id.clone());
        if let Some(old) = self.venues.insert(venue.clone(), area.clone()) {
            self.venues_by_area.update(&old, |s| _ = s.remove(&venue), BTreeSet::is_empty);
        }
        self.venues_by_area.entry_or_default(area.clone()).insert(venue);
    }

    /// Every offered offer at a venue in `area`, live or not in any partnership.
    pub(crate) fn offers_in_area(&self, area: &AreaCode) -> Vec<OfferKey> {
        let venues = self.venues_by_area.get(area).into_iter().flatten();
        venues.filter_map(|v| self.offers_by_venue.get(v)).flatten().cloned().collect()
    }

    /// The registered partnerships listing `area`, by id.
    pub(crate) fn partnerships_listing(&self, area: &AreaCode) -> Vec<PartnershipId> {
        self.partnerships_by_area.get(area).map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }

    pub(crate) fn list_area(&mut self, area: &AreaCode, partnership: &PartnershipId) {
        self.partnerships_by_area.entry_or_default(area.clone()).insert(partnership.clone());
    }

    pub(crate) fn unlist_area(&mut self, area: &AreaCode, partnership: &PartnershipId) {
        self.partnerships_by_area.update(area, |s| _ = s.remove(partnership), BTreeSet::is_empty);
    }
}
