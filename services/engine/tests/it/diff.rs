//! The changes object between two states (CONTRACT section 10): net, in report order.

use crate::support::*;
use provisio_engine::{Changes, Engine};
use serde_json::{Value, json};

/// The changes of P1 from the state after `before` to the state after `before` and `then`.
fn changes(before: Vec<Value>, then: Vec<Value>) -> Value {
    let mut s =
        given([partnership(P1, &[AREA]), venue(U1, "V1", AREA), venue(U2, "V2", AREA)].into_iter().chain(before));
    let (from, earlier): (u64, Engine) = (s.engine.position(), s.engine.clone());
    for e in then {
        s.when(e);
    }
    serde_json::to_value(Changes::between(P1, (from, &earlier), (Some(s.engine.position()), &s.engine))).unwrap()
}

#[test]
fn a_row_opened_and_closed_in_between_does_not_appear() {
    let c = changes(vec![], vec![need(P1, "N1", 20), need_withdrawn(P1, "N1")]);
    assert_eq!(c["gaps"], json!({"opened": [], "closed": [], "changed": []}));
    assert_eq!(c["summary"]["gaps"], json!([0, 0]));
}

#[test]
fn a_changed_row_shows_before_and_after_and_the_summary_pairs_both_states() {
    let c = changes(vec![need(P1, "N1", 20)], vec![offer(U1, "O1", "V1", 5), need(P1, "N2", 10)]);
    let changed = &c["gaps"]["changed"][0];
    assert_eq!((&changed["before"]["unmet"], &changed["before"]["severity"]), (&json!(20), &json!("critical")));
    assert_eq!((&changed["after"]["unmet"], &changed["after"]["severity"]), (&json!(25), &json!("high")));
    assert_eq!(changed["after"]["needs"], json!(["N1", "N2"]));
    assert_eq!(
        c["summary"],
        json!({"unmet": [20, 25], "gaps": [1, 1], "critical": [1, 0], "duplications": [0, 0], "wasteful": [0, 0]})
    );
}

#[test]
fn opened_rows_come_in_report_order_and_closed_rows_as_they_were() {
    let small = with(need(P1, "N1", 5), "subject", json!("5.2"));
    let large = with(need(P1, "N2", 50), "level", json!("2"));
    let c = changes(vec![need(P1, "N0", 30)], vec![small, large, need_withdrawn(P1, "N0")]);
    let opened: Vec<&Value> = c["gaps"]["opened"].as_array().unwrap().iter().map(|r| &r["needs"]).collect();
    assert_eq!(opened, [&json!(["N2"]), &json!(["N1"])], "largest unmet first");
    let closed = &c["gaps"]["closed"][0];
    assert_eq!((&closed["needs"], &closed["unmet"]), (&json!(["N0"]), &json!(30)), "as it was at from");
    assert_eq!(c["summary"]["unmet"], json!([30, 55]));
}

#[test]
fn a_duplication_opens_and_a_target_set_in_between_has_no_before() {
    let c = changes(
        vec![target(P1, "T1", "places", 100), offer(U1, "O1", "V1", 10)],
        vec![offer(U2, "O2", "V2", 10), target(P1, "T2", "places", 50)],
    );
    assert_eq!(c["duplications"]["opened"][0]["providers"], json!([U1, U2]));
    let targets = c["targets"]["changed"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    assert_eq!((&targets[0]["before"]["current"], &targets[0]["after"]["current"]), (&json!(10), &json!(20)));
    assert_eq!((&targets[1]["before"], &targets[1]["after"]["target_id"]), (&Value::Null, &json!("T2")));
}

#[test]
fn a_what_if_shows_what_drafts_would_change_and_leaves_the_engine_as_it_was() {
    let mut s = given([partnership(P1, &[AREA]), venue(U1, "V1", AREA), need(P1, "N1", 20)]);
    let drafts: Vec<_> =
        [offer(U1, "O1", "V1", 20), need(P1, "N2", 5)].iter().map(|e| provisio_events::validate(e).unwrap()).collect();
    let before = s.gaps(P1);

    let c = serde_json::to_value(s.engine.what_if(P1, &drafts)).unwrap();

    assert_eq!((&c["from"], &c["to"]), (&json!(3), &Value::Null));
    assert_eq!(c["gaps"]["changed"][0]["after"]["unmet"], json!(5));
    assert_eq!(c["summary"]["unmet"], json!([20, 5]));
    assert_eq!((s.gaps(P1), s.engine.position()), (before, 3), "the engine itself is untouched");
    assert_eq!(s.when(need(P1, "N3", 1)), ["gap.changed 2001/02 4.1 3 16-18"], "and goes on from where it was");
}
