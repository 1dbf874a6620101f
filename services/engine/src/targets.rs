//! Targets: a goal for places or enrolments over the partnership's offers of one year,
//! optionally narrowed to a subject, level and age group.
//!
//! `current` is computed once when a target is set, then moved by the difference each event
//! makes to the supply and enrolled of the cells it matches, so an event costs the targets of
//! its cells' years, never a pass over the partnership's offers.

use crate::keys::{Cell, Year};
use crate::rows::TargetRow;
use provisio_events::vocab::{AgeGroup, Level, LocalId, Measure, SubjectCode};
use std::sync::Arc;

/// A cell's supply and enrolled before an event touched it, so targets can take the difference.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Totals {
    pub(crate) supply: u64,
    pub(crate) enrolled: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Target {
    pub(crate) academic_year: Year,
    pub(crate) measure: Measure,
    pub(crate) value: u32,
    pub(crate) subject: Option<SubjectCode>,
    pub(crate) level: Option<Level>,
    pub(crate) age_group: Option<AgeGroup>,
    pub(crate) title: Option<String>,
    pub(crate) current: u64,
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

    pub(crate) fn measured(&self, totals: Totals) -> u64 {
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
