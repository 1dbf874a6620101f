//! One partnership's side of the state: its registration, its live needs, and the per-cell and
//! per-key aggregates of its live offers, kept up to date one offer or need at a time.

use crate::cow::CowMap;
use crate::keys::{Cell, DuplicationKey, OfferKey, Year};
use crate::rows::{DuplicationRow, GapRow};
use crate::rules::EffectiveRules;
use crate::targets::{Target, Totals};
use crate::world::Offer;
use provisio_events::vocab::{AreaCode, Evidence, LocalId, Mode, PartnershipId, Ukprn};
use provisio_events::{NeedIdentified, PartnershipRegistered, TargetSet};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What the last `partnership.registered` said.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Registration {
    pub(crate) name: String,
    pub(crate) areas: Vec<AreaCode>,
    pub(crate) rules: EffectiveRules,
    /// v2: the information, advice and guidance contact the public finder shows.
    pub(crate) iag: Option<provisio_events::Iag>,
}

/// The fields of a need that name it without narrowing its cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NeedDetail {
    pub(crate) evidence: Evidence,
    pub(crate) mode: Option<Mode>,
    pub(crate) area: Option<AreaCode>,
    pub(crate) note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Need {
    pub(crate) cell: Cell,
    pub(crate) learners: u32,
    pub(crate) detail: Arc<NeedDetail>,
}

/// Demand and supply of one cell, and what makes them up.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct CellAgg {
    pub(crate) demand: u64,
    pub(crate) supply: u64,
    /// Winning `enrolled` of the live offers, for targets measured in enrolments.
    pub(crate) enrolled: u64,
    pub(crate) needs: BTreeSet<LocalId>,
    /// Places of each live offer, so rows are built without looking offers up.
    pub(crate) offers: BTreeMap<OfferKey, u32>,
    /// Interest registered by the public in the partnership's areas (section 11): shown
    /// beside demand, never part of it.
    pub(crate) interest: u64,
}

impl CellAgg {
    pub(crate) fn totals(&self) -> Totals {
        Totals { supply: self.supply, enrolled: self.enrolled }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.needs.is_empty() && self.offers.is_empty() && self.interest == 0
    }
}

/// An offer's places and winning enrolment, as its duplication key holds them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Seat {
    pub(crate) places: u32,
    pub(crate) enrolled: Option<u32>,
}

/// What one event touched in one partnership; rows are recomputed for these only.
#[derive(Debug, Default)]
pub(crate) struct Touch {
    /// Cells whose demand or supply may have changed, with their totals before.
    pub(crate) cells: BTreeMap<Cell, Totals>,
    /// Keys whose offers or cell demand may have changed.
    pub(crate) keys: BTreeSet<DuplicationKey>,
    pub(crate) targets: BTreeSet<LocalId>,
    /// Registration or rules changed: every row may have appeared or changed.
    pub(crate) everything: bool,
}

impl Touch {
    pub(crate) fn cell(&mut self, cell: Cell, agg: Option<&CellAgg>) {
        self.cells.entry(cell).or_insert_with(|| agg.map(CellAgg::totals).unwrap_or_default());
    }

    /// A change of demand reaches the duplication keys of every mode in the cell.
    fn demand(&mut self, cell: Cell, agg: Option<&CellAgg>) {
        self.cell(cell, agg);
        self.keys.extend(Mode::ALL.iter().map(|&mode| cell.with_mode(mode)));
    }
}

/// Touches of every partnership an event reached, in partnership order.
pub(crate) type Touches = BTreeMap<PartnershipId, Touch>;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Partnership {
    pub(crate) registration: Option<Registration>,
    pub(crate) needs: CowMap<LocalId, Need>,
    pub(crate) cells: CowMap<Cell, CellAgg>,
    pub(crate) keys: CowMap<DuplicationKey, BTreeMap<OfferKey, Seat>>,
    /// Live offers by provider, in the order the offer listing pages through them.
    pub(crate) live: BTreeMap<Ukprn, Arc<BTreeSet<OfferKey>>>,
    /// The rows last published, to tell what changed.
    pub(crate) gaps: CowMap<Cell, GapRow>,
    pub(crate) duplications: CowMap<DuplicationKey, DuplicationRow>,
    pub(crate) targets: BTreeMap<LocalId, Target>,
    pub(crate) targets_by_year: BTreeMap<Year, BTreeSet<LocalId>>,
}

impl Partnership {
    /// The areas it lists now; none before it registers.
    pub(crate) fn registration_areas(&self) -> Vec<AreaCode> {
        self.registration.as_ref().map(|r| r.areas.clone()).unwrap_or_default()
    }

    pub(crate) fn rules(&self) -> EffectiveRules {
        self.registration.as_ref().map(|r| r.rules).unwrap_or_default()
    }

    /// Records the registration; tells whether rows must be looked at afresh.
    pub(crate) fn register(&mut self, e: &PartnershipRegistered) -> bool {
        let rules = EffectiveRules::of(e.rules.as_ref());
        let mut areas: Vec<AreaCode> = Vec::with_capacity(e.areas.len());
        for a in &e.areas {
            if !areas.contains(a) {
                areas.push(a.clone());
            }
        }
        let fresh = self.registration.as_ref().is_none_or(|old| old.rules != rules);
        self.registration = Some(Registration { name: e.name.clone(), areas, rules, iag: e.iag.clone() });
        fresh
    }

