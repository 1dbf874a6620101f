//! CONTRACT section 11 in events: the finder's optional fields, checked in new events and
//! forgiven in stored ones, and the interest event that only the service may record.

mod support;

use provisio_events::example::example_json;
use provisio_events::vocab::{Funding, Vocab};
use provisio_events::{ErrorCode, EventType, Payload, validate, validate_stored};
use serde_json::json;
use support::check;

#[test]
fn offer_details_are_checked_with_their_paths() {
    let offered = EventType::ProvisionOffered;
    check(offered, |e| e["data"]["description"] = json!("x".repeat(4_000)), &[]);
    check(
        offered,
        |e| e["data"]["description"] = json!("x".repeat(4_001)),
        &[(ErrorCode::InvalidValue, "data.description")],
    );
    check(offered, |e| e["data"]["url"] = json!("http://example.org/c"), &[(ErrorCode::InvalidValue, "data.url")]);
    check(offered, |e| e["data"]["fee"] = json!(-1), &[(ErrorCode::InvalidValue, "data.fee")]);
    check(offered, |e| e["data"]["fee"] = json!("10"), &[(ErrorCode::InvalidType, "data.fee")]);
    check(offered, |e| e["data"]["funding"] = json!("grant"), &[(ErrorCode::InvalidValue, "data.funding")]);
    check(offered, |e| e["data"]["hours_per_week"] = json!(0), &[(ErrorCode::InvalidValue, "data.hours_per_week")]);
    check(offered, |e| e["data"]["hours_per_week"] = json!(0.5), &[]);
    check(
        EventType::CurriculumPublished,
        |e| e["data"]["offers"][1]["hours_per_week"] = json!(-2),
        &[(ErrorCode::InvalidValue, "data.offers[1].hours_per_week")],
    );
}

#[test]
fn provider_phone_and_partnership_guidance_contact_are_checked() {
    check(
        EventType::ProviderRegistered,
        |e| e["data"]["phone"] = json!("call us"),
        &[(ErrorCode::InvalidValue, "data.phone")],
    );
    check(EventType::ProviderRegistered, |e| e["data"]["phone"] = json!("+44 (0)191 511-6000"), &[]);
    let p = EventType::PartnershipRegistered;
    check(p, |e| e["data"]["iag"] = json!({}), &[]);
    check(p, |e| e["data"]["iag"] = json!("advice"), &[(ErrorCode::InvalidType, "data.iag")]);
    check(p, |e| e["data"]["iag"]["email"] = json!("nobody"), &[(ErrorCode::InvalidValue, "data.iag.email")]);
    check(p, |e| e["data"]["iag"]["url"] = json!("nextsteps"), &[(ErrorCode::InvalidValue, "data.iag.url")]);
}

#[test]
fn a_stored_offer_reads_its_malformed_details_as_absent() {
    let mut e = example_json(EventType::ProvisionOffered);
    e["data"]["fee"] = json!(-5);
    e["data"]["url"] = json!("ftp://old");
    let Payload::ProvisionOffered(o) = validate_stored(&e).unwrap().payload else { panic!() };
    assert_eq!((o.offer.public.fee, o.offer.public.url), (None, None));
    assert_eq!(o.offer.public.funding, Some(Funding::Free));
    let mut p = example_json(EventType::PartnershipRegistered);
    p["data"]["iag"] = json!({"name": "Next Steps", "email": "broken"});
    let Payload::PartnershipRegistered(r) = validate_stored(&p).unwrap().payload else { panic!() };
    let iag = r.iag.unwrap();
    assert_eq!((iag.name.as_deref(), iag.email), (Some("Next Steps"), None));
    p["data"]["iag"] = json!(42);
    let Payload::PartnershipRegistered(r) = validate_stored(&p).unwrap().payload else { panic!() };
    assert_eq!(r.iag, None);
}

#[test]
fn clients_may_not_send_events_of_the_public_source() {
    let interest = example_json(EventType::InterestRegistered);
    let errors = validate(&interest).unwrap_err();
    assert_eq!((errors[0].code, errors[0].field.as_str()), (ErrorCode::SourceNotAllowed, "source"));
    // The same source on another type is refused the same way, and mismatched too.
    let mut offered = example_json(EventType::ProvisionOffered);
    offered["source"] = json!("urn:public");
    assert!(validate(&offered).unwrap_err().iter().any(|e| e.code == ErrorCode::SourceNotAllowed));
    // The service's own, read back from the log, is an ordinary event.
    let Payload::InterestRegistered(i) = validate_stored(&interest).unwrap().payload else { panic!() };
    assert_eq!((i.area.as_str(), i.academic_year.as_str()), ("E08000024", "2001/02"));
}

#[test]
fn an_interest_event_names_its_missing_cell_fields() {
    let mut e = example_json(EventType::InterestRegistered);
    e["data"] = json!({"area": "E08000024"});
    let fields: Vec<String> = validate_stored(&e).unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["data.subject", "data.level", "data.age_group", "data.academic_year"]);
}
