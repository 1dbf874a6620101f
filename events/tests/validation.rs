//! Validation of events against CONTRACT sections 1 and 2, data-driven through `check`.

mod support;

use provisio_events::example::example_json;
use provisio_events::{ErrorCode, Event, EventType, Payload, SourceKind, validate, validate_stored};
use serde_json::{Value, json};
use support::check;

fn message_for(event: &Value, field: &str) -> String {
    let errors = validate(event).expect_err("event should be rejected");
    errors.into_iter().find(|e| e.field == field).map(|e| e.to_string()).expect("an error for the field")
}

#[test]
fn every_example_is_valid_and_round_trips_through_its_typed_form() {
    for t in EventType::ALL {
        let json = example_json(t);
        // Only the service records `urn:public` events: they are read as the log reads them.
        let read = if t.source_kind() == SourceKind::Public { validate_stored } else { validate };
        let event: Event = read(&json).unwrap_or_else(|e| panic!("{t}: {e:?}"));
        assert_eq!(event.event_type(), t);
        assert_eq!(event.to_json(), json, "{t} does not round-trip");
        assert_eq!(read(&event.to_json()).unwrap(), event);
    }
}

#[test]
fn a_wrong_subject_code_is_named_with_its_value_and_rule() {
    let mut e = example_json(EventType::ProvisionOffered);
    e["data"]["subject"] = json!("99.9");
    assert_eq!(message_for(&e, "data.subject"), r#"data.subject: "99.9" is not a Sector Subject Area tier 2 code"#);
}

#[test]
fn codes_given_as_numbers_are_a_type_error() {
    check(EventType::ProvisionOffered, |e| e["data"]["level"] = json!(3), &[(ErrorCode::InvalidType, "data.level")]);
    check(
        EventType::ProvisionOffered,
        |e| e["data"]["places"] = json!("24"),
        &[(ErrorCode::InvalidType, "data.places")],
    );
}

#[test]
fn missing_required_fields_are_each_reported() {
    check(
        EventType::ProvisionOffered,
        |e| {
            let d = e["data"].as_object_mut().unwrap();
            d.remove("title");
            d.remove("mode");
        },
        &[(ErrorCode::MissingField, "data.title"), (ErrorCode::MissingField, "data.mode")],
    );
    check(
        EventType::ProviderRegistered,
        |e| {
            e.as_object_mut().unwrap().remove("id");
        },
        &[(ErrorCode::MissingField, "id")],
    );
    check(
        EventType::ProviderRegistered,
        |e| {
            e.as_object_mut().unwrap().remove("data");
        },
        &[(ErrorCode::MissingField, "data")],
    );
}

#[test]
fn places_must_be_a_positive_integer() {
    for bad in [json!(0), json!(-3), json!(2.5), json!(5_000_000_000u64)] {
        check(EventType::ProvisionOffered, |e| e["data"]["places"] = bad, &[(ErrorCode::InvalidValue, "data.places")]);
    }
    check(EventType::EnrolmentReported, |e| e["data"]["enrolled"] = json!(0), &[]);
}

#[test]
fn academic_years_must_be_consecutive() {
    check(
        EventType::ProvisionOffered,
        |e| e["data"]["academic_year"] = json!("2001/03"),
        &[(ErrorCode::InvalidValue, "data.academic_year")],
    );
    check(EventType::ProvisionOffered, |e| e["data"]["academic_year"] = json!("1999/00"), &[]);
}

#[test]
fn unknown_types_and_specversions_are_rejected() {
    check(
        EventType::ProviderRegistered,
        |e| e["type"] = json!("lp.provider.renamed.v1"),
        &[(ErrorCode::UnknownType, "type")],
    );
    check(
        EventType::ProviderRegistered,
        |e| e["specversion"] = json!("0.3"),
        &[(ErrorCode::InvalidValue, "specversion")],
    );
    check(EventType::ProviderRegistered, |e| e["time"] = json!("yesterday"), &[(ErrorCode::InvalidValue, "time")]);
}

#[test]
fn source_must_agree_with_the_owner_in_data_and_with_the_type() {
    check(
        EventType::ProvisionOffered,
        |e| e["data"]["ukprn"] = json!("10000001"),
        &[(ErrorCode::SourceMismatch, "data.ukprn")],
    );
    check(
        EventType::NeedIdentified,
        |e| e["data"]["partnership_id"] = json!("hull"),
        &[(ErrorCode::SourceMismatch, "data.partnership_id")],
    );
    check(
        EventType::NeedIdentified,
        |e| e["source"] = json!("urn:ukprn:10006570"),
        &[(ErrorCode::SourceMismatch, "source")],
    );
    check(
        EventType::NeedIdentified,
        |e| e["source"] = json!("https://example.org"),
        &[(ErrorCode::InvalidValue, "source")],
    );
}

#[test]
fn plan_offers_are_checked_one_by_one_with_their_index() {
    check(
        EventType::CurriculumPublished,
        |e| e["data"]["offers"][1]["places"] = json!(0),
        &[(ErrorCode::InvalidValue, "data.offers[1].places")],
    );
    check(
        EventType::CurriculumPublished,
        |e| e["data"]["offers"][1]["offer_id"] = json!("ENG-L3-FT-2001"),
        &[(ErrorCode::DuplicateOfferId, "data.offers[1].offer_id")],
    );
    check(EventType::CurriculumPublished, |e| e["data"]["offers"] = json!([]), &[]);
}

#[test]
fn unknown_data_fields_are_ignored_and_optional_nulls_are_absent() {
    check(
        EventType::ProvisionOffered,
        |e| {
            e["data"]["colour"] = json!("blue");
            e["data"]["status"] = Value::Null;
        },
        &[],
    );
    let mut e = example_json(EventType::ProvisionOffered);
    e["data"].as_object_mut().unwrap().remove("status");
    let Payload::ProvisionOffered(p) = validate(&e).unwrap().payload else { panic!() };
    assert_eq!(p.offer.status, provisio_events::vocab::OfferStatus::Confirmed, "status defaults to confirmed");
}

#[test]
fn partnership_areas_and_rules_are_checked() {
    check(
        EventType::PartnershipRegistered,
        |e| e["data"]["areas"] = json!([]),
        &[(ErrorCode::InvalidValue, "data.areas")],
    );
    check(
        EventType::PartnershipRegistered,
        |e| e["data"]["areas"] = json!(["E08000024", "X1"]),
        &[(ErrorCode::InvalidValue, "data.areas[1]")],
    );
    check(
        EventType::PartnershipRegistered,
        |e| e["data"]["rules"]["viable_fill_rate"] = json!(1.5),
        &[(ErrorCode::InvalidValue, "data.rules.viable_fill_rate")],
    );
    check(EventType::PartnershipRegistered, |e| e["data"]["rules"] = json!({}), &[]);
}

#[test]
fn a_non_object_is_not_an_event() {
    assert_eq!(validate(&json!([1])).unwrap_err()[0].code, ErrorCode::NotAnEvent);
    assert_eq!(validate(&json!("x")).unwrap_err()[0].code, ErrorCode::NotAnEvent);
}

#[test]
fn huge_strings_are_refused_without_echoing_them() {
    let mut e = example_json(EventType::ProviderRegistered);
    e["data"]["name"] = json!("x".repeat(100_000));
    let msg = message_for(&e, "data.name");
    assert!(msg.len() < 200, "{msg}");
}

#[test]
fn v2_target_titles_and_provider_websites_are_checked_in_new_events() {
    check(EventType::TargetSet, |e| e["data"]["title"] = json!("x".repeat(200)), &[]);
    check(
        EventType::TargetSet,
        |e| e["data"]["title"] = json!("x".repeat(201)),
        &[(ErrorCode::InvalidValue, "data.title")],
    );
    check(EventType::TargetSet, |e| e["data"]["title"] = json!(7), &[(ErrorCode::InvalidType, "data.title")]);
    check(EventType::ProviderRegistered, |e| e["data"]["website"] = json!("http://example.org/a?b=c"), &[]);
    for bad in ["www.example.org", "https://", "https:///path", "https://exa mple.org", "ftp://example.org"] {
        check(
            EventType::ProviderRegistered,
            |e| e["data"]["website"] = json!(bad),
            &[(ErrorCode::InvalidValue, "data.website")],
        );
    }
}

#[test]
fn a_stored_event_reads_a_malformed_v2_field_as_absent_and_keeps_the_rest() {
    let mut target = example_json(EventType::TargetSet);
    target["data"]["title"] = json!("x".repeat(201));
    let Payload::TargetSet(t) = validate_stored(&target).unwrap().payload else { panic!() };
    assert_eq!((t.title, t.value), (None, 120));
    let mut provider = example_json(EventType::ProviderRegistered);
    provider["data"]["website"] = json!("not an address");
    let Payload::ProviderRegistered(p) = validate_stored(&provider).unwrap().payload else { panic!() };
    assert_eq!((p.website, p.name.as_str()), (None, "Sunderland College"));
    // Only the v2 fields are forgiven: a stored event that breaks a v1 rule is still refused.
    target["data"]["value"] = json!(0);
    assert_eq!(validate_stored(&target).unwrap_err()[0].field, "data.value");
}

#[test]
fn a_plan_names_at_least_one_academic_year_a_known_status_and_titled_priorities() {
    let plan = EventType::PlanPublished;
    check(plan, |_| {}, &[]);
    check(plan, |e| e["data"]["academic_years"] = json!([]), &[(ErrorCode::InvalidValue, "data.academic_years")]);
    check(
        plan,
        |e| e["data"]["academic_years"] = json!(["2001/02", "2001-02"]),
        &[(ErrorCode::InvalidValue, "data.academic_years[1]")],
    );
    check(plan, |e| e["data"]["status"] = json!("agreed"), &[(ErrorCode::InvalidValue, "data.status")]);
    check(
        plan,
        |e| e["data"]["priorities"] = json!([{"title": "A"}, {"detail": "no title"}]),
        &[(ErrorCode::MissingField, "data.priorities[1].title")],
    );
    check(plan, |e| e["data"]["priorities"] = json!([]), &[]);
    check(
        plan,
        |e| e["data"]["proposal_ids"] = json!(["P1", "not an id"]),
        &[(ErrorCode::InvalidValue, "data.proposal_ids[1]")],
    );
    let many: Vec<String> = (0..101).map(|i| format!("P{i}")).collect();
    check(plan, |e| e["data"]["proposal_ids"] = json!(many), &[(ErrorCode::InvalidValue, "data.proposal_ids")]);
    check(plan, |e| e["source"] = json!("urn:ukprn:10006570"), &[(ErrorCode::SourceMismatch, "source")]);
}

#[test]
fn a_plan_lists_its_academic_years_sorted_and_once() {
    let mut e = example_json(EventType::PlanPublished);
    e["data"]["academic_years"] = json!(["2002/03", "2001/02", "2002/03"]);
    let Payload::PlanPublished(plan) = validate(&e).unwrap().payload else { panic!() };
    let years: Vec<String> = plan.academic_years.iter().map(ToString::to_string).collect();
    assert_eq!(years, ["2001/02", "2002/03"]);
}
