//! A partnership's members and proposals, and the rules of CONTRACT section 8 that decide
//! whether a member or proposal event applies. An event that cannot apply when it is applied
//! has no effect and is kept, with its reason, under the proposal it names.

use super::rows::{ProposalStatus, Tally};
use crate::diff::Changes;
use provisio_events::vocab::{Decision, EventId, LocalId, MemberId, MemberKind, Stance, Ukprn, Vocab};
use provisio_events::{
    DraftChange, Event, EventType, MemberJoined, Payload, ProposalDecided, ProposalMade, ProposalResponded, Source,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    pub(crate) name: String,
    pub(crate) kind: MemberKind,
    pub(crate) ukprn: Option<Ukprn>,
    pub(crate) current: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Response {
    pub(crate) stance: Stance,
    pub(crate) comment: Option<String>,
    pub(crate) position: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DecisionRecord {
    pub(crate) decision: Decision,
    pub(crate) note: Option<String>,
    pub(crate) position: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ignored {
    pub(crate) position: u64,
    pub(crate) event_type: EventType,
    pub(crate) member_id: Option<MemberId>,
    pub(crate) reason: String,
}

/// What follows from the log's current state rather than from the proposal's own events:
/// recomputed whenever an event may have moved it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Derived {
    /// One per change, in order.
    pub(crate) fulfilment: Vec<bool>,
    /// One per addressed row, in order.
    pub(crate) addressed: Vec<bool>,
    /// `from` is the position it was computed at; answers give their own.
    pub(crate) impact: Arc<Changes>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Proposal {
    pub(crate) made: Arc<ProposalMade>,
    /// The changes as events, ready to be imagined applied (what-if).
    pub(crate) drafts: Arc<Vec<Event>>,
    pub(crate) made_position: u64,
    pub(crate) responses: BTreeMap<MemberId, Response>,
    pub(crate) decision: Option<DecisionRecord>,
    pub(crate) status: ProposalStatus,
    /// The tally when it was agreed or rejected.
    pub(crate) frozen: Option<Tally>,
    pub(crate) derived: Option<Derived>,
    /// The summary last published as `proposal.changed`.
    pub(crate) shown: Option<Arc<super::rows::ProposalSummary>>,
}

/// Members, proposals and ignored events of one partnership.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Collab {
    pub(crate) members: BTreeMap<MemberId, Member>,
    pub(crate) proposals: BTreeMap<LocalId, Proposal>,
    /// By the proposal id they name, whether or not that proposal exists (yet).
    pub(crate) ignored: BTreeMap<LocalId, Vec<Ignored>>,
    /// Providers whose offers the proposals' changes are about: their events can move the
    /// impact and fulfilment without touching any of the partnership's rows.
    pub(crate) draft_ukprns: BTreeSet<Ukprn>,
}

impl Collab {
    pub(crate) fn is_current(&self, member: &MemberId) -> bool {
        self.members.get(member).is_some_and(|m| m.current)
    }

    /// The tally over the latest response of each current member, unless frozen.
    pub(crate) fn tally(&self, p: &Proposal) -> Tally {
        if let Some(frozen) = p.frozen {
            return frozen;
        }
        let mut tally = Tally::default();
        for (member, r) in &p.responses {
            if self.is_current(member) {
                tally.count(r.stance);
            }
        }
        tally
    }

    /// Applies one member or proposal event.
    pub(crate) fn apply(&mut self, position: u64, event: &Event) {
        match &event.payload {
            Payload::MemberJoined(e) => self.join(e),
            Payload::MemberLeft(e) => {
                if let Some(m) = self.members.get_mut(&e.member_id) {
                    m.current = false;
                }
            }
            Payload::ProposalMade(e) => self.make(position, event, e),
            Payload::ProposalResponded(e) => self.respond(position, e),
            Payload::ProposalDecided(e) => self.decide(position, e),
            _ => {}
        }
    }

    fn join(&mut self, e: &MemberJoined) {
        let member = Member { name: e.name.clone(), kind: e.kind, ukprn: e.ukprn.clone(), current: true };
        self.members.insert(e.member_id.clone(), member);
    }

    fn ignore(&mut self, proposal_id: &LocalId, ignored: Ignored) {
        self.ignored.entry(proposal_id.clone()).or_default().push(ignored);
    }

    fn make(&mut self, position: u64, event: &Event, e: &ProposalMade) {
        let ignored = |reason: String| Ignored {
            position,
            event_type: EventType::ProposalMade,
            member_id: Some(e.member_id.clone()),
            reason,
        };
        if !self.is_current(&e.member_id) {
            let reason = format!("member {} is not a current member", e.member_id);
            return self.ignore(&e.proposal_id, ignored(reason));
        }
        if let Some(old) = self.proposals.get(&e.proposal_id) {
            let by_member = matches!(&event.source, Source::Member(..));
            let reason = if old.status != ProposalStatus::Open {
                Some(format!("the proposal is {}: only an open proposal can be replaced", old.status.as_str()))
            } else if by_member && old.made.member_id != e.member_id {
                Some(format!("only its proposer {} or the partnership can replace it", old.made.member_id))
            } else {
                None
            };
            if let Some(reason) = reason {
                return self.ignore(&e.proposal_id, ignored(reason));
            }
        }
        let drafts = e.changes.iter().map(|c| draft_event(event, c)).collect();
        let replaced = self.proposals.remove(&e.proposal_id);
        let proposal = Proposal {
            made: Arc::new(e.clone()),
            drafts: Arc::new(drafts),
            made_position: position,
            // A replacement clears the responses: they were to what it replaced.
            responses: BTreeMap::new(),
            decision: replaced.as_ref().and_then(|p| p.decision.clone()),
            status: ProposalStatus::Open,
            frozen: None,
            derived: None,
            shown: replaced.and_then(|p| p.shown),
        };
        self.proposals.insert(e.proposal_id.clone(), proposal);
        self.draft_ukprns =
            self.proposals.values().flat_map(|p| p.made.changes.iter().map(|c| c.ukprn().clone())).collect();
    }

    fn respond(&mut self, position: u64, e: &ProposalResponded) {
        let reason = if !self.is_current(&e.member_id) {
            Some(format!("member {} is not a current member", e.member_id))
        } else {
            match self.proposals.get(&e.proposal_id) {
                None => Some("no proposal with this id exists".to_owned()),
                Some(p) if p.status != ProposalStatus::Open => {
                    Some(format!("the proposal is {}: responses apply to an open proposal", p.status.as_str()))
                }
                Some(_) => None,
            }
        };
        if let Some(reason) = reason {
            let ignored = Ignored {
                position,
                event_type: EventType::ProposalResponded,
                member_id: Some(e.member_id.clone()),
                reason,
            };
            return self.ignore(&e.proposal_id, ignored);
        }
        if let Some(p) = self.proposals.get_mut(&e.proposal_id) {
            let response = Response { stance: e.stance, comment: e.comment.clone(), position };
            p.responses.insert(e.member_id.clone(), response);
        }
    }

    fn decide(&mut self, position: u64, e: &ProposalDecided) {
        let needs = match e.decision {
            Decision::Completed => ProposalStatus::Agreed,
            _ => ProposalStatus::Open,
        };
        let reason = match self.proposals.get(&e.proposal_id) {
            None => Some("no proposal with this id exists".to_owned()),
            Some(p) if p.status != needs => Some(format!(
                "the proposal is {}: {} applies to an {} proposal",
                p.status.as_str(),
                e.decision.as_str(),
                needs.as_str()
            )),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            let ignored = Ignored { position, event_type: EventType::ProposalDecided, member_id: None, reason };
            return self.ignore(&e.proposal_id, ignored);
        }
        let Some(p) = self.proposals.get(&e.proposal_id) else { return };
        let tally = self.tally(p);
        let Some(p) = self.proposals.get_mut(&e.proposal_id) else { return };
        p.decision = Some(DecisionRecord { decision: e.decision, note: e.note.clone(), position });
        match e.decision {
            Decision::Agreed => (p.status, p.frozen) = (ProposalStatus::Agreed, Some(tally)),
            Decision::Rejected => (p.status, p.frozen) = (ProposalStatus::Rejected, Some(tally)),
            Decision::Deferred => {}
            Decision::Completed => p.status = ProposalStatus::Done,
        }
    }
}

/// A draft change as the event it would be, from the provider it is about.
fn draft_event(made: &Event, change: &DraftChange) -> Event {
    let payload = match change {
        DraftChange::Offered(e) => Payload::ProvisionOffered((**e).clone()),
        DraftChange::Withdrawn(e) => Payload::ProvisionWithdrawn(e.clone()),
    };
    Event {
        // Never stored: the engine does not look at ids, and a parseable one always exists.
        id: EventId::parse("draft").unwrap_or_else(|| made.id.clone()),
        source: Source::Provider(change.ukprn().clone()),
        time: made.time.clone(),
        payload,
    }
}
