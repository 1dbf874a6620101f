//! Given/when/then for members and proposals (CONTRACT section 8): constructors of their
//! events, and one-line renderings of a proposal as a planner reads it.

use crate::support::*;
use provisio_engine::ProposalStatus;
use serde_json::{Value, json};

pub(crate) fn joined(id: &str, member: &str) -> Value {
    lp(id, "member.joined", json!({"partnership_id": id, "member_id": member, "name": member, "kind": "fe-college"}))
}

pub(crate) fn left(id: &str, member: &str) -> Value {
    lp(id, "member.left", json!({"partnership_id": id, "member_id": member}))
}

/// The event sent from the member's own source instead of the partnership's.
pub(crate) fn from_member(mut event: Value) -> Value {
    let id = event["data"]["partnership_id"].as_str().expect("a partnership event").to_owned();
    let member = event["data"]["member_id"].as_str().expect("a member event").to_owned();
    event["source"] = json!(format!("urn:lp:{id}:member:{member}"));
    event
}

/// A proposal of the partnership's source, addressing the default cell's gap.
pub(crate) fn proposal(id: &str, proposal_id: &str, member: &str, changes: Vec<Value>) -> Value {
    lp(
        id,
        "proposal.made",
        json!({"partnership_id": id, "proposal_id": proposal_id, "member_id": member, "title": "Proposal",
               "kind": "fill-gap", "addresses": [gap_key()], "changes": changes}),
    )
}

pub(crate) fn respond(id: &str, proposal_id: &str, member: &str, stance: &str) -> Value {
    lp(
        id,
        "proposal.responded",
        json!({"partnership_id": id, "proposal_id": proposal_id, "member_id": member, "stance": stance}),
    )
}

pub(crate) fn decide(id: &str, proposal_id: &str, decision: &str) -> Value {
    lp(id, "proposal.decided", json!({"partnership_id": id, "proposal_id": proposal_id, "decision": decision}))
}

/// The gap row key of the default course's cell.
pub(crate) fn gap_key() -> Value {
    json!({"report": "gap", "academic_year": YEAR, "subject": "4.1", "level": "3", "age_group": "16-18"})
}

pub(crate) fn duplication_key(mode: &str) -> Value {
    let mut key = gap_key();
    key["report"] = json!("duplication");
    key["mode"] = json!(mode);
    key
}

/// A draft offer of the default course.
pub(crate) fn offers(ukprn: &str, offer_id: &str, venue_id: &str, places: u32) -> Value {
    let mut data = course(offer_id, venue_id, places);
    data["ukprn"] = json!(ukprn);
    data["academic_year"] = json!(YEAR);
    json!({"type": "lp.provision.offered.v1", "data": data})
}

pub(crate) fn withdraws(ukprn: &str, offer_id: &str) -> Value {
    json!({"type": "lp.provision.withdrawn.v1", "data": {"ukprn": ukprn, "offer_id": offer_id}})
}

impl Scenario {
    /// `P1 open 1/0/0 done 0/2 gap open unmet 40->16`: status, tally (support/object/abstain),
    /// fulfilment, whether each addressed row is open, and the impact on the gaps' unmet.
    pub(crate) fn proposal(&self, id: &str, proposal_id: &str) -> String {
        let d = self.engine.proposal(id, proposal_id).expect("the proposal exists");
        let t = d.tally;
        let done = d.fulfilment.iter().filter(|f| f.done).count();
        let addressed: Vec<String> = d
            .addressed
            .iter()
            .map(|a| format!("{} {}", a.key.report, if a.open { "open" } else { "closed" }))
            .collect();
        let [from, to] = d.impact.summary.unmet;
        format!(
            "{proposal_id} {} {}/{}/{} done {done}/{} {} unmet {from}->{to}",
            d.status.as_str(),
            t.support,
            t.object,
            t.abstain,
            d.fulfilment.len(),
            addressed.join(", ")
        )
    }

    pub(crate) fn status(&self, id: &str, proposal_id: &str) -> ProposalStatus {
        self.engine.proposal(id, proposal_id).expect("the proposal exists").status
    }

    /// The reasons of the events ignored for a proposal, as `type: reason`.
    pub(crate) fn ignored(&self, id: &str, proposal_id: &str) -> Vec<String> {
        let d = self.engine.proposal(id, proposal_id).expect("the proposal exists");
        d.ignored.iter().map(|i| format!("{}: {}", i.event_type, i.reason)).collect()
    }

    /// `member stance` of each response shown.
    pub(crate) fn responses(&self, id: &str, proposal_id: &str) -> Vec<String> {
        let d = self.engine.proposal(id, proposal_id).expect("the proposal exists");
        d.responses.iter().map(|r| format!("{} {}", r.member_id, r.stance)).collect()
    }
}
