//! Enrolment reports: kept per (UKPRN, offer id), the latest `as_of` winning, and outliving the
//! offer's replacement and withdrawal.

use crate::support::*;
use serde_json::Value;

/// The partnership's live offers as `offer_id enrolled`, `-` without a report.
fn check(events: Vec<Value>, expect: &[&str]) {
    let mut all = vec![partnership(P1, &[AREA]), venue(U1, "V1", AREA)];
    all.extend(events);
    let s = given(all);
    let (rows, _) = s.engine.offers(P1, None, 100).expect("registered");
    let got: Vec<String> = rows.iter().map(|r| lines(r, "{offer_id} {enrolled}")).collect();
    assert_eq!(got, expect);
}

#[test]
fn an_offer_without_a_report_has_no_enrolment() {
    check(vec![offer(U1, "O1", "V1", 20)], &["O1 -"]);
}

#[test]
fn the_latest_as_of_wins_whatever_order_the_reports_arrive_in() {
    check(
        vec![offer(U1, "O1", "V1", 20), enrolment(U1, "O1", 8, "2001-10-15"), enrolment(U1, "O1", 20, "2001-10-01")],
        &["O1 8"],
    );
    check(
        vec![offer(U1, "O1", "V1", 20), enrolment(U1, "O1", 20, "2001-10-01"), enrolment(U1, "O1", 8, "2001-10-15")],
        &["O1 8"],
    );
}

#[test]
fn on_the_same_as_of_the_later_report_wins() {
    check(
        vec![offer(U1, "O1", "V1", 20), enrolment(U1, "O1", 8, "2001-10-15"), enrolment(U1, "O1", 9, "2001-10-15")],
        &["O1 9"],
    );
}

#[test]
fn a_report_before_its_offer_counts_once_the_offer_is_made() {
    check(vec![enrolment(U1, "O1", 8, "2001-10-15"), offer(U1, "O1", "V1", 20)], &["O1 8"]);
}

#[test]
fn reports_survive_withdrawal_and_replacement() {
    check(
        vec![
            offer(U1, "O1", "V1", 20),
            enrolment(U1, "O1", 8, "2001-10-15"),
            withdrawal(U1, "O1"),
            offer(U1, "O1", "V1", 25),
            plan(U1, YEAR, vec![course("O1", "V1", 30)]),
        ],
        &["O1 8"],
    );
}

#[test]
fn a_report_belongs_to_its_providers_offer_only() {
    check(vec![offer(U1, "O1", "V1", 20), enrolment(U2, "O1", 8, "2001-10-15")], &["O1 -"]);
}
