//! The rules of CONTRACT section 8: which member and proposal events apply, and what each
//! proposal's status, tally, fulfilment, addressed rows and impact become.

use crate::collab_support::*;
use crate::support::*;
use provisio_engine::ProposalStatus;
use serde_json::{Value, json};

/// P1 with two venues in its area, a need of 40 learners (a critical gap) and three members.
fn base() -> Vec<Value> {
    vec![
        partnership(P1, &[AREA]),
        venue(U1, "V1", AREA),
        venue(U2, "V2", AREA),
        need(P1, "N1", 40),
        joined(P1, "m1"),
        joined(P1, "m2"),
        joined(P1, "m3"),
    ]
}

fn scenario(more: Vec<Value>) -> Scenario {
    given(base().into_iter().chain(more))
}

#[test]
fn a_proposal_shows_its_tally_and_the_impact_of_its_changes() {
    let mut s = scenario(vec![]);
    let made = s.when(proposal(P1, "P1", "m1", vec![offers(U1, "O1", "V1", 24)]));
    assert_eq!(made, ["proposal.changed P1"]);
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/0/0 done 0/1 gap open unmet 40->16");
    s.when(from_member(respond(P1, "P1", "m2", "support")));
    s.when(respond(P1, "P1", "m3", "object"));
    s.when(respond(P1, "P1", "m2", "abstain"));
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/1/1 done 0/1 gap open unmet 40->16");
    assert_eq!(s.responses(P1, "P1"), ["m2 abstain", "m3 object"]);
}

#[test]
fn replacing_an_open_proposal_clears_its_responses() {
    let mut s = scenario(vec![proposal(P1, "P1", "m1", vec![]), respond(P1, "P1", "m2", "support")]);
    s.when(from_member(proposal(P1, "P1", "m1", vec![offers(U1, "O1", "V1", 10)])));
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/0/0 done 0/1 gap open unmet 40->30");
    let d = s.engine.proposal(P1, "P1").unwrap();
    assert_eq!(d.made_position, s.engine.position());
    // The partnership's source may replace it too, for any member.
    s.when(proposal(P1, "P1", "m2", vec![]));
    assert_eq!(s.engine.proposal(P1, "P1").unwrap().member_id.to_string(), "m2");
    assert!(s.ignored(P1, "P1").is_empty());
}

#[test]
fn another_member_cannot_replace_a_proposal() {
    let mut s = scenario(vec![proposal(P1, "P1", "m1", vec![])]);
    let made_at = s.engine.position();
    assert!(s.when(from_member(proposal(P1, "P1", "m2", vec![offers(U1, "O1", "V1", 10)]))).is_empty());
    assert_eq!(s.engine.proposal(P1, "P1").unwrap().made_position, made_at);
    assert_eq!(s.ignored(P1, "P1"), ["lp.proposal.made.v1: only its proposer m1 or the partnership can replace it"]);
}

#[test]
fn a_replacement_after_the_decision_is_ignored() {
    let mut s = scenario(vec![proposal(P1, "P1", "m1", vec![]), decide(P1, "P1", "rejected")]);
    s.when(from_member(proposal(P1, "P1", "m1", vec![offers(U1, "O1", "V1", 10)])));
    assert_eq!(s.proposal(P1, "P1"), "P1 rejected 0/0/0 done 0/0 gap open unmet 40->40");
    assert_eq!(
        s.ignored(P1, "P1"),
        ["lp.proposal.made.v1: the proposal is rejected: only an open proposal can be replaced"]
    );
}

#[test]
fn a_deferred_proposal_stays_open_and_can_still_be_replaced() {
    let mut s = scenario(vec![proposal(P1, "P1", "m1", vec![]), decide(P1, "P1", "deferred")]);
    assert_eq!(s.status(P1, "P1"), ProposalStatus::Open);
    s.when(proposal(P1, "P1", "m1", vec![offers(U1, "O1", "V1", 10)]));
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/0/0 done 0/1 gap open unmet 40->30");
    assert!(s.ignored(P1, "P1").is_empty());
}

