//! Interest registered by the public (CONTRACT section 11): counted in every partnership whose
//! areas include its area, beside demand and never in it.

use crate::support::*;
use provisio_engine::Filter;

fn gap_lines(s: &Scenario, id: &str) -> Vec<String> {
    let rows = s.engine.gaps(id, &Filter::default()).unwrap_or_default();
    rows.iter().map(|r| lines(r, "{subject}: demand {demand} supply {supply} interest {interest}")).collect()
}

fn coverage_lines(s: &Scenario, id: &str) -> Vec<String> {
    let rows = s.engine.coverage(id, &Filter::default()).unwrap_or_default();
    rows.iter().map(|r| lines(r, "{subject}: demand {demand} supply {supply} interest {interest}")).collect()
}

#[test]
fn interest_counts_in_every_partnership_covering_its_area_and_never_in_demand() {
    let mut s = given([partnership(P1, &[AREA]), partnership(P2, &[AREA, AREA2]), need(P1, "N1", 10)]);
    s.when(interest(AREA));
    s.when(interest(AREA));
    s.when(interest(AREA2));
    assert_eq!(gap_lines(&s, P1), ["4.1: demand 10 supply 0 interest 2"]);
    assert_eq!(coverage_lines(&s, P2), ["4.1: demand 0 supply 0 interest 3"]);
    let cells = s.engine.interest(P2, &Filter::default()).unwrap();
    assert_eq!(cells.len(), 1);
    assert_eq!(cells[0].interest, 3);
    // Interest alone is no gap: it never adds to demand.
    assert_eq!(gap_lines(&s, P2), Vec::<String>::new());
}

#[test]
fn a_partnership_that_lists_the_area_later_counts_interest_that_came_before() {
    let mut s = given([partnership(P1, &[AREA2]), interest(AREA), interest(AREA)]);
    assert_eq!(coverage_lines(&s, P1), Vec::<String>::new());
    s.when(partnership(P1, &[AREA, AREA2]));
    assert_eq!(coverage_lines(&s, P1), ["4.1: demand 0 supply 0 interest 2"]);
    s.when(partnership(P1, &[AREA2]));
    assert_eq!(coverage_lines(&s, P1), Vec::<String>::new());
    // A partnership registered after the interest counts it too.
    s.when(partnership(P2, &[AREA]));
    assert_eq!(coverage_lines(&s, P2), ["4.1: demand 0 supply 0 interest 2"]);
}

#[test]
fn a_gap_row_whose_interest_changes_is_a_gap_changed() {
    let mut s = given([partnership(P1, &[AREA]), need(P1, "N1", 10)]);
    assert_eq!(s.when(interest(AREA)), ["gap.changed 2001/02 4.1 3 16-18"]);
    // Interest where there is no gap changes no row.
    let mut quiet = given([partnership(P1, &[AREA])]);
    assert_eq!(quiet.when(interest(AREA)), Vec::<String>::new());
}

#[test]
fn interest_in_an_area_no_partnership_lists_is_kept_for_later_and_reports_nothing() {
    let s = given([partnership(P1, &[AREA]), interest(AREA2)]);
    assert_eq!(coverage_lines(&s, P1), Vec::<String>::new());
    assert_eq!(s.engine.partnerships_covering(&provisio_events::vocab::Vocab::parse(AREA2).unwrap()), vec![]);
    assert_eq!(s.engine.partnerships_covering(&provisio_events::vocab::Vocab::parse(AREA).unwrap()).len(), 1);
}