    pub(crate) fn add_offer(&mut self, key: &OfferKey, offer: &Offer, enrolled: Option<u32>, touch: &mut Touch) {
        let cell = offer.cell();
        touch.cell(cell, self.cells.get(&cell));
        touch.keys.insert(offer.duplication_key());
        let agg = self.cells.entry_or_default(cell);
        agg.supply += u64::from(offer.places);
        agg.enrolled += u64::from(enrolled.unwrap_or(0));
        agg.offers.insert(key.clone(), offer.places);
        let seat = Seat { places: offer.places, enrolled };
        self.keys.entry_or_default(offer.duplication_key()).insert(key.clone(), seat);
        Arc::make_mut(self.live.entry(key.ukprn().clone()).or_default()).insert(key.clone());
    }

    /// Undoes [`Partnership::add_offer`]; the caller passes the same offer and report.
    pub(crate) fn remove_offer(&mut self, key: &OfferKey, offer: &Offer, enrolled: Option<u32>, touch: &mut Touch) {
        let cell = offer.cell();
        touch.cell(cell, self.cells.get(&cell));
        touch.keys.insert(offer.duplication_key());
        let take = |agg: &mut CellAgg| {
            agg.supply = agg.supply.saturating_sub(u64::from(offer.places));
            agg.enrolled = agg.enrolled.saturating_sub(u64::from(enrolled.unwrap_or(0)));
            agg.offers.remove(key);
        };
        self.cells.update(&cell, take, CellAgg::is_empty);
        self.keys.update(&offer.duplication_key(), |s| _ = s.remove(key), BTreeMap::is_empty);
        if let Some(set) = self.live.get_mut(key.ukprn()) {
            Arc::make_mut(set).remove(key);
            if set.is_empty() {
                self.live.remove(key.ukprn());
            }
        }
    }

    /// Creates or replaces a need; `mode`, `area` and `note` do not narrow the cell.
    pub(crate) fn identify(&mut self, e: &NeedIdentified, touch: &mut Touch) {
        self.withdraw_need(&e.need_id, touch);
        let cell = Cell {
            academic_year: (&e.academic_year).into(),
            subject: e.subject,
            level: e.level,
            age_group: e.age_group,
        };
        touch.demand(cell, self.cells.get(&cell));
        let agg = self.cells.entry_or_default(cell);
        agg.demand += u64::from(e.learners);
        agg.needs.insert(e.need_id.clone());
        let detail = NeedDetail { evidence: e.evidence, mode: e.mode, area: e.area.clone(), note: e.note.clone() };
        self.needs.insert(e.need_id.clone(), Need { cell, learners: e.learners, detail: Arc::new(detail) });
    }

    pub(crate) fn withdraw_need(&mut self, need_id: &LocalId, touch: &mut Touch) {
        let Some(need) = self.needs.remove(need_id) else { return };
        touch.demand(need.cell, self.cells.get(&need.cell));
        let take = |agg: &mut CellAgg| {
            agg.demand = agg.demand.saturating_sub(u64::from(need.learners));
            agg.needs.remove(need_id);
        };
        self.cells.update(&need.cell, take, CellAgg::is_empty);
    }

    /// Creates or replaces a target, counting its `current` from the cells as they are now.
    pub(crate) fn set_target(&mut self, e: &TargetSet, touch: &mut Touch) {
        let mut target = Target {
            academic_year: (&e.academic_year).into(),
            measure: e.measure,
            value: e.value,
            subject: e.subject,
            level: e.level,
            age_group: e.age_group,
            title: e.title.clone(),
            current: 0,
            shown: None,
        };
        let matching = self.cells.iter().filter(|(cell, _)| target.matches(cell));
        target.current = matching.map(|(_, agg)| target.measured(agg.totals())).sum();
        if let Some(old) = self.targets.remove(&e.target_id) {
            target.shown = old.shown;
            if let Some(ids) = self.targets_by_year.get_mut(&old.academic_year) {
                ids.remove(&e.target_id);
                if ids.is_empty() {
                    self.targets_by_year.remove(&old.academic_year);
                }
            }
        }
        self.targets_by_year.entry(target.academic_year).or_default().insert(e.target_id.clone());
        self.targets.insert(e.target_id.clone(), target);
        touch.targets.insert(e.target_id.clone());
    }

    /// Moves the targets matching `cell` by what the event did to its totals.
    pub(crate) fn shift_targets(&mut self, cell: &Cell, before: Totals, touched: &mut BTreeSet<LocalId>) {
        let after = self.cells.get(cell).map(|agg| agg.totals()).unwrap_or_default();
        if after == before {
            return;
        }
        let Some(ids) = self.targets_by_year.get(&cell.academic_year) else {
            return;
        };
        for id in ids {
            let Some(t) = self.targets.get_mut(id) else { continue };
            if t.matches(cell) {
                // `before` is part of `current`, so taking it away first cannot go below zero.
                t.current = t.current.saturating_sub(t.measured(before)) + t.measured(after);
                touched.insert(id.clone());
            }
        }
    }
}