#[test]
fn responses_of_a_member_who_left_no_longer_count() {
    let mut s = scenario(vec![
        proposal(P1, "P1", "m1", vec![]),
        respond(P1, "P1", "m2", "support"),
        respond(P1, "P1", "m3", "object"),
    ]);
    assert_eq!(s.when(left(P1, "m2")), ["proposal.changed P1"]);
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/1/0 done 0/0 gap open unmet 40->40");
    assert_eq!(s.responses(P1, "P1"), ["m3 object"]);
    s.when(respond(P1, "P1", "m2", "object"));
    assert_eq!(s.ignored(P1, "P1"), ["lp.proposal.responded.v1: member m2 is not a current member"]);
    // A member who joins again is counted again, with its latest response.
    s.when(joined(P1, "m2"));
    assert_eq!(s.proposal(P1, "P1"), "P1 open 1/1/0 done 0/0 gap open unmet 40->40");
}

#[test]
fn a_proposal_from_a_member_that_is_not_current_has_no_effect() {
    let mut s = scenario(vec![left(P1, "m1")]);
    assert!(s.when(from_member(proposal(P1, "P1", "m1", vec![]))).is_empty());
    assert!(s.engine.proposal(P1, "P1").is_none());
    s.when(proposal(P1, "P1", "m2", vec![]));
    assert_eq!(s.ignored(P1, "P1"), ["lp.proposal.made.v1: member m1 is not a current member"]);
}

#[test]
fn a_response_before_its_proposal_exists_is_ignored_and_listed_once_it_does() {
    let mut s = scenario(vec![]);
    assert!(s.when(respond(P1, "P1", "m2", "support")).is_empty());
    assert!(s.when(decide(P1, "P1", "agreed")).is_empty());
    s.when(proposal(P1, "P1", "m1", vec![]));
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/0/0 done 0/0 gap open unmet 40->40");
    assert_eq!(
        s.ignored(P1, "P1"),
        [
            "lp.proposal.responded.v1: no proposal with this id exists",
            "lp.proposal.decided.v1: no proposal with this id exists"
        ]
    );
    assert_eq!(s.engine.proposal(P1, "P1").unwrap().decision, None);
}

#[test]
fn the_tally_is_frozen_when_the_proposal_is_decided() {
    let mut s = scenario(vec![
        proposal(P1, "P1", "m1", vec![]),
        respond(P1, "P1", "m2", "support"),
        respond(P1, "P1", "m3", "support"),
        decide(P1, "P1", "agreed"),
    ]);
    s.when(left(P1, "m2"));
    s.when(respond(P1, "P1", "m3", "object"));
    assert_eq!(s.proposal(P1, "P1"), "P1 agreed 2/0/0 done 0/0 gap open unmet 40->40");
    assert_eq!(
        s.ignored(P1, "P1"),
        ["lp.proposal.responded.v1: the proposal is agreed: responses apply to an open proposal"]
    );
}

#[test]
fn completed_applies_to_an_agreed_proposal_only_and_done_then_holds() {
    let mut s = scenario(vec![proposal(P1, "P1", "m1", vec![offers(U1, "O1", "V1", 24)])]);
    s.when(decide(P1, "P1", "completed"));
    assert_eq!(s.status(P1, "P1"), ProposalStatus::Open);
    assert_eq!(
        s.ignored(P1, "P1"),
        ["lp.proposal.decided.v1: the proposal is open: completed applies to an agreed proposal"]
    );
    s.when(decide(P1, "P1", "agreed"));
    s.when(decide(P1, "P1", "completed"));
    assert_eq!(s.proposal(P1, "P1"), "P1 done 0/0/0 done 0/1 gap open unmet 40->16");
    s.when(decide(P1, "P1", "rejected"));
    assert_eq!(s.status(P1, "P1"), ProposalStatus::Done);
    let d = s.engine.proposal(P1, "P1").unwrap();
    assert_eq!(d.decision.map(|d| d.decision.to_string()), Some("completed".to_owned()));
}

#[test]
fn an_agreed_proposal_is_done_when_every_change_is_done_at_once_and_stays_done() {
    let mut s = scenario(vec![
        offer(U2, "OLD", "V2", 5),
        proposal(P1, "P1", "m1", vec![offers(U1, "O1", "V1", 24), withdraws(U2, "OLD")]),
        decide(P1, "P1", "agreed"),
    ]);
    assert_eq!(s.proposal(P1, "P1"), "P1 agreed 0/0/0 done 0/2 gap open unmet 35->16");
    s.when(offer(U1, "O1", "V1", 24));
    assert_eq!(s.proposal(P1, "P1"), "P1 agreed 0/0/0 done 1/2 gap open unmet 11->16");
    assert_eq!(s.when(withdrawal(U2, "OLD")), ["gap.changed 2001/02 4.1 3 16-18", "proposal.changed P1"]);
    assert_eq!(s.proposal(P1, "P1"), "P1 done 0/0/0 done 2/2 gap open unmet 16->16");
    // Undoing a change afterwards does not undo `done`, only its fulfilment and impact.
    s.when(withdrawal(U1, "O1"));
    assert_eq!(s.proposal(P1, "P1"), "P1 done 0/0/0 done 1/2 gap open unmet 40->16");
}

