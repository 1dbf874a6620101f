//! The changes object of CONTRACT section 10: what lies between two states of a partnership's
//! reports, net (a row opened and closed again in between does not appear), rows in report
//! order. The states are two engines: the log replayed to two positions, or the current state
//! and a what-if clone of it.

use crate::Engine;
use crate::query::Filter;
use crate::rows::{DuplicationRow, DuplicationSeverity, GapRow, GapSeverity, TargetRow};
use provisio_events::vocab::LocalId;
use serde::Serialize;
use std::collections::HashMap;
use std::hash::Hash;

/// `{"from", "to", "gaps", "duplications", "targets", "summary"}`; `to` is `None` (JSON
/// `null`) for a state that is not in the log, as a what-if's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changes {
    pub from: u64,
    pub to: Option<u64>,
    pub gaps: RowChanges<GapRow>,
    pub duplications: RowChanges<DuplicationRow>,
    pub targets: TargetChanges,
    pub summary: Summary,
}

/// Rows that appeared, disappeared (as they were before) or changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowChanges<R> {
    pub opened: Vec<R>,
    pub closed: Vec<R>,
    pub changed: Vec<Changed<R>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changed<R> {
    pub before: R,
    pub after: R,
}

/// Targets never close.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetChanges {
    pub changed: Vec<TargetChanged>,
}

/// A target set in between has no `before` (JSON `null`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetChanged {
    pub before: Option<TargetRow>,
    pub after: TargetRow,
}

/// Figures of the two states, each a pair `[at from, at to]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub unmet: [u64; 2],
    pub gaps: [usize; 2],
    pub critical: [usize; 2],
    pub duplications: [usize; 2],
    pub wasteful: [usize; 2],
}

/// One state's rows of the partnership, in report order: none when it is not registered there.
struct Reports {
    gaps: Vec<GapRow>,
    duplications: Vec<DuplicationRow>,
    targets: Vec<TargetRow>,
}

impl Reports {
    fn of(engine: &Engine, id: &str) -> Self {
        let all = Filter::default();
        Reports {
            gaps: engine.gaps(id, &all).unwrap_or_default(),
            duplications: engine.duplications(id, &all).unwrap_or_default(),
            targets: engine.targets(id, &all).unwrap_or_default(),
        }
    }
}

/// Opened and changed rows in the order of `after`, closed ones in the order of `before`.
fn row_changes<R: Clone + PartialEq, K: Hash + Eq>(before: &[R], after: &[R], key: impl Fn(&R) -> K) -> RowChanges<R> {
    let earlier: HashMap<K, &R> = before.iter().map(|r| (key(r), r)).collect();
    let later: HashMap<K, &R> = after.iter().map(|r| (key(r), r)).collect();
    let mut changes = RowChanges { opened: Vec::new(), closed: Vec::new(), changed: Vec::new() };
    for row in after {
        match earlier.get(&key(row)) {
            None => changes.opened.push(row.clone()),
            Some(&old) if old != row => changes.changed.push(Changed { before: old.clone(), after: row.clone() }),
            Some(_) => {}
        }
    }
    changes.closed = before.iter().filter(|r| !later.contains_key(&key(r))).cloned().collect();
    changes
}

/// The headline figures of one state of a partnership's reports (CONTRACT section 10's
/// summary and history points).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Figures {
    pub gaps: usize,
    pub critical: usize,
    pub unmet: u64,
    pub duplications: usize,
    pub wasteful: usize,
    /// Targets with progress of 1 or more.
    pub targets_met: usize,
}

impl Figures {
    /// The figures of partnership `id` in this state; all 0 when it is not registered. Read
    /// from the published rows where they lie, without copying or sorting them.
    pub fn of(engine: &Engine, id: &str) -> Figures {
        let Some(p) = engine.registered(id) else { return Figures::default() };
        let targets = p.targets.values().filter_map(|t| t.shown.as_deref());
        Figures::of_rows(p.gaps.iter().map(|(_, r)| r), p.duplications.iter().map(|(_, r)| r), targets)
    }

    pub(crate) fn of_rows<'a>(
        gaps: impl IntoIterator<Item = &'a GapRow>,
        duplications: impl IntoIterator<Item = &'a DuplicationRow>,
        targets: impl IntoIterator<Item = &'a TargetRow>,
    ) -> Figures {
        let mut f = Figures::default();
        for g in gaps {
            f.gaps += 1;
            f.critical += usize::from(g.severity == GapSeverity::Critical);
            f.unmet += g.unmet;
        }
        for d in duplications {
            f.duplications += 1;
            f.wasteful += usize::from(d.severity == DuplicationSeverity::Wasteful);
        }
        f.targets_met = targets.into_iter().filter(|t| t.progress >= 1.0).count();
        f
    }

    /// These figures with the rows of `gone` taken out and those of `new` counted in; `gone`
    /// are rows these figures count, so nothing goes below zero.
    pub(crate) fn moved(self, gone: Figures, new: Figures) -> Figures {
        Figures {
            gaps: self.gaps - gone.gaps + new.gaps,
            critical: self.critical - gone.critical + new.critical,
            unmet: self.unmet - gone.unmet + new.unmet,
            duplications: self.duplications - gone.duplications + new.duplications,
            wasteful: self.wasteful - gone.wasteful + new.wasteful,
            targets_met: self.targets_met - gone.targets_met + new.targets_met,
        }
    }
}

impl Reports {
    fn figures(&self) -> Figures {
        Figures::of_rows(&self.gaps, &self.duplications, &self.targets)
    }
}

impl Summary {
    /// The pairs `[at from, at to]` of two states' figures.
    pub(crate) fn of(f: Figures, t: Figures) -> Summary {
        Summary {
            unmet: [f.unmet, t.unmet],
            gaps: [f.gaps, t.gaps],
            critical: [f.critical, t.critical],
            duplications: [f.duplications, t.duplications],
            wasteful: [f.wasteful, t.wasteful],
        }
    }
}

impl Changes {
    /// Nothing at all: no rows and every figure 0.
    pub fn none(from: u64) -> Changes {
        Changes {
            from,
            to: None,
            gaps: RowChanges { opened: Vec::new(), closed: Vec::new(), changed: Vec::new() },
            duplications: RowChanges { opened: Vec::new(), closed: Vec::new(), changed: Vec::new() },
            targets: TargetChanges { changed: Vec::new() },
            summary: Summary { unmet: [0, 0], gaps: [0, 0], critical: [0, 0], duplications: [0, 0], wasteful: [0, 0] },
        }
    }

    /// The changes of partnership `id`'s reports from state `from` (at position `from.0`) to
    /// state `to`.
    pub fn between(id: &str, from: (u64, &Engine), to: (Option<u64>, &Engine)) -> Changes {
        let (before, after) = (Reports::of(from.1, id), Reports::of(to.1, id));
        let earlier: HashMap<&LocalId, &TargetRow> = before.targets.iter().map(|t| (&t.target_id, t)).collect();
        let targets = after
            .targets
            .iter()
            .filter(|t| earlier.get(&t.target_id).is_none_or(|old| *old != *t))
            .map(|t| TargetChanged { before: earlier.get(&t.target_id).map(|old| (*old).clone()), after: t.clone() })
            .collect();
        Changes {
            from: from.0,
            to: to.0,
            gaps: row_changes(&before.gaps, &after.gaps, GapRow::cell),
            duplications: row_changes(&before.duplications, &after.duplications, DuplicationRow::key),
            targets: TargetChanges { changed: targets },
            summary: Summary::of(before.figures(), after.figures()),
        }
    }
}
