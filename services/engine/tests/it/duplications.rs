//! Duplication: two or more providers in one cell and mode, with a surplus beyond the
//! tolerance or a fill rate below the viable one.

use crate::support::*;
use provisio_engine::Filter;
use serde_json::{Value, json};

fn check(events: Vec<Value>, expect: &[&str]) {
    let mut all = vec![venue(U1, "V1", AREA), venue(U2, "V2", AREA), venue(U3, "V3", AREA)];
    if !events.iter().any(|e| e["type"] == "lp.partnership.registered.v1") {
        all.push(partnership(P1, &[AREA]));
    }
    all.extend(events);
    assert_eq!(given(all).duplications(P1), expect);
}

#[test]
fn a_surplus_exactly_at_the_tolerance_is_no_duplication() {
    // 0.2 × 10 = 2: a surplus of 2 is not beyond it.
    check(vec![need(P1, "N", 10), offer(U1, "O1", "V1", 6), offer(U2, "O2", "V2", 6)], &[]);
}

#[test]
fn a_surplus_beyond_the_tolerance_is_an_overlap() {
    check(
        vec![need(P1, "N", 10), offer(U1, "O1", "V1", 6), offer(U2, "O2", "V2", 7)],
        &["4.1 full-time: 10000001,10000002 supply 13 demand 10 surplus 3 fill - overlap"],
    );
}

#[test]
fn without_demand_any_two_providers_duplicate() {
    check(
        vec![offer(U1, "O1", "V1", 1), offer(U2, "O2", "V2", 1)],
        &["4.1 full-time: 10000001,10000002 supply 2 demand 0 surplus 2 fill - overlap"],
    );
}

#[test]
fn one_providers_offers_never_duplicate_each_other() {
    check(vec![offer(U1, "O1", "V1", 20), offer(U1, "O2", "V1", 20)], &[]);
}

#[test]
fn offers_in_different_modes_do_not_duplicate() {
    check(vec![offer(U1, "O1", "V1", 20), with(offer(U2, "O2", "V2", 20), "mode", json!("part-time"))], &[]);
}

#[test]
fn a_fill_rate_exactly_at_the_viable_rate_is_not_below_it() {
    // 24 enrolled of 40 places is 0.6, the default viable rate; both groups are of 12.
    check(
        vec![
            need(P1, "N", 100),
            offer(U1, "O1", "V1", 20),
            offer(U2, "O2", "V2", 20),
            enrolment(U1, "O1", 12, "2001-10-01"),
            enrolment(U2, "O2", 12, "2001-10-01"),
        ],
        &[],
    );
}

#[test]
fn a_fill_rate_below_the_viable_rate_is_wasteful_even_without_surplus() {
    check(
        vec![
            need(P1, "N", 100),
            offer(U1, "O1", "V1", 20),
            offer(U2, "O2", "V2", 20),
            enrolment(U1, "O1", 12, "2001-10-01"),
            enrolment(U2, "O2", 11, "2001-10-01"),
        ],
        &["4.1 full-time: 10000001,10000002 supply 40 demand 100 surplus -60 fill 0.575 wasteful"],
    );
}

#[test]
fn the_fill_rate_counts_only_offers_with_a_report() {
    check(
        vec![
            need(P1, "N", 100),
            offer(U1, "O1", "V1", 20),
            offer(U2, "O2", "V2", 20),
            enrolment(U1, "O1", 16, "2001-10-01"),
        ],
        &[],
    );
    check(
        vec![
            need(P1, "N", 100),
            offer(U1, "O1", "V1", 20),
            offer(U2, "O2", "V2", 20),
            enrolment(U1, "O1", 2, "2001-10-01"),
        ],
        &["4.1 full-time: 10000001,10000002 supply 40 demand 100 surplus -60 fill 0.1 wasteful"],
    );
}

#[test]
fn a_group_below_the_minimum_size_makes_a_duplication_wasteful() {
    check(
        vec![
            need(P1, "N", 10),
            offer(U1, "O1", "V1", 6),
            offer(U2, "O2", "V2", 7),
            enrolment(U1, "O1", 6, "2001-10-01"),
        ],
        &["4.1 full-time: 10000001,10000002 supply 13 demand 10 surplus 3 fill 1.0 wasteful"],
    );
}

