//! What each proposal's state follows from the reports (CONTRACT section 8, "derived"):
//! fulfilment of each change against the partnership's live offers, whether each addressed
//! row is open, the impact of the changes not yet done, and `done` once every change is.

use super::rows::{
    Addressed, FulfilmentCount, FulfilmentEntry, ImpactSummary, MemberRow, ProposalDetail, ProposalStatus,
    ProposalSummary,
};
use super::state::{Collab, Derived, Proposal};
use crate::Engine;
use crate::diff::{Changes, Figures};
use crate::keys::{Cell, OfferId, Year};
use crate::partnership::Partnership;
use provisio_events::vocab::{LocalId, PartnershipId, ReportKind, Ukprn, Vocab};
use provisio_events::{DraftChange, RowKey};
use std::sync::Arc;

impl Engine {
    /// The derived state of one proposal of partnership `id`, against the current state, whose
    /// figures are `now`.
    pub(crate) fn derive(&self, id: &PartnershipId, now: Figures, p: &Proposal) -> Derived {
        let partnership = self.partnerships.get(id).map(|p| &**p).filter(|p| p.registration.is_some());
        let fulfilment: Vec<bool> = p.made.changes.iter().map(|c| self.is_done(partnership, c)).collect();
        let addressed = p.made.addresses.iter().map(|k| partnership.is_some_and(|q| is_open(q, k))).collect();
        let pending = p.drafts.iter().zip(&fulfilment).filter(|(_, done)| !**done).map(|(draft, _)| draft);
        let impact = Arc::new(self.what_if_from(id.as_str(), now, pending));
        Derived { fulfilment, addressed, impact }
    }

    /// An offered change is done when an offer live here has its UKPRN and offer id, the same
    /// cell and mode and at least its places; a withdrawn one when that offer is not live here.
    fn is_done(&self, partnership: Option<&Partnership>, change: &DraftChange) -> bool {
        let live = |ukprn: &Ukprn, offer_id: &LocalId| {
            let key = OfferId::new(ukprn.clone(), offer_id.clone());
            let here = partnership.and_then(|p| p.live.get(ukprn)).is_some_and(|set| set.contains(&key));
            here.then(|| self.world.offers.get(&key)).flatten()
        };
        match change {
            DraftChange::Offered(e) => live(&e.ukprn, &e.offer.offer_id).is_some_and(|o| {
                o.academic_year == Year::of(&e.academic_year)
                    && o.subject == e.offer.subject
                    && o.level == e.offer.level
                    && o.age_group == e.offer.age_group
                    && o.mode == e.offer.mode
                    && o.places >= e.offer.places
            }),
            DraftChange::Withdrawn(e) => live(&e.ukprn, &e.offer_id).is_none(),
        }
    }
}

/// Whether the row is in its report now.
fn is_open(p: &Partnership, key: &RowKey) -> bool {
    let cell = Cell {
        academic_year: Year::of(&key.academic_year),
        subject: key.subject,
        level: key.level,
        age_group: key.age_group,
    };
    match (key.report, key.mode) {
        (ReportKind::Gap, _) => p.gaps.get(&cell).is_some(),
        (ReportKind::Duplication, Some(mode)) => p.duplications.get(&cell.with_mode(mode)).is_some(),
        (ReportKind::Duplication, None) => false,
    }
}

impl Collab {
    /// Takes the freshly derived state; an agreed proposal with changes is done once all are.
    pub(crate) fn settle(p: &mut Proposal, derived: Derived) {
        let all_done = !derived.fulfilment.is_empty() && derived.fulfilment.iter().all(|d| *d);
        if p.status == ProposalStatus::Agreed && all_done {
            p.status = ProposalStatus::Done;
        }
        p.derived = Some(derived);
    }

    pub(crate) fn member_rows(&self) -> Vec<MemberRow> {
        let rows = self.members.iter().map(|(id, m)| MemberRow {
            member_id: id.clone(),
            name: m.name.clone(),
            kind: m.kind,
            ukprn: m.ukprn.clone(),
            current: m.current,
        });
        rows.collect()
    }

    pub(crate) fn summary(&self, proposal_id: &LocalId, p: &Proposal) -> ProposalSummary {
        let derived = p.derived.as_ref();
        let fulfilment = derived.map(|d| d.fulfilment.as_slice()).unwrap_or_default();
        ProposalSummary {
            proposal_id: proposal_id.clone(),
            member_id: p.made.member_id.clone(),
            title: p.made.title.clone(),
            kind: p.made.kind,
            status: p.status,
            tally: self.tally(p),
            addresses: p.made.addresses.clone(),
            addressed: addressed(p),
            impact: ImpactSummary {
                summary: derived.map_or_else(|| Changes::none(0).summary, |d| d.impact.summary.clone()),
            },
            fulfilment: FulfilmentCount { done: fulfilment.iter().filter(|d| **d).count(), of: p.made.changes.len() },
            made_position: p.made_position,
            decided_position: p.decision.as_ref().map(|d| d.position),
        }
    }

    /// The proposal in full, its impact counted from `position`, the answer's.
    pub(crate) fn detail(&self, proposal_id: &LocalId, p: &Proposal, position: u64) -> ProposalDetail {
        use super::rows::{DecisionRow, IgnoredRow, ResponseRow};
        let summary = self.summary(proposal_id, p);
        let fulfilment = p.derived.as_ref().map(|d| d.fulfilment.clone()).unwrap_or_default();
        let responses = p.responses.iter().filter(|(m, _)| self.is_current(m)).map(|(m, r)| ResponseRow {
            member_id: m.clone(),
            stance: r.stance,
            comment: r.comment.clone(),
            position: r.position,
        });
        let ignored = self.ignored.get(proposal_id).into_iter().flatten().map(|i| IgnoredRow {
            position: i.position,
            event_type: i.event_type.as_str(),
            member_id: i.member_id.clone(),
            reason: i.reason.clone(),
        });
        ProposalDetail {
            proposal_id: summary.proposal_id,
            member_id: summary.member_id,
            title: summary.title,
            kind: summary.kind,
            status: summary.status,
            tally: summary.tally,
            addresses: summary.addresses,
            addressed: summary.addressed,
            impact: impact(p, position),
            fulfilment: fulfilment
                .into_iter()
                .enumerate()
                .map(|(index, done)| FulfilmentEntry { index, done })
                .collect(),
            made_position: summary.made_position,
            decided_position: summary.decided_position,
            summary: p.made.summary.clone(),
            due: p.made.due.clone(),
            changes: p.made.changes.clone(),
            responses: responses.collect(),
            decision: p.decision.as_ref().map(|d| DecisionRow {
                decision: d.decision,
                note: d.note.clone(),
                position: d.position,
            }),
            ignored: ignored.collect(),
        }
    }
}

fn addressed(p: &Proposal) -> Vec<Addressed> {
    let open = p.derived.as_ref().map(|d| d.addressed.as_slice()).unwrap_or_default();
    let keys = p.made.addresses.iter().enumerate();
    keys.map(|(i, key)| Addressed { key: key.clone(), open: open.get(i).copied().unwrap_or(false) }).collect()
}

/// The impact with `from` set to the answer's position.
fn impact(p: &Proposal, from: u64) -> Changes {
    let mut changes = p.derived.as_ref().map(|d| (*d.impact).clone()).unwrap_or_else(|| Changes::none(from));
    changes.from = from;
    changes
}
