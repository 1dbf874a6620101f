//! Members and proposals (CONTRACT section 8): member sources and subjects, and draft changes
//! validated exactly as the events they stand for.

use provisio_events::example::example_json;
use provisio_events::{ErrorCode, EventType, Source, check_subject, subject_for, validate};
use serde_json::{Value, json};

fn errors(event: &Value) -> Vec<(ErrorCode, String)> {
    match validate(event) {
        Ok(_) => vec![],
        Err(errors) => errors.into_iter().map(|e| (e.code, e.field)).collect(),
    }
}

fn made(edit: impl FnOnce(&mut Value)) -> Vec<(ErrorCode, String)> {
    let mut e = example_json(EventType::ProposalMade);
    edit(&mut e);
    errors(&e)
}

fn err(code: ErrorCode, field: &str) -> (ErrorCode, String) {
    (code, field.to_owned())
}

#[test]
fn a_member_source_names_its_partnership_and_member() {
    let e = validate(&example_json(EventType::ProposalMade)).unwrap();
    assert_eq!(e.source.uri(), "urn:lp:sunderland:member:sunderland-college");
    assert!(matches!(e.source, Source::Member(..)));
    assert_eq!(
        subject_for(&e.source, e.event_type()),
        "lp.v1.member.sunderland.sunderland-college.lp.proposal.made.v1"
    );
    assert!(check_subject("lp.v1.member.sunderland.sunderland-college.lp.proposal.made.v1", &e).is_ok());
    let other = check_subject("lp.v1.member.sunderland.other.lp.proposal.made.v1", &e).unwrap_err();
    assert_eq!(other.code, ErrorCode::SubjectMismatch);
    assert!(check_subject("lp.v1.partnership.sunderland.lp.proposal.made.v1", &e).is_err());
}

#[test]
fn a_member_source_must_agree_with_the_partnership_and_member_in_data() {
    assert_eq!(made(|e| e["data"]["member_id"] = json!("another")), [err(ErrorCode::SourceMismatch, "data.member_id")]);
    assert_eq!(
        made(|e| e["data"]["partnership_id"] = json!("hull")),
        [err(ErrorCode::SourceMismatch, "data.partnership_id")]
    );
    // The partnership's own source may speak for any member.
    assert_eq!(made(|e| e["source"] = json!("urn:lp:sunderland")), []);
}

#[test]
fn members_cannot_send_membership_or_decisions_and_nobody_else_sends_proposals() {
    for t in [EventType::MemberJoined, EventType::MemberLeft, EventType::ProposalDecided] {
        let mut e = example_json(t);
        e["source"] = json!("urn:lp:sunderland:member:sunderland-college");
        assert_eq!(errors(&e), [err(ErrorCode::SourceMismatch, "source")], "{t}");
    }
    assert_eq!(made(|e| e["source"] = json!("urn:ukprn:10006570")), [err(ErrorCode::SourceMismatch, "source")]);
    let mut need = example_json(EventType::NeedIdentified);
    need["source"] = json!("urn:lp:sunderland:member:sunderland-college");
    assert_eq!(errors(&need), [err(ErrorCode::SourceMismatch, "source")]);
}

#[test]
fn member_ids_follow_their_pattern() {
    assert_eq!(
        made(|e| e["source"] = json!("urn:lp:sunderland:member:Big College")),
        [err(ErrorCode::InvalidValue, "source")]
    );
    let mut joined = example_json(EventType::MemberJoined);
    joined["data"]["member_id"] = json!("-college");
    joined["data"]["kind"] = json!("club");
    assert_eq!(
        errors(&joined),
        [err(ErrorCode::InvalidValue, "data.member_id"), err(ErrorCode::InvalidValue, "data.kind")]
    );
    joined["data"]["member_id"] = json!("lsc-tyne-and-wear");
    joined["data"]["kind"] = json!("lsc");
    assert_eq!(errors(&joined), []);
}

#[test]
fn a_draft_change_is_validated_as_its_event_with_paths_inside_the_changes() {
    assert_eq!(
        made(|e| e["data"]["changes"][1]["data"]["offer_id"] = json!("no spaces")),
        [err(ErrorCode::InvalidValue, "data.changes[1].data.offer_id")]
    );
    assert_eq!(
        made(|e| {
            e["data"]["changes"][0]["data"]["places"] = json!(0);
            e["data"]["changes"][0]["data"].as_object_mut().unwrap().remove("ukprn");
        }),
        [
            err(ErrorCode::MissingField, "data.changes[0].data.ukprn"),
            err(ErrorCode::InvalidValue, "data.changes[0].data.places")
        ]
    );
    assert_eq!(
        made(|e| e["data"]["changes"][0]["type"] = json!("lp.need.identified.v1")),
        [err(ErrorCode::InvalidValue, "data.changes[0].type")]
    );
    assert_eq!(made(|e| e["data"]["changes"][1] = json!(3)), [err(ErrorCode::InvalidType, "data.changes[1]")]);
}

#[test]
fn at_most_one_hundred_changes() {
    let change = example_json(EventType::ProposalMade)["data"]["changes"][0].clone();
    assert_eq!(made(|e| e["data"]["changes"] = json!(vec![change.clone(); 100])), []);
    assert_eq!(
        made(|e| e["data"]["changes"] = json!(vec![change.clone(); 101])),
        [err(ErrorCode::InvalidValue, "data.changes")]
    );
    assert_eq!(made(|e| e["data"]["changes"] = json!([])), []);
}

#[test]
fn row_keys_name_a_report_and_a_duplication_its_mode() {
    assert_eq!(
        made(|e| e["data"]["addresses"][0]["report"] = json!("duplication")),
        [err(ErrorCode::MissingField, "data.addresses[0].mode")]
    );
    assert_eq!(
        made(|e| e["data"]["addresses"][0]["mode"] = json!("full-time")),
        [err(ErrorCode::InvalidValue, "data.addresses[0].mode")]
    );
    assert_eq!(
        made(|e| e["data"]["addresses"][0]["subject"] = json!("99.9")),
        [err(ErrorCode::InvalidValue, "data.addresses[0].subject")]
    );
}
