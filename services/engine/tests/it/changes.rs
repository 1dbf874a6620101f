//! The change stream: one change per row that appeared, changed or disappeared, and none when
//! an event leaves every row as it was.

use crate::support::*;
use serde_json::json;

const NONE: [&str; 0] = [];

fn scenario() -> Scenario {
    given([partnership(P1, &[AREA]), venue(U1, "V1", AREA), venue(U2, "V2", AREA)])
}

#[test]
fn a_gap_opens_changes_and_closes() {
    let mut s = scenario();
    assert_eq!(s.when(need(P1, "N", 20)), ["gap.opened 2001/02 4.1 3 16-18"]);
    assert_eq!(s.when(offer(U1, "O1", "V1", 5)), ["gap.changed 2001/02 4.1 3 16-18"]);
    assert_eq!(s.when(offer(U1, "O2", "V1", 15)), ["gap.closed 2001/02 4.1 3 16-18"]);
}

#[test]
fn a_duplication_opens_changes_and_closes() {
    let mut s = scenario();
    assert_eq!(s.when(offer(U1, "O1", "V1", 5)), NONE);
    assert_eq!(s.when(offer(U2, "O2", "V2", 5)), ["duplication.opened 2001/02 4.1 3 16-18 full-time"]);
    assert_eq!(s.when(enrolment(U2, "O2", 5, "2001-10-01")), ["duplication.changed 2001/02 4.1 3 16-18 full-time"]);
    assert_eq!(s.when(withdrawal(U2, "O2")), ["duplication.closed 2001/02 4.1 3 16-18 full-time"]);
}

#[test]
fn an_event_that_changes_no_row_emits_nothing() {
    let mut s = scenario();
    let o1 = offer(U1, "O1", "V1", 5);
    s.when(need(P1, "N", 20));
    s.when(o1.clone());
    s.when(target(P1, "T", "places", 10));
    assert_eq!(s.when(resent(&o1)), NONE, "the same offer again");
    assert_eq!(s.when(venue(U1, "V1", AREA)), NONE, "the same venue again");
    assert_eq!(s.when(target(P1, "T", "places", 10)), NONE, "the same target again");
    assert_eq!(s.when(with(offer(U1, "O1", "V1", 5), "title", json!("Renamed"))), NONE, "a field no row shows");
    assert_eq!(s.when(enrolment(U1, "O1", 3, "2001-10-01")), NONE, "a report no row shows");
    assert_eq!(s.when(enrolment(U1, "O1", 3, "2001-09-01")), NONE, "an out-of-date report");
    assert_eq!(s.when(need_withdrawn(P1, "NOPE")), NONE);
    assert_eq!(s.when(withdrawal(U1, "NOPE")), NONE);
    assert_eq!(s.when(partnership(P1, &[AREA])), NONE, "the same registration again");
}

#[test]
fn a_target_changes_when_it_is_set_and_when_its_current_moves() {
    let mut s = scenario();
    assert_eq!(s.when(target(P1, "T", "enrolled", 10)), ["target.changed T"]);
    assert_eq!(s.when(offer(U1, "O1", "V1", 5)), NONE, "no report yet: current stays 0");
    assert_eq!(s.when(enrolment(U1, "O1", 4, "2001-10-01")), ["target.changed T"]);
    assert_eq!(s.when(with(target(P1, "T", "enrolled", 10), "subject", json!("4.1"))), ["target.changed T"]);
}

#[test]
fn an_unregistered_partnership_emits_nothing_until_it_registers() {
    let mut s = given([venue(U1, "V1", AREA)]);
    assert_eq!(s.when(need(P1, "N", 20)), NONE);
    assert_eq!(s.when(target(P1, "T", "places", 10)), NONE);
    assert_eq!(s.when(offer(U1, "O1", "V1", 5)), NONE);
    assert_eq!(s.when(partnership(P1, &[AREA])), ["gap.opened 2001/02 4.1 3 16-18", "target.changed T"]);
    assert_eq!(s.gaps(P1), ["4.1 3 16-18: demand 20 supply 5 high"]);
}

#[test]
fn one_event_reports_its_changes_partnership_by_partnership() {
    let mut s = given([partnership(P2, &[AREA]), partnership(P1, &[AREA]), need(P1, "N", 9), need(P2, "N", 9)]);
    let changes = s.apply(offer(U1, "O1", "V9", 5));
    assert!(changes.is_empty());
    let changes = s.apply(venue(U1, "V9", AREA));
    let got: Vec<_> = changes.iter().map(|c| (c.partnership_id.to_string(), change_line(c))).collect();
    assert_eq!(
        got,
        [
            ("p1".to_owned(), "gap.changed 2001/02 4.1 3 16-18".to_owned()),
            ("p2".to_owned(), "gap.changed 2001/02 4.1 3 16-18".to_owned())
        ]
    );
}

#[test]
fn a_change_serialises_as_the_contracts_change_object() {
    let mut s = scenario();
    s.when(need(P1, "N", 20));
    let changes = s.apply(offer(U1, "O1", "V1", 20));
    assert_eq!(
        serde_json::to_value(&changes).expect("serialises"),
        json!([{"position": 5, "kind": "gap.closed",
                "key": {"academic_year": "2001/02", "subject": "4.1", "level": "3", "age_group": "16-18"},
                "row": null}])
    );
    let changes = s.apply(target(P1, "T", "places", 40));
    assert_eq!(serde_json::to_value(&changes[0]).expect("serialises")["key"], json!({"target_id": "T"}));
    assert_eq!(serde_json::to_value(&changes[0]).expect("serialises")["row"]["progress"], json!(0.5));
}
