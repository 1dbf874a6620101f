//! Which offers are live in a partnership: offered and not withdrawn, at a venue registered in
//! one of its areas.

use crate::support::*;
use serde_json::{Value, json};

fn check(events: Vec<Value>, expect_p1: &[&str], expect_p2: &[&str]) {
    let s = given(events);
    assert_eq!(s.offers(P1), expect_p1, "offers live in p1");
    assert_eq!(s.offers(P2), expect_p2, "offers live in p2");
}

#[test]
fn an_offer_before_its_venue_is_live_once_the_venue_registers() {
    let s = given([partnership(P1, &[AREA]), offer(U1, "O1", "V1", 10)]);
    assert!(s.offers(P1).is_empty());
    check(vec![partnership(P1, &[AREA]), offer(U1, "O1", "V1", 10), venue(U1, "V1", AREA)], &["10000001/O1 10"], &[]);
}

#[test]
fn a_venue_in_an_area_of_no_partnership_makes_nothing_live() {
    check(vec![partnership(P1, &[AREA]), venue(U1, "V1", AREA2), offer(U1, "O1", "V1", 10)], &[], &[]);
}

#[test]
fn a_venue_registered_in_a_new_area_takes_its_offers_along() {
    check(
        vec![
            partnership(P1, &[AREA]),
            partnership(P2, &[AREA2]),
            venue(U1, "V1", AREA),
            offer(U1, "O1", "V1", 10),
            offer(U1, "O2", "V1", 12),
            venue(U1, "V1", AREA2),
        ],
        &[],
        &["10000001/O1 10", "10000001/O2 12"],
    );
}

#[test]
fn an_area_listed_by_two_partnerships_puts_its_offers_in_both() {
    check(
        vec![
            partnership(P1, &[AREA]),
            partnership(P2, &[AREA, AREA2]),
            venue(U1, "V1", AREA),
            offer(U1, "O1", "V1", 10),
        ],
        &["10000001/O1 10"],
        &["10000001/O1 10"],
    );
}

#[test]
fn a_provider_can_offer_in_several_partnerships() {
    check(
        vec![
            partnership(P1, &[AREA]),
            partnership(P2, &[AREA2]),
            venue(U1, "V1", AREA),
            venue(U1, "V2", AREA2),
            offer(U1, "O1", "V1", 10),
            offer(U1, "O2", "V2", 12),
        ],
        &["10000001/O1 10"],
        &["10000001/O2 12"],
    );
}

#[test]
fn re_registering_a_partnership_moves_offers_in_and_out() {
    let s = given([
        partnership(P1, &[AREA]),
        venue(U1, "V1", AREA),
        venue(U2, "V2", AREA2),
        offer(U1, "O1", "V1", 10),
        offer(U2, "O2", "V2", 12),
        partnership(P1, &[AREA2]),
    ]);
    assert_eq!(s.offers(P1), ["10000002/O2 12"]);
    assert_eq!(s.engine.providers(P1), Some(vec![provisio_events::vocab::Vocab::parse(U2).expect("ukprn")]));
}

#[test]
fn a_withdrawn_offer_is_not_live_and_offering_it_again_revives_it() {
    let base = || vec![partnership(P1, &[AREA]), venue(U1, "V1", AREA), offer(U1, "O1", "V1", 10)];
    check([base(), vec![withdrawal(U1, "O1")]].concat(), &[], &[]);
    check([base(), vec![withdrawal(U1, "O1"), offer(U1, "O1", "V1", 14)]].concat(), &["10000001/O1 14"], &[]);
}

#[test]
fn withdrawing_an_offer_that_is_not_live_changes_nothing() {
    let mut s = given([partnership(P1, &[AREA]), venue(U1, "V1", AREA), offer(U1, "O1", "V1", 10)]);
    assert!(s.when(withdrawal(U1, "NOPE")).is_empty());
    assert!(s.when(withdrawal(U2, "O1")).is_empty());
    assert_eq!(s.offers(P1), ["10000001/O1 10"]);
}

#[test]
fn offering_again_replaces_every_field_including_the_venue() {
    check(
        vec![
            partnership(P1, &[AREA]),
            partnership(P2, &[AREA2]),
            venue(U1, "V1", AREA),
            venue(U1, "V2", AREA2),
            offer(U1, "O1", "V1", 10),
            offer(U1, "O1", "V2", 7),
        ],
        &[],
        &["10000001/O1 7"],
    );
}

#[test]
fn planned_offers_count_as_supply() {
    let planned = with(offer(U1, "O1", "V1", 10), "status", json!("planned"));
    check(vec![partnership(P1, &[AREA]), venue(U1, "V1", AREA), planned], &["10000001/O1 10"], &[]);
}

#[test]
fn a_curriculum_plan_withdraws_every_offer_of_its_year_it_no_longer_lists() {
    check(
        vec![
            partnership(P1, &[AREA]),
            venue(U1, "V1", AREA),
            venue(U2, "V2", AREA),
            offer(U1, "SINGLE", "V1", 10),
            plan(U1, YEAR, vec![course("A", "V1", 5), course("B", "V1", 6)]),
            with(offer(U1, "NEXT-YEAR", "V1", 9), "academic_year", json!("2002/03")),
            offer(U2, "OTHER", "V2", 8),
            plan(U1, YEAR, vec![course("B", "V1", 16), course("C", "V1", 7)]),
        ],
        &["10000001/B 16", "10000001/C 7", "10000001/NEXT-YEAR 9", "10000002/OTHER 8"],
        &[],
    );
}

#[test]
fn an_empty_plan_withdraws_the_whole_year_even_offers_not_live_yet() {
    check(
        vec![
            partnership(P1, &[AREA]),
            venue(U1, "V1", AREA),
            offer(U1, "O1", "V1", 10),
            offer(U1, "LATER", "V9", 10),
            plan(U1, YEAR, vec![]),
            venue(U1, "V9", AREA),
        ],
        &[],
        &[],
    );
}

#[test]
fn an_offer_moved_to_another_year_leaves_the_old_years_plan() {
    check(
        vec![
            partnership(P1, &[AREA]),
            venue(U1, "V1", AREA),
            offer(U1, "O1", "V1", 10),
            with(offer(U1, "O1", "V1", 10), "academic_year", json!("2002/03")),
            plan(U1, YEAR, vec![]),
        ],
        &["10000001/O1 10"],
        &[],
    );
}