#[test]
fn changes_done_before_the_agreement_make_it_done_when_agreed() {
    let mut s = scenario(vec![proposal(P1, "P1", "m1", vec![offers(U1, "O1", "V1", 24)]), offer(U1, "O1", "V1", 30)]);
    assert_eq!(s.status(P1, "P1"), ProposalStatus::Open);
    s.when(decide(P1, "P1", "agreed"));
    assert_eq!(s.status(P1, "P1"), ProposalStatus::Done);
}

#[test]
fn an_offered_change_is_done_by_a_live_offer_of_its_cell_and_mode_with_at_least_its_places() {
    let change = offers(U1, "O1", "V1", 24);
    let done = |events: Vec<Value>| {
        let s = scenario([events, vec![proposal(P1, "P1", "m1", vec![change.clone()])]].concat());
        s.engine.proposal(P1, "P1").unwrap().fulfilment[0].done
    };
    assert!(done(vec![offer(U1, "O1", "V1", 24)]));
    assert!(done(vec![venue(U1, "V4", AREA), offer(U1, "O1", "V4", 30)]), "another venue in the partnership will do");
    assert!(!done(vec![offer(U1, "O1", "V1", 23)]), "fewer places");
    assert!(!done(vec![with(offer(U1, "O1", "V1", 24), "mode", json!("part-time"))]), "another mode");
    assert!(!done(vec![with(offer(U1, "O1", "V1", 24), "level", json!("2"))]), "another cell");
    assert!(!done(vec![offer(U1, "O2", "V1", 24)]), "another offer id");
    assert!(!done(vec![offer(U1, "O1", "V9", 24)]), "its venue is not registered: not live here");
    assert!(!done(vec![venue(U1, "V3", AREA2), offer(U1, "O1", "V3", 24)]), "live in another area only");
    assert!(!done(vec![offer(U1, "O1", "V1", 24), withdrawal(U1, "O1")]), "withdrawn since");
}

#[test]
fn a_withdrawn_change_is_done_while_that_offer_is_not_live_in_the_partnership() {
    let mut s = scenario(vec![offer(U2, "OLD", "V2", 5), proposal(P1, "P1", "m1", vec![withdraws(U2, "OLD")])]);
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/0/0 done 0/1 gap open unmet 35->40");
    s.when(venue(U2, "V2", AREA2));
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/0/0 done 1/1 gap open unmet 40->40");
    s.when(venue(U2, "V2", AREA));
    s.when(withdrawal(U2, "OLD"));
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/0/0 done 1/1 gap open unmet 40->40");
}

#[test]
fn the_impact_moves_when_an_unrelated_event_changes_the_gap_it_addresses() {
    let mut s = scenario(vec![proposal(P1, "P1", "m1", vec![offers(U1, "O1", "V1", 24)])]);
    assert_eq!(s.when(need(P1, "N2", 10)), ["gap.changed 2001/02 4.1 3 16-18", "proposal.changed P1"]);
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/0/0 done 0/1 gap open unmet 50->26");
    // An offer elsewhere in the partnership closes the gap the proposal addresses.
    s.when(offer(U2, "O9", "V2", 50));
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/0/0 done 0/1 gap closed unmet 0->0");
}

#[test]
fn the_impact_moves_when_the_venue_of_a_draft_offer_is_registered() {
    let mut s = scenario(vec![proposal(P1, "P1", "m1", vec![offers(U3, "O1", "V1", 24)])]);
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/0/0 done 0/1 gap open unmet 40->40");
    // Touches no row of P1 (no offers at the venue yet), yet the draft offer would now count.
    assert_eq!(s.when(venue(U3, "V1", AREA)), ["proposal.changed P1"]);
    assert_eq!(s.proposal(P1, "P1"), "P1 open 0/0/0 done 0/1 gap open unmet 40->16");
}

