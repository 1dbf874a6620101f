//! Targets: a goal for places or enrolments over the partnership's offers of one year,
//! optionally narrowed to a subject, level and age group.
//!
//! `current` is computed once when a target is set, then moved by the difference each event
//! makes to the supply and enrolled of the cells it matches, so an event costs the targets of
//! its cells' years, never a pass over the partnership's offers.

use crate::keys::{Cell, Year};
use crate::partnership::{Partnership, Totals, Touch};
use crate::rows::TargetRow;
use provisio_events::TargetSet;
use provisio_events::vocab::{AgeGroup, Level, LocalId, Measure, SubjectCode};
use std::collections::BTreeSet;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) academic_year: Year,
    measure: Measure,
    value: u32,
    subject: Option<SubjectCode>,
    level: Option<Level>,
    age_group: Option<AgeGroup>,
    title: Option<String>,
    current: u64,
    /// The row last published; `None` while the partnership is not registered.
    pub(crate) shown: Option<Arc<TargetRow>>,
}

impl Target {
    pub(crate) fn matches(&self, cell: &Cell) -> bool {
        cell.academic_year == self.academic_year
            && self.subject.is_none_or(|s| s == cell.subject)
            && self.level.is_none_or(|l| l == cell.level)
            && self.age_group.is_none_or(|a| a == cell.age_group)
    }

    fn measured(&self, totals: Totals) -> u64 {
        match self.measure {
            Measure::Places => totals.supply,
            Measure::Enrolled => totals.enrolled,
        }
    }

    pub(crate) fn row(&self, target_id: &LocalId) -> TargetRow {
        TargetRow {
            target_id: target_id.clone(),
            academic_year: self.academic_year,
            measure: self.measure,
            value: self.value,
            subject: self.subject,
            level: self.level,
            age_group: self.age_group,
            title: self.title.clone(),
            current: self.current,
            progress: self.current as f64 / f64::from(self.value),
        }
    }
}

impl Partnership {
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
