//! Gaps: a cell whose demand exceeds its supply, and how severe that is.

use crate::support::*;
use provisio_engine::Filter;
use serde_json::{Value, json};

fn check(events: Vec<Value>, expect: &[&str]) {
    let mut all = vec![partnership(P1, &[AREA]), venue(U1, "V1", AREA), venue(U2, "V2", AREA)];
    all.extend(events);
    assert_eq!(given(all).gaps(P1), expect);
}

#[test]
fn demand_equal_to_supply_is_no_gap() {
    check(vec![need(P1, "N1", 20), offer(U1, "O1", "V1", 20)], &[]);
}

#[test]
fn a_cell_with_demand_and_no_supply_is_a_critical_gap() {
    check(vec![need(P1, "N1", 20)], &["4.1 3 16-18: demand 20 supply 0 critical"]);
}

#[test]
fn coverage_below_one_half_is_high() {
    check(vec![need(P1, "N1", 21), offer(U1, "O1", "V1", 10)], &["4.1 3 16-18: demand 21 supply 10 high"]);
}

#[test]
fn coverage_of_exactly_one_half_is_moderate() {
    check(vec![need(P1, "N1", 20), offer(U1, "O1", "V1", 10)], &["4.1 3 16-18: demand 20 supply 10 moderate"]);
}

#[test]
fn demand_is_the_sum_of_the_cells_live_needs() {
    check(
        vec![need(P1, "N1", 20), need(P1, "N2", 15), need_withdrawn(P1, "N1"), offer(U1, "O1", "V1", 5)],
        &["4.1 3 16-18: demand 15 supply 5 high"],
    );
}

#[test]
fn a_need_identified_again_replaces_the_earlier_one() {
    check(vec![need(P1, "N1", 20), need(P1, "N1", 8)], &["4.1 3 16-18: demand 8 supply 0 critical"]);
}

#[test]
fn withdrawing_an_unknown_need_changes_nothing() {
    check(vec![need(P1, "N1", 8), need_withdrawn(P1, "N9")], &["4.1 3 16-18: demand 8 supply 0 critical"]);
}

#[test]
fn a_needs_mode_area_and_note_do_not_narrow_its_cell() {
    let n = with(with(with(need(P1, "N1", 20), "mode", json!("part-time")), "area", json!(AREA2)), "note", json!("x"));
    check(vec![n, offer(U1, "O1", "V1", 12)], &["4.1 3 16-18: demand 20 supply 12 moderate"]);
}

#[test]
fn supply_of_another_level_or_year_does_not_meet_the_need() {
    let other_level = with(offer(U1, "O1", "V1", 30), "level", json!("2"));
    let other_year = with(offer(U1, "O2", "V1", 30), "academic_year", json!("2002/03"));
    check(vec![need(P1, "N1", 20), other_level, other_year], &["4.1 3 16-18: demand 20 supply 0 critical"]);
}

#[test]
fn gaps_come_largest_unmet_first_then_by_year_subject_level_and_age_group() {
    let n = |id, subject: &str, level: &str, learners| {
        with(with(need(P1, id, learners), "subject", json!(subject)), "level", json!(level))
    };
    check(
        vec![n("A", "10.1", "3", 5), n("B", "2.1", "3", 5), n("C", "4.1", "entry", 5), n("D", "4.1", "3", 9)],
        &[
            "4.1 3 16-18: demand 9 supply 0 critical",
            "2.1 3 16-18: demand 5 supply 0 critical",
            "4.1 entry 16-18: demand 5 supply 0 critical",
            "10.1 3 16-18: demand 5 supply 0 critical",
        ],
    );
}

#[test]
fn a_gap_row_is_the_contracts_json() {
    let s = given([
        partnership(P1, &[AREA]),
        venue(U1, "V1", AREA),
        venue(U2, "V2", AREA),
        need(P1, "N2", 30),
        need(P1, "N1", 10),
        offer(U2, "B", "V2", 5),
        offer(U1, "Z", "V1", 4),
        offer(U1, "A", "V1", 3),
    ]);
    let rows = s.engine.gaps(P1, &Filter::default()).expect("registered");
    assert_eq!(
        serde_json::to_value(&rows).expect("serialises"),
        json!([{
            "academic_year": "2001/02", "subject": "4.1", "level": "3", "age_group": "16-18",
            "demand": 40, "supply": 12, "unmet": 28, "coverage": 0.3, "severity": "high",
            "needs": ["N1", "N2"], "interest": 0,
            "offers": [
                {"ukprn": U1, "offer_id": "A", "places": 3},
                {"ukprn": U1, "offer_id": "Z", "places": 4},
                {"ukprn": U2, "offer_id": "B", "places": 5},
            ],
        }])
    );
}
