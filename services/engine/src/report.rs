//! Gap and duplication rows from a partnership's aggregates (CONTRACT section 3), and the
//! settling step that recomputes the rows an event touched and says which of them changed.

use crate::change::{Change, ChangeKey, ChangeKind, Row, transition};
use crate::keys::{Cell, DuplicationKey};
use crate::partnership::{Partnership, Seat, Touch};
use crate::rows::{DuplicationOffer, DuplicationRow, DuplicationSeverity, GapOffer, GapRow, GapSeverity};
use provisio_events::vocab::{PartnershipId, Ukprn};
use std::sync::Arc;

impl Partnership {
    /// The cell's gap row, if demand exceeds supply.
    fn gap_row(&self, cell: Cell) -> Option<GapRow> {
        let agg = self.cells.get(&cell)?;
        let (demand, supply) = (agg.demand, agg.supply);
        if demand <= supply {
            return None;
        }
        // Integer comparisons, so the 0.5 boundary is exact.
        let severity = match supply {
            0 => GapSeverity::Critical,
            s if 2 * s < demand => GapSeverity::High,
            _ => GapSeverity::Moderate,
        };
        let offers = agg.offers.iter().map(|(k, &places)| GapOffer { id: k.clone(), places });
        let Cell { academic_year, subject, level, age_group } = cell;
        Some(GapRow {
            academic_year,
            subject,
            level,
            age_group,
            demand,
            supply,
            unmet: demand - supply,
            coverage: supply as f64 / demand as f64,
            severity,
            needs: agg.needs.iter().cloned().collect(),
            offers: offers.collect(),
            interest: agg.interest,
        })
    }

    /// The key's duplication row, if it has two providers and a surplus or a low fill rate.
    fn duplication_row(&self, key: DuplicationKey) -> Option<DuplicationRow> {
        let live = self.keys.get(&key)?;
        let mut providers: Vec<Ukprn> = Vec::new();
        for k in live.keys() {
            // The map is ordered by UKPRN first, so a new provider differs from the last one.
            if providers.last() != Some(k.ukprn()) {
                providers.push(k.ukprn().clone());
            }
        }
        if providers.len() < 2 {
            return None;
        }
        let rules = self.rules();
        let demand = self.cells.get(&key.cell()).map_or(0, |agg| agg.demand);
        let (mut supply, mut reported_places, mut reported_enrolled) = (0u64, 0u64, 0u64);
        let mut small_group = false;
        let mut offers = Vec::with_capacity(live.len());
        for (k, &Seat { places, enrolled }) in live {
            supply += u64::from(places);
            if let Some(e) = enrolled {
                reported_places += u64::from(places);
                reported_enrolled += u64::from(e);
                small_group |= e < rules.min_group_size;
            }
            let fill_rate = enrolled.map(|e| f64::from(e) / f64::from(places));
            offers.push(DuplicationOffer { id: k.clone(), places, enrolled, fill_rate });
        }
        let surplus = supply as i64 - demand as i64;
        // Dividing instead of multiplying keeps decimal boundaries exact: 2/10 rounds to the
        // same double as the tolerance 0.2 that was parsed from the event.
        let surplus_beyond = demand == 0 || surplus as f64 / demand as f64 > rules.surplus_tolerance;
        let fill_rate = (reported_places > 0).then(|| reported_enrolled as f64 / reported_places as f64);
        let under_filled = fill_rate.is_some_and(|f| f < rules.viable_fill_rate);
        if !(surplus_beyond || under_filled) {
            return None;
        }
        let severity =
            if under_filled || small_group { DuplicationSeverity::Wasteful } else { DuplicationSeverity::Overlap };
        let DuplicationKey { academic_year, subject, level, age_group, mode } = key;
        Some(DuplicationRow {
            academic_year,
            subject,
            level,
            age_group,
            mode,
            providers,
            offers,
            supply,
            demand,
            surplus,
            fill_rate,
            severity,
        })
    }

    /// Rebuilds the published rows from the aggregates, as `settle` leaves them after every
    /// event: what an engine image does not store.
    pub(crate) fn republish(&mut self) {
        let shown = self.registration.is_some();
        let cells: Vec<Cell> = self.cells.iter().map(|(cell, _)| *cell).collect();
        for cell in cells {
            if let Some(row) = self.gap_row(cell).filter(|_| shown) {
                self.gaps.insert(cell, row);
            }
        }
        let keys: Vec<DuplicationKey> = self.keys.iter().map(|(key, _)| *key).collect();
        for key in keys {
            if let Some(row) = self.duplication_row(key).filter(|_| shown) {
                self.duplications.insert(key, row);
            }
        }
        for (target_id, target) in &mut self.targets {
            target.shown = shown.then(|| Arc::new(target.row(target_id)));
        }
    }

    /// Brings targets and published rows up to date with what the event touched, and appends
    /// a change for every row that appeared, changed or disappeared: gaps, then duplications,
    /// then targets, each in key order.
    pub(crate) fn settle(&mut self, id: &PartnershipId, mut touch: Touch, position: u64) -> Vec<Change> {
        if touch.everything {
            for (cell, agg) in self.cells.iter() {
                touch.cells.entry(*cell).or_insert_with(|| agg.totals());
            }
            touch.keys.extend(self.keys.iter().map(|(key, _)| *key));
            touch.targets.extend(self.targets.keys().cloned());
        }
        for (cell, before) in &touch.cells {
            self.shift_targets(cell, *before, &mut touch.targets);
        }
        let shown = self.registration.is_some();
        let change = |kind, key, row| Change { partnership_id: id.clone(), position, kind, key, row };
        let mut changes = Vec::new();
        for &cell in touch.cells.keys() {
            let new = self.gap_row(cell).filter(|_| shown);
            let Some(t) = transition(self.gaps.get(&cell), new.as_ref()) else { continue };
            let new = new.map(Arc::new);
            match &new {
                Some(row) => self.gaps.insert(cell, row.clone()),
                None => self.gaps.remove(&cell),
            };
            let kind = t.kind(ChangeKind::GapOpened, ChangeKind::GapChanged, ChangeKind::GapClosed);
            changes.push(change(kind, ChangeKey::Gap(cell), new.map(Row::Gap)));
        }
        for &key in &touch.keys {
            let new = self.duplication_row(key).filter(|_| shown);
            let Some(t) = transition(self.duplications.get(&key), new.as_ref()) else { continue };
            let new = new.map(Arc::new);
            match &new {
                Some(row) => self.duplications.insert(key, row.clone()),
                None => self.duplications.remove(&key),
            };
            use ChangeKind::{DuplicationChanged, DuplicationClosed, DuplicationOpened};
            let kind = t.kind(DuplicationOpened, DuplicationChanged, DuplicationClosed);
            changes.push(change(kind, ChangeKey::Duplication(key), new.map(Row::Duplication)));
        }
        for target_id in &touch.targets {
            let Some(target) = self.targets.get_mut(target_id) else { continue };
            // Targets never close: a partnership stays registered once it is.
            let new = shown.then(|| target.row(target_id)).filter(|row| target.shown.as_deref() != Some(row));
            if let Some(row) = new.map(Arc::new) {
                target.shown = Some(row.clone());
                let key = ChangeKey::Target { target_id: target_id.clone() };
                changes.push(change(ChangeKind::TargetChanged, key, Some(Row::Target(row))));
            }
        }
        changes
    }
}
