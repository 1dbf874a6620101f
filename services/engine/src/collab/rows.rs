//! The answers of CONTRACT section 8, serialised exactly as the contract writes them: members,
//! proposal summaries and proposal details.

use crate::diff::{Changes, Summary};
use provisio_events::DraftChange;
use provisio_events::RowKey;
use provisio_events::vocab::{Date, Decision, LocalId, MemberId, MemberKind, ProposalKind, Stance, Ukprn};
use serde::Serialize;

/// A member of a partnership, current or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberRow {
    pub member_id: MemberId,
    pub name: String,
    pub kind: MemberKind,
    pub ukprn: Option<Ukprn>,
    pub current: bool,
}

/// Derived status of a proposal: `open` (no decision, or `deferred`), `rejected`, `agreed`,
/// `done`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProposalStatus {
    Open,
    Rejected,
    Agreed,
    Done,
}

impl ProposalStatus {
    pub const ALL: [ProposalStatus; 4] =
        [ProposalStatus::Open, ProposalStatus::Rejected, ProposalStatus::Agreed, ProposalStatus::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Open => "open",
            ProposalStatus::Rejected => "rejected",
            ProposalStatus::Agreed => "agreed",
            ProposalStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

/// Latest responses of the current members, or as they were when the proposal was decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub support: u32,
    pub object: u32,
    pub abstain: u32,
}

impl Tally {
    pub(crate) fn count(&mut self, stance: Stance) {
        match stance {
            Stance::Support => self.support += 1,
            Stance::Object => self.object += 1,
            Stance::Abstain => self.abstain += 1,
        }
    }
}

/// Whether a row a proposal addresses is in its report now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Addressed {
    pub key: RowKey,
    pub open: bool,
}

/// The summary's `impact`: the figures of the impact's changes object only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImpactSummary {
    pub summary: Summary,
}

/// The summary's `fulfilment`: how many changes are done, of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FulfilmentCount {
    pub done: usize,
    pub of: usize,
}

/// One change of a proposal and whether it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FulfilmentEntry {
    pub index: usize,
    pub done: bool,
}

/// A row of `GET …/proposals`, and the row of a `proposal.changed`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalSummary {
    pub proposal_id: LocalId,
    pub member_id: MemberId,
    pub title: String,
    pub kind: ProposalKind,
    pub status: ProposalStatus,
    pub tally: Tally,
    pub addresses: Vec<RowKey>,
    pub addressed: Vec<Addressed>,
    pub impact: ImpactSummary,
    pub fulfilment: FulfilmentCount,
    pub made_position: u64,
    pub decided_position: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseRow {
    pub member_id: MemberId,
    pub stance: Stance,
    pub comment: Option<String>,
    pub position: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionRow {
    pub decision: Decision,
    pub note: Option<String>,
    pub position: u64,
}

/// An event about the proposal that could not apply when it was applied, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IgnoredRow {
    pub position: u64,
    #[serde(rename = "type")]
    pub event_type: &'static str,
    pub member_id: Option<MemberId>,
    pub reason: String,
}

/// `GET …/proposals/{proposal_id}`: the summary's fields with the whole impact and the
/// fulfilment entries, plus the changes, responses, decision and ignored events. `summary`
/// and `due` are the made event's own optional fields, shown where the proposal is read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalDetail {
    pub proposal_id: LocalId,
    pub member_id: MemberId,
    pub title: String,
    pub kind: ProposalKind,
    pub status: ProposalStatus,
    pub tally: Tally,
    pub addresses: Vec<RowKey>,
    pub addressed: Vec<Addressed>,
    pub impact: Changes,
    pub fulfilment: Vec<FulfilmentEntry>,
    pub made_position: u64,
    pub decided_position: Option<u64>,
    pub summary: Option<String>,
    pub due: Option<Date>,
    pub changes: Vec<DraftChange>,
    pub responses: Vec<ResponseRow>,
    pub decision: Option<DecisionRow>,
    pub ignored: Vec<IgnoredRow>,
}
