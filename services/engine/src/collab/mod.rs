//! Members and collaboration (CONTRACT section 8): who belongs to a partnership, what they
//! propose, how they respond, what the partnership decides, and what follows from the reports
//! for each proposal: status, tally, impact, fulfilment and the rows it addresses.
//!
//! The proposals' own events are applied in log order by [`state`]; their derived state is
//! recomputed by [`derive`] after every event that may have moved it: an event about the
//! partnership's members or proposals, an event that touched the partnership's reports, or an
//! event of a provider that one of its proposals' changes is about. Partnerships without
//! proposals cost nothing, so the providers' events stay as cheap as before.

mod derive;
mod rows;
mod state;

pub use rows::{
    Addressed, DecisionRow, FulfilmentCount, FulfilmentEntry, IgnoredRow, ImpactSummary, MemberRow, ProposalDetail,
    ProposalStatus, ProposalSummary, ResponseRow, Tally,
};
pub(crate) use state::{Collab, DecisionRecord, Derived, Ignored, Member, Proposal, Response};

use crate::Engine;
use crate::change::{Change, ChangeKey, ChangeKind, Row};
use provisio_events::vocab::{LocalId, PartnershipId, Ukprn, Vocab};
use provisio_events::{Event, Payload};
use std::collections::BTreeSet;
use std::sync::Arc;

impl Engine {
    /// Applies a member or proposal event, then recomputes the derived state of the proposals
    /// of every partnership the event may have moved, and answers a `proposal.changed` for
    /// every summary that changed. `touched`: the partnerships whose reports the event reached.
    pub(crate) fn follow_proposals(
        &mut self,
        position: u64,
        event: &Event,
        touched: Vec<PartnershipId>,
    ) -> Vec<Change> {
        let mut moved: BTreeSet<PartnershipId> = touched.into_iter().collect();
        if let Some(id) = partnership_of(&event.payload) {
            Arc::make_mut(self.collab.entry(id.clone()).or_default()).apply(position, event);
            moved.insert(id.clone());
        }
        if let Some(ukprn) = provider_of(&event.payload) {
            let about = self.collab.iter().filter(|(_, c)| c.draft_ukprns.contains(ukprn));
            moved.extend(about.map(|(id, _)| id.clone()));
        }
        let mut changes = Vec::new();
        for id in moved {
            changes.extend(self.rederive(&id, position));
        }
        changes
    }

    /// Recomputes every proposal of partnership `id`, and publishes the summaries that moved.
    pub(crate) fn rederive(&mut self, id: &PartnershipId, position: u64) -> Vec<Change> {
        let Some(collab) = self.collab.get(id).filter(|c| !c.proposals.is_empty()) else { return Vec::new() };
        let now = crate::diff::Figures::of(self, id.as_str());
        let derived: Vec<_> = collab.proposals.iter().map(|(pid, p)| (pid.clone(), self.derive(id, now, p))).collect();
        let shown = self.partnerships.get(id).is_some_and(|p| p.registration.is_some());
        let Some(collab) = self.collab.get_mut(id).map(Arc::make_mut) else { return Vec::new() };
        let mut changes = Vec::new();
        for (proposal_id, d) in derived {
            let Some(p) = collab.proposals.get_mut(&proposal_id) else { continue };
            Collab::settle(p, d);
            let Some(p) = collab.proposals.get(&proposal_id) else { continue };
            let summary = shown.then(|| Arc::new(collab.summary(&proposal_id, p)));
            if summary.is_none() || p.shown.as_deref() == summary.as_deref() {
                continue;
            }
            if let Some(p) = collab.proposals.get_mut(&proposal_id) {
                p.shown = summary.clone();
            }
            changes.push(Change {
                partnership_id: id.clone(),
                position,
                kind: ChangeKind::ProposalChanged,
                key: ChangeKey::Proposal { proposal_id },
                row: summary.map(Row::Proposal),
            });
        }
        changes
    }

    fn collab_of(&self, id: &str) -> Option<Option<&Collab>> {
        self.registered(id)?;
        let id = PartnershipId::parse(id)?;
        Some(self.collab.get(&id).map(|c| &**c))
    }

    /// The partnership's members, current or not, by member id; `None` when the partnership
    /// is not registered.
    pub fn members(&self, id: &str) -> Option<Vec<MemberRow>> {
        Some(self.collab_of(id)?.map(Collab::member_rows).unwrap_or_default())
    }

    /// The partnership's proposals, of one status if given, newest `made_position` first.
    pub fn proposals(&self, id: &str, status: Option<ProposalStatus>) -> Option<Vec<ProposalSummary>> {
        let Some(collab) = self.collab_of(id)? else { return Some(Vec::new()) };
        let wanted = collab.proposals.iter().filter(|(_, p)| status.is_none_or(|s| p.status == s));
        let mut rows: Vec<_> = wanted.map(|(pid, p)| collab.summary(pid, p)).collect();
        rows.sort_by(|a, b| b.made_position.cmp(&a.made_position).then_with(|| a.proposal_id.cmp(&b.proposal_id)));
        Some(rows)
    }

    /// One proposal in full; `None` when it or the partnership does not exist.
    pub fn proposal(&self, id: &str, proposal_id: &str) -> Option<ProposalDetail> {
        let collab = self.collab_of(id)??;
        let (pid, p) = collab.proposals.get_key_value(&LocalId::parse(proposal_id)?)?;
        Some(collab.detail(pid, p, self.position))
    }
}

/// The partnership a member or proposal event is about.
pub(crate) fn partnership_of(payload: &Payload) -> Option<&PartnershipId> {
    match payload {
        Payload::MemberJoined(e) => Some(&e.partnership_id),
        Payload::MemberLeft(e) => Some(&e.partnership_id),
        Payload::ProposalMade(e) => Some(&e.partnership_id),
        Payload::ProposalResponded(e) => Some(&e.partnership_id),
        Payload::ProposalDecided(e) => Some(&e.partnership_id),
        _ => None,
    }
}

/// The provider a provider event is about.
fn provider_of(payload: &Payload) -> Option<&Ukprn> {
    match payload {
        Payload::ProviderRegistered(e) => Some(&e.ukprn),
        Payload::VenueRegistered(e) => Some(&e.ukprn),
        Payload::ProvisionOffered(e) => Some(&e.ukprn),
        Payload::ProvisionWithdrawn(e) => Some(&e.ukprn),
        Payload::EnrolmentReported(e) => Some(&e.ukprn),
        Payload::CurriculumPublished(e) => Some(&e.ukprn),
        _ => None,
    }
}