#[test]
fn a_small_group_alone_never_makes_a_duplication() {
    check(
        vec![
            need(P1, "N", 100),
            offer(U1, "O1", "V1", 10),
            offer(U2, "O2", "V2", 10),
            enrolment(U1, "O1", 8, "2001-10-01"),
            enrolment(U2, "O2", 8, "2001-10-01"),
        ],
        &[],
    );
}

#[test]
fn a_partnerships_rules_override_the_defaults() {
    let base = || {
        vec![
            need(P1, "N", 10),
            offer(U1, "O1", "V1", 7),
            offer(U2, "O2", "V2", 7),
            enrolment(U1, "O1", 5, "2001-10-01"),
        ]
    };
    let mut lax = vec![rules(P1, &[AREA], json!({"surplus_tolerance": 0.5, "viable_fill_rate": 0.7}))];
    lax.extend(base());
    check(lax, &[]);
    let mut strict = vec![rules(P1, &[AREA], json!({"viable_fill_rate": 0.75, "min_group_size": 5}))];
    strict.extend(base());
    check(strict, &["4.1 full-time: 10000001,10000002 supply 14 demand 10 surplus 4 fill 0.7142857142857143 wasteful"]);
    let mut small = vec![rules(P1, &[AREA], json!({"min_group_size": 5}))];
    small.extend(base());
    check(small, &["4.1 full-time: 10000001,10000002 supply 14 demand 10 surplus 4 fill 0.7142857142857143 overlap"]);
}

#[test]
fn re_registering_with_new_rules_opens_and_closes_duplications() {
    let mut s = given([
        partnership(P1, &[AREA]),
        venue(U1, "V1", AREA),
        venue(U2, "V2", AREA),
        need(P1, "N", 10),
        offer(U1, "O1", "V1", 7),
        offer(U2, "O2", "V2", 7),
    ]);
    assert_eq!(
        s.when(rules(P1, &[AREA], json!({"surplus_tolerance": 0.4}))),
        ["duplication.closed 2001/02 4.1 3 16-18 full-time"]
    );
    assert_eq!(s.when(rules(P1, &[AREA], json!({"surplus_tolerance": 0.4}))), Vec::<String>::new());
    assert_eq!(s.when(partnership(P1, &[AREA])), ["duplication.opened 2001/02 4.1 3 16-18 full-time"]);
}

#[test]
fn duplications_come_largest_surplus_first_then_by_key() {
    let pt = |e| with(e, "mode", json!("part-time"));
    let s41 = |e| with(e, "subject", json!("2.1"));
    check(
        vec![
            offer(U1, "A", "V1", 5),
            offer(U2, "B", "V2", 5),
            pt(offer(U1, "C", "V1", 5)),
            pt(offer(U2, "D", "V2", 5)),
            s41(offer(U1, "E", "V1", 5)),
            s41(offer(U3, "F", "V3", 6)),
        ],
        &[
            "2.1 full-time: 10000001,10000003 supply 11 demand 0 surplus 11 fill - overlap",
            "4.1 full-time: 10000001,10000002 supply 10 demand 0 surplus 10 fill - overlap",
            "4.1 part-time: 10000001,10000002 supply 10 demand 0 surplus 10 fill - overlap",
        ],
    );
}

#[test]
fn a_duplication_row_is_the_contracts_json() {
    let s = given([
        partnership(P1, &[AREA]),
        venue(U1, "V1", AREA),
        venue(U2, "V2", AREA),
        need(P1, "N", 4),
        offer(U2, "B", "V2", 10),
        offer(U1, "A", "V1", 8),
        enrolment(U1, "A", 4, "2001-10-01"),
    ]);
    let rows = s.engine.duplications(P1, &Filter::default()).expect("registered");
    assert_eq!(
        serde_json::to_value(&rows).expect("serialises"),
        json!([{
            "academic_year": "2001/02", "subject": "4.1", "level": "3", "age_group": "16-18", "mode": "full-time",
            "providers": [U1, U2],
            "offers": [
                {"ukprn": U1, "offer_id": "A", "places": 8, "enrolled": 4, "fill_rate": 0.5},
                {"ukprn": U2, "offer_id": "B", "places": 10, "enrolled": null, "fill_rate": null},
            ],
            "supply": 18, "demand": 4, "surplus": 14, "fill_rate": 0.5, "severity": "wasteful",
        }])
    );
}
