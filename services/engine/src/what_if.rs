//! What-if (CONTRACT section 10): the state the reports would reach if draft events were
//! applied after the current one, on a clone that shares everything the drafts do not touch
//! (copy-on-write), so the current state and every snapshot of it stay as they are.
//!
//! Incremental: applying an event reports every row whose value it moved (`settle`), so a row
//! no draft reported is the same in both states. Only the rows some draft reported are looked
//! up in the two states and compared, and the summary's second figures are the first ones
//! (counted over the published rows, nothing copied) with those rows taken out and put back
//! as they end. The answer equals [`Changes::between`] the two states, which reads and sorts
//! both whole reports (tests/it/what_if.rs compares them over random logs and drafts).

use crate::Engine;
use crate::change::{Change, ChangeKey};
use crate::diff::{Changed, Changes, Figures, RowChanges, Summary, TargetChanged, TargetChanges};
use crate::keys::{Cell, DuplicationKey};
use crate::partnership::Partnership;
use crate::query::{duplication_order, gap_order};
use provisio_events::Event;
use provisio_events::vocab::{LocalId, Vocab};
use std::collections::{BTreeSet, HashSet};

impl Engine {
    /// The changes of partnership `id`'s reports if `drafts` were applied now, in order, after
    /// the last applied position; `self` is left untouched and the clone is dropped.
    pub fn what_if<'a>(&self, id: &str, drafts: impl IntoIterator<Item = &'a Event>) -> Changes {
        self.what_if_from(id, Figures::of(self, id), drafts)
    }

    /// [`Engine::what_if`] with the current figures already counted (`now`); without drafts
    /// nothing is cloned.
    pub(crate) fn what_if_from<'a>(
        &self,
        id: &str,
        now: Figures,
        drafts: impl IntoIterator<Item = &'a Event>,
    ) -> Changes {
        let mut drafts = drafts.into_iter().peekable();
        let mut touched = Touched::default();
        let imagined = drafts.peek().is_some().then(|| {
            let mut imagined = self.clone();
            for (n, draft) in (1..).zip(drafts) {
                let (changes, _) = imagined.apply_reports(self.position + n, draft);
                touched.add(id, &changes);
            }
            imagined
        });
        let after = imagined.as_ref().unwrap_or(self);
        touched.changes(self.position, now, self.registered(id), after.registered(id))
    }
}

/// The keys of the rows of one partnership that some draft changed on the way.
#[derive(Default)]
struct Touched {
    gaps: HashSet<Cell>,
    duplications: HashSet<DuplicationKey>,
    /// Ordered as the target report is.
    targets: BTreeSet<LocalId>,
}

impl Touched {
    fn add(&mut self, id: &str, changes: &[Change]) {
        for change in changes.iter().filter(|c| c.partnership_id.as_str() == id) {
            match &change.key {
                ChangeKey::Gap(cell) => _ = self.gaps.insert(*cell),
                ChangeKey::Duplication(key) => _ = self.duplications.insert(*key),
                ChangeKey::Target { target_id } => _ = self.targets.insert(target_id.clone()),
                ChangeKey::Proposal { .. } => {}
            }
        }
    }

    /// The changes from `before` (counted `now`) to `after`, each the partnership in one
    /// state, `None` when it is not registered there.
    fn changes(&self, from: u64, now: Figures, before: Option<&Partnership>, after: Option<&Partnership>) -> Changes {
        let gaps = pairs(&self.gaps, before, after, |p, cell| p.gaps.get(cell));
        let duplications = pairs(&self.duplications, before, after, |p, key| p.duplications.get(key));
        let targets = pairs(&self.targets, before, after, |p, id| p.targets.get(id).and_then(|t| t.shown.as_deref()));
        let gone = Figures::of_rows(
            gaps.iter().filter_map(|(b, _)| *b),
            duplications.iter().filter_map(|(b, _)| *b),
            targets.iter().filter_map(|(b, _)| *b),
        );
        let new = Figures::of_rows(
            gaps.iter().filter_map(|(_, a)| *a),
            duplications.iter().filter_map(|(_, a)| *a),
            targets.iter().filter_map(|(_, a)| *a),
        );
        // Targets never close, so a target row is changed when it is there after and differs;
        // touched ids are in report order already.
        let targets = targets.into_iter().filter_map(|(before, after)| {
            let after = after.filter(|a| before != Some(*a))?;
            Some(TargetChanged { before: before.cloned(), after: after.clone() })
        });
        Changes {
            from,
            to: None,
            gaps: row_changes(gaps, gap_order),
            duplications: row_changes(duplications, duplication_order),
            targets: TargetChanges { changed: targets.collect() },
            summary: Summary::of(now, now.moved(gone, new)),
        }
    }
}

/// Each touched row as it is before and after.
fn pairs<'p, K: 'p, R>(
    keys: impl IntoIterator<Item = &'p K>,
    before: Option<&'p Partnership>,
    after: Option<&'p Partnership>,
    row: impl Fn(&'p Partnership, &K) -> Option<&'p R>,
) -> Vec<(Option<&'p R>, Option<&'p R>)> {
    keys.into_iter().map(|k| (before.and_then(|p| row(p, k)), after.and_then(|p| row(p, k)))).collect()
}

/// Opened and changed rows in report order after, closed ones in report order before, as
/// the whole reports compared would give them.
fn row_changes<R: Clone + PartialEq, O: Ord>(
    pairs: Vec<(Option<&R>, Option<&R>)>,
    order: impl Fn(&R) -> O,
) -> RowChanges<R> {
    let mut changes = RowChanges { opened: Vec::new(), closed: Vec::new(), changed: Vec::new() };
    for pair in pairs {
        match pair {
            (None, Some(after)) => changes.opened.push(after.clone()),
            (Some(before), None) => changes.closed.push(before.clone()),
            (Some(before), Some(after)) if before != after => {
                changes.changed.push(Changed { before: before.clone(), after: after.clone() })
            }
            _ => {}
        }
    }
    changes.opened.sort_by_key(|r| order(r));
    changes.closed.sort_by_key(|r| order(r));
    changes.changed.sort_by_key(|c| order(&c.after));
    changes
}
