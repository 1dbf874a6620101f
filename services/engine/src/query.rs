//! Report queries: the rows of CONTRACT section 5, filtered and in the contract's order.
//! Every query answers `None` for a partnership that is not registered.

use crate::Engine;
use crate::keys::{Cell, DuplicationKey, OfferCursor, OfferId, Year};
use crate::partnership::Partnership;
use crate::rows::{CoverageCell, DuplicationRow, GapRow, InterestCell, OfferRow, PartnershipSummary, TargetRow};
use provisio_events::vocab::{
    AcademicYear, AgeGroup, AreaCode, Level, LocalId, Mode, PartnershipId, SubjectCode, Ukprn, Vocab,
};
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Included, Unbounded};

/// The report filters; `mode` only narrows duplications.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub academic_year: Option<AcademicYear>,
    pub subject: Option<SubjectCode>,
    pub level: Option<Level>,
    pub age_group: Option<AgeGroup>,
    pub mode: Option<Mode>,
}

impl Filter {
    pub(crate) fn matches(&self, cell: &Cell) -> bool {
        self.academic_year.as_ref().is_none_or(|y| Year::of(y) == cell.academic_year)
            && self.subject.is_none_or(|s| s == cell.subject)
            && self.level.is_none_or(|l| l == cell.level)
            && self.age_group.is_none_or(|a| a == cell.age_group)
    }
}

/// Where a gap row sits in its report: largest `unmet` first, then by cell.
pub(crate) fn gap_order(r: &GapRow) -> (Reverse<u64>, Cell) {
    (Reverse(r.unmet), r.cell())
}

/// Where a duplication row sits in its report: largest `surplus` first, then by key.
pub(crate) fn duplication_order(r: &DuplicationRow) -> (Reverse<i64>, DuplicationKey) {
    (Reverse(r.surplus), r.key())
}

fn summary(id: &PartnershipId, p: &Partnership) -> Option<PartnershipSummary> {
    let registration = p.registration.as_ref()?;
    Some(PartnershipSummary {
        partnership_id: id.clone(),
        name: registration.name.clone(),
        areas: registration.areas.clone(),
        rules: registration.rules,
    })
}

impl Engine {
    pub(crate) fn registered(&self, id: &str) -> Option<&Partnership> {
        let p = self.partnerships.get(&PartnershipId::parse(id)?)?;
        p.registration.is_some().then_some(&**p)
    }

    /// Every registered partnership, by id.
    pub fn partnerships(&self) -> Vec<PartnershipSummary> {
        self.partnerships.iter().filter_map(|(id, p)| summary(id, p)).collect()
    }

    pub fn partnership(&self, id: &str) -> Option<PartnershipSummary> {
        let (id, p) = self.partnerships.get_key_value(&PartnershipId::parse(id)?)?;
        summary(id, p)
    }

    /// The UKPRNs with live offers in the partnership, sorted.
    pub fn providers(&self, id: &str) -> Option<Vec<Ukprn>> {
        Some(self.registered(id)?.live.keys().cloned().collect())
    }

    /// Gaps, largest `unmet` first, then by academic year, subject, level and age group.
    pub fn gaps(&self, id: &str, f: &Filter) -> Option<Vec<GapRow>> {
        let p = self.registered(id)?;
        let mut rows: Vec<_> = p.gaps.iter().filter(|(cell, _)| f.matches(cell)).map(|(_, r)| r.clone()).collect();
        rows.sort_by_key(gap_order);
        Some(rows)
    }

    /// Duplications, largest `surplus` first, then by key.
    pub fn duplications(&self, id: &str, f: &Filter) -> Option<Vec<DuplicationRow>> {
        let p = self.registered(id)?;
        let wanted = |key: &DuplicationKey| f.matches(&key.cell()) && f.mode.is_none_or(|m| m == key.mode);
        let mut rows: Vec<_> = p.duplications.iter().filter(|(k, _)| wanted(k)).map(|(_, r)| r.clone()).collect();
        rows.sort_by_key(duplication_order);
        Some(rows)
    }

    /// The cells with demand, supply or interest, by subject, level and age group. Without an
    /// academic year in the filter, each cell sums every year.
    pub fn coverage(&self, id: &str, f: &Filter) -> Option<Vec<CoverageCell>> {
        let p = self.registered(id)?;
        let mut cells: BTreeMap<_, (u64, u64, u64)> = BTreeMap::new();
        for (cell, agg) in p.cells.iter().filter(|(cell, _)| f.matches(cell)) {
            let sums = cells.entry((cell.subject, cell.level, cell.age_group)).or_default();
            sums.0 += agg.demand;
            sums.1 += agg.supply;
            sums.2 += agg.interest;
        }
        let rows = cells.into_iter().filter(|(_, sums)| *sums != (0, 0, 0));
        Some(
            rows.map(|((subject, level, age_group), (demand, supply, interest))| CoverageCell {
                subject,
                level,
                age_group,
                demand,
                supply,
                interest,
            })
            .collect(),
        )
    }

