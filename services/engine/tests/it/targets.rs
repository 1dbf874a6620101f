//! Targets: places or winning enrolments over the partnership's live offers of a year,
//! optionally narrowed to a subject, level and age group.

use crate::support::*;
use serde_json::{Value, json};

fn check(events: Vec<Value>, expect: &[&str]) {
    let mut all = vec![partnership(P1, &[AREA]), venue(U1, "V1", AREA), venue(U2, "V2", AREA)];
    all.extend(events);
    assert_eq!(given(all).targets(P1), expect);
}

fn narrowed(e: Value, subject: &str, level: &str, age_group: &str) -> Value {
    with(with(with(e, "subject", json!(subject)), "level", json!(level)), "age_group", json!(age_group))
}

#[test]
fn a_places_target_sums_the_places_of_the_years_live_offers() {
    check(
        vec![
            target(P1, "T", "places", 100),
            offer(U1, "O1", "V1", 20),
            offer(U2, "O2", "V2", 15),
            with(offer(U1, "O3", "V1", 50), "academic_year", json!("2002/03")),
            offer(U1, "O4", "V9", 50),
        ],
        &["T: 35 of 100 places"],
    );
}

#[test]
fn an_enrolled_target_sums_winning_reports_and_offers_without_one_add_nothing() {
    check(
        vec![
            offer(U1, "O1", "V1", 20),
            offer(U2, "O2", "V2", 15),
            enrolment(U1, "O1", 9, "2001-10-01"),
            enrolment(U1, "O1", 12, "2001-10-15"),
            target(P1, "T", "enrolled", 40),
        ],
        &["T: 12 of 40 enrolled"],
    );
}

#[test]
fn a_target_counts_only_offers_matching_its_subject_level_and_age_group() {
    check(
        vec![
            narrowed(target(P1, "T", "places", 10), "4.1", "3", "16-18"),
            with(target(P1, "S", "places", 10), "subject", json!("2.1")),
            offer(U1, "O1", "V1", 20),
            with(offer(U1, "O2", "V1", 7), "level", json!("2")),
            with(offer(U1, "O3", "V1", 5), "subject", json!("2.1")),
        ],
        &["S: 5 of 10 places", "T: 20 of 10 places"],
    );
}

#[test]
fn a_target_follows_offers_in_and_out_of_the_partnership() {
    check(
        vec![
            target(P1, "T", "places", 10),
            offer(U1, "O1", "V1", 20),
            offer(U1, "O2", "V1", 4),
            withdrawal(U1, "O1"),
            venue(U2, "V2", AREA2),
            offer(U2, "O3", "V2", 9),
        ],
        &["T: 4 of 10 places"],
    );
}

#[test]
fn a_target_row_is_the_contracts_json() {
    let s = given([
        partnership(P1, &[AREA]),
        venue(U1, "V1", AREA),
        offer(U1, "O1", "V1", 30),
        with(target(P1, "T", "places", 120), "subject", json!("4.1")),
    ]);
    let rows = s.engine.targets(P1, &provisio_engine::Filter::default()).expect("registered");
    assert_eq!(
        serde_json::to_value(&rows).expect("serialises"),
        json!([{"target_id": "T", "academic_year": "2001/02", "measure": "places", "value": 120,
                "subject": "4.1", "level": null, "age_group": null, "title": null, "current": 30, "progress": 0.25}])
    );
}

#[test]
fn targets_set_before_the_partnership_registers_show_once_it_does() {
    let mut s = given([venue(U1, "V1", AREA), offer(U1, "O1", "V1", 30), target(P1, "T", "places", 60)]);
    assert_eq!(s.engine.targets(P1, &provisio_engine::Filter::default()), None);
    assert_eq!(s.when(partnership(P1, &[AREA])), ["target.changed T"]);
    assert_eq!(s.targets(P1), ["T: 30 of 60 places"]);
}

#[test]
fn setting_a_target_again_replaces_it() {
    check(
        vec![
            offer(U1, "O1", "V1", 20),
            target(P1, "T", "places", 10),
            with(target(P1, "T", "enrolled", 5), "academic_year", json!("2002/03")),
        ],
        &["T: 0 of 5 enrolled"],
    );
}