#[test]
fn a_duplication_row_it_addresses_is_open_while_in_its_report() {
    let mut made = proposal(P1, "P1", "m1", vec![withdraws(U2, "B")]);
    made["data"]["addresses"] = json!([duplication_key("full-time"), duplication_key("part-time")]);
    let mut s = scenario(vec![offer(U1, "A", "V1", 30), offer(U2, "B", "V2", 30), made]);
    let open: Vec<bool> = s.engine.proposal(P1, "P1").unwrap().addressed.iter().map(|a| a.open).collect();
    assert_eq!(open, [true, false]);
    s.when(withdrawal(U2, "B"));
    let open: Vec<bool> = s.engine.proposal(P1, "P1").unwrap().addressed.iter().map(|a| a.open).collect();
    assert_eq!(open, [false, false]);
}

#[test]
fn proposals_list_newest_first_and_filter_by_status() {
    let s = scenario(vec![
        proposal(P1, "A", "m1", vec![]),
        proposal(P1, "B", "m2", vec![]),
        decide(P1, "A", "agreed"),
        proposal(P1, "C", "m3", vec![]),
        proposal(P1, "B", "m2", vec![]),
    ]);
    let ids = |status| -> Vec<String> {
        s.engine.proposals(P1, status).unwrap().iter().map(|p| p.proposal_id.to_string()).collect()
    };
    assert_eq!(ids(None), ["B", "C", "A"]);
    assert_eq!(ids(Some(ProposalStatus::Open)), ["B", "C"]);
    assert_eq!(ids(Some(ProposalStatus::Agreed)), ["A"]);
    assert!(ids(Some(ProposalStatus::Done)).is_empty());
    assert_eq!(s.engine.proposals(P2, None), None, "an unknown partnership");
}

#[test]
fn members_are_listed_by_id_with_whether_they_are_current() {
    let s = scenario(vec![left(P1, "m2"), joined(P2, "x1")]);
    let members = serde_json::to_value(s.engine.members(P1).unwrap()).unwrap();
    assert_eq!(members.as_array().unwrap().len(), 3);
    assert_eq!(
        members[1],
        json!({"member_id": "m2", "name": "m2", "kind": "fe-college", "ukprn": null, "current": false})
    );
    assert_eq!(s.engine.members(P2), None, "events of a partnership not registered yet wait for it");
}

#[test]
fn events_of_partnerships_without_proposals_publish_no_proposal_change() {
    let mut s = scenario(vec![partnership(P2, &[AREA]), proposal(P2, "X", "m1", vec![])]);
    assert_eq!(s.when(offer(U1, "O1", "V1", 5)), ["gap.changed 2001/02 4.1 3 16-18"]);
    assert!(s.when(need(P1, "N7", 5)).iter().all(|c| !c.starts_with("proposal")));
}

#[test]
fn the_summary_and_detail_have_the_contract_s_fields() {
    let s = scenario(vec![proposal(P1, "P1", "m1", vec![offers(U1, "O1", "V1", 24)])]);
    let summary = serde_json::to_value(&s.engine.proposals(P1, None).unwrap()[0]).unwrap();
    let mut keys: Vec<&str> = summary.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "addressed",
            "addresses",
            "decided_position",
            "fulfilment",
            "impact",
            "kind",
            "made_position",
            "member_id",
            "proposal_id",
            "status",
            "tally",
            "title"
        ]
    );
    assert_eq!(summary["fulfilment"], json!({"done": 0, "of": 1}));
    assert_eq!(summary["tally"], json!({"support": 0, "object": 0, "abstain": 0}));
    assert_eq!(summary["addressed"][0]["open"], json!(true));
    assert_eq!(summary["impact"].as_object().unwrap().keys().collect::<Vec<_>>(), ["summary"]);
    let detail = serde_json::to_value(s.engine.proposal(P1, "P1").unwrap()).unwrap();
    assert_eq!(detail["fulfilment"], json!([{"index": 0, "done": false}]));
    assert_eq!(detail["impact"]["from"], json!(s.engine.position()));
    assert_eq!(detail["impact"]["to"], json!(null));
    assert_eq!(detail["impact"]["gaps"]["changed"][0]["after"]["unmet"], json!(16));
    assert_eq!(detail["changes"][0]["type"], json!("lp.provision.offered.v1"));
    assert_eq!(detail["decision"], json!(null));
    assert_eq!(detail["ignored"], json!([]));
}