    /// The cells with interest registered by the public, as coverage sums them.
    pub fn interest(&self, id: &str, f: &Filter) -> Option<Vec<InterestCell>> {
        let cells = self.coverage(id, f)?.into_iter().filter(|c| c.interest > 0);
        let rows = cells.map(|c| InterestCell {
            subject: c.subject,
            level: c.level,
            age_group: c.age_group,
            interest: c.interest,
        });
        Some(rows.collect())
    }

    /// Targets by id. A filter field keeps the targets set for exactly that value, so a
    /// subject filter leaves out targets that count every subject.
    pub fn targets(&self, id: &str, f: &Filter) -> Option<Vec<TargetRow>> {
        let p = self.registered(id)?;
        let wanted = |r: &TargetRow| {
            f.academic_year.as_ref().is_none_or(|y| Year::of(y) == r.academic_year)
                && f.subject.is_none_or(|s| r.subject == Some(s))
                && f.level.is_none_or(|l| r.level == Some(l))
                && f.age_group.is_none_or(|a| r.age_group == Some(a))
        };
        Some(p.targets.values().filter_map(|t| t.shown.as_deref()).filter(|r| wanted(r)).cloned().collect())
    }

    /// The area a provider's venue is registered in, if it is registered.
    pub fn venue_area(&self, ukprn: &Ukprn, venue_id: &LocalId) -> Option<&AreaCode> {
        self.world.venue_area(ukprn, venue_id)
    }

    /// Every offered, not withdrawn offer of a provider, live in a partnership or not (its
    /// venue may be unregistered), by year; what an import compares a new file with.
    pub fn provider_offers(&self, ukprn: &Ukprn) -> Vec<(AcademicYear, provisio_events::OfferSpec)> {
        let mut out: Vec<(AcademicYear, provisio_events::OfferSpec)> = self
            .world
            .offers_of_provider(ukprn)
            .filter_map(|key| Some((key, self.world.offers.get(key)?)))
            .filter_map(|(key, offer)| {
                let year = AcademicYear::parse(&offer.academic_year.to_string())?;
                let spec = provisio_events::OfferSpec {
                    offer_id: key.offer_id().clone(),
                    venue_id: offer.venue_id.clone(),
                    title: offer.title.clone(),
                    subject: offer.subject,
                    level: offer.level,
                    age_group: offer.age_group,
                    mode: offer.mode,
                    places: offer.places,
                    status: offer.status,
                    start_date: offer.start_date.clone(),
                    duration_weeks: offer.duration_weeks,
                    lars_aim: offer.lars_aim.clone(),
                    public: offer.public.as_deref().cloned().unwrap_or_default(),
                };
                Some((year, spec))
            })
            .collect();
        out.sort_by(|a, b| (&a.1.offer_id, a.0.as_str()).cmp(&(&b.1.offer_id, b.0.as_str())));
        out
    }

    /// A page of the partnership's live offers in (UKPRN, offer id) order, starting after
    /// `after`, and the cursor of the next page (`None` at the end).
    pub fn offers(
        &self,
        id: &str,
        after: Option<&OfferCursor>,
        limit: usize,
    ) -> Option<(Vec<OfferRow>, Option<OfferCursor>)> {
        let p = self.registered(id)?;
        let providers = p.live.range::<Ukprn, _>((after.map_or(Unbounded, |a| Included(a.ukprn())), Unbounded));
        let mut keys =
            providers.flat_map(|(_, set)| set.range::<OfferId, _>((after.map_or(Unbounded, Excluded), Unbounded)));
        let mut rows = Vec::new();
        for key in keys.by_ref().take(limit) {
            let Some(offer) = self.world.offers.get(key) else {
                continue;
            };
            rows.push(OfferRow {
                ukprn: key.ukprn().clone(),
                offer_id: key.offer_id().clone(),
                venue_id: offer.venue_id.clone(),
                title: offer.title.clone(),
                subject: offer.subject,
                level: offer.level,
                age_group: offer.age_group,
                mode: offer.mode,
                places: offer.places,
                status: offer.status,
                start_date: offer.start_date.clone(),
                duration_weeks: offer.duration_weeks,
                lars_aim: offer.lars_aim.clone(),
                academic_year: offer.academic_year,
                enrolled: self.world.enrolled(key),
            });
        }
        let more = keys.next().is_some();
        let last = rows.last().map(|r| OfferCursor::new(r.ukprn.clone(), r.offer_id.clone()));
        let next = more.then(|| last.or_else(|| after.cloned())).flatten();
        Some((rows, next))
    }
}
