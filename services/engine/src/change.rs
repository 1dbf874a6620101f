//! The change object of CONTRACT section 5: what one event did to one report row.

use crate::collab::ProposalSummary;
use crate::keys::{Cell, DuplicationKey};
use crate::rows::{DuplicationRow, GapRow, TargetRow};
use provisio_events::vocab::{LocalId, PartnershipId};
use serde::{Serialize, Serializer};
use std::fmt;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    GapOpened,
    GapChanged,
    GapClosed,
    DuplicationOpened,
    DuplicationChanged,
    DuplicationClosed,
    TargetChanged,
    /// Any field of a proposal's summary (CONTRACT section 8).
    ProposalChanged,
}

impl ChangeKind {
    /// The kind as the contract names it, also the last token of the NATS subject.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::GapOpened => "gap.opened",
            ChangeKind::GapChanged => "gap.changed",
            ChangeKind::GapClosed => "gap.closed",
            ChangeKind::DuplicationOpened => "duplication.opened",
            ChangeKind::DuplicationChanged => "duplication.changed",
            ChangeKind::DuplicationClosed => "duplication.closed",
            ChangeKind::TargetChanged => "target.changed",
            ChangeKind::ProposalChanged => "proposal.changed",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ChangeKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The key fields of the changed row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ChangeKey {
    Gap(Cell),
    Duplication(DuplicationKey),
    Target { target_id: LocalId },
    Proposal { proposal_id: LocalId },
}

/// A changed row, shared with the engine's copy of it rather than cloned.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Gap(Arc<GapRow>),
    Duplication(Arc<DuplicationRow>),
    Target(Arc<TargetRow>),
    Proposal(Arc<ProposalSummary>),
}

impl Serialize for Row {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Row::Gap(row) => row.serialize(s),
            Row::Duplication(row) => row.serialize(s),
            Row::Target(row) => row.serialize(s),
            Row::Proposal(row) => row.serialize(s),
        }
    }
}

/// Serialises to the change object `{"position", "kind", "key", "row"}`; the partnership is
/// carried beside it because the contract puts it in the subject and the URL, not the body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    #[serde(skip)]
    pub partnership_id: PartnershipId,
    pub position: u64,
    pub kind: ChangeKind,
    pub key: ChangeKey,
    /// `None` (JSON `null`) for `*.closed`.
    pub row: Option<Row>,
}

/// How a row went from `old` to `new`, if it changed at all.
pub(crate) fn transition<R: PartialEq>(old: Option<&R>, new: Option<&R>) -> Option<Transition> {
    match (old, new) {
        (None, Some(_)) => Some(Transition::Opened),
        (Some(a), Some(b)) if a != b => Some(Transition::Changed),
        (Some(_), None) => Some(Transition::Closed),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transition {
    Opened,
    Changed,
    Closed,
}

impl Transition {
    /// The change kind of this transition, for a row of the family the three kinds name.
    pub(crate) fn kind(self, opened: ChangeKind, changed: ChangeKind, closed: ChangeKind) -> ChangeKind {
        match self {
            Transition::Opened => opened,
            Transition::Changed => changed,
            Transition::Closed => closed,
        }
    }
}
