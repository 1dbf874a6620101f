//! The report queries around the rows: partnerships, providers, offers, coverage and filters.

use crate::support::*;
use provisio_engine::{Engine, Filter, OfferCursor};
use provisio_events::vocab::{Mode, SubjectCode, Vocab};
use serde_json::json;

#[test]
fn partnerships_list_registered_ones_with_every_rule_filled_in() {
    let s =
        given([rules(P2, &[AREA2, AREA], json!({"min_group_size": 8})), partnership(P1, &[AREA]), need("p3", "N", 4)]);
    assert_eq!(
        serde_json::to_value(s.engine.partnerships()).expect("serialises"),
        json!([
            {"partnership_id": "p1", "name": "p1 partnership", "areas": [AREA],
             "rules": {"surplus_tolerance": 0.2, "viable_fill_rate": 0.6, "min_group_size": 12}},
            {"partnership_id": "p2", "name": "p2 partnership", "areas": [AREA, AREA2],
             "rules": {"surplus_tolerance": 0.2, "viable_fill_rate": 0.6, "min_group_size": 8}},
        ])
    );
    assert!(s.engine.partnership("p3").is_none());
    assert!(s.engine.gaps("p3", &Filter::default()).is_none());
    assert!(s.engine.partnership("Not An Id").is_none());
}

#[test]
fn offers_page_through_in_ukprn_and_offer_id_order() {
    let s = given([
        partnership(P1, &[AREA]),
        venue(U1, "V1", AREA),
        venue(U2, "V2", AREA),
        offer(U2, "A", "V2", 1),
        offer(U1, "C", "V1", 2),
        offer(U1, "B", "V1", 3),
    ]);
    let page = |after: Option<&OfferCursor>| s.engine.offers(P1, after, 2).expect("registered");
    let (rows, next) = page(None);
    assert_eq!(rows.iter().map(|r| r.offer_id.to_string()).collect::<Vec<_>>(), ["B", "C"]);
    let next = next.expect("a second page");
    assert_eq!(next.to_string(), "10000001/C");
    let (rows, last) = page(Some(&next));
    assert_eq!(rows.iter().map(|r| r.offer_id.to_string()).collect::<Vec<_>>(), ["A"]);
    assert_eq!(last, None);
    let (_, exact) = s.engine.offers(P1, None, 3).expect("registered");
    assert_eq!(exact, None, "no cursor when the page ends at the last offer");
}

#[test]
fn an_offer_row_shows_every_field_with_its_provider_and_enrolment() {
    let full = provisio_events::example::example_json(provisio_events::EventType::ProvisionOffered);
    let s = given([
        partnership("sunderland", &[AREA]),
        venue("10006570", "CITY", AREA),
        full,
        enrolment("10006570", "ENG-L3-FT-2001", 19, "2001-10-15"),
    ]);
    let (rows, _) = s.engine.offers("sunderland", None, 10).expect("registered");
    assert_eq!(
        serde_json::to_value(&rows).expect("serialises"),
        json!([{"ukprn": "10006570", "offer_id": "ENG-L3-FT-2001", "venue_id": "CITY",
                "title": "Engineering (Level 3)", "subject": "4.1", "level": "3", "age_group": "16-18",
                "mode": "full-time", "places": 24, "status": "planned", "start_date": "2001-09-10",
                "duration_weeks": 36, "lars_aim": "60005678", "academic_year": "2001/02", "enrolled": 19}])
    );
}

#[test]
fn coverage_lists_the_years_cells_with_demand_or_supply() {
    let s = given([
        partnership(P1, &[AREA]),
        venue(U1, "V1", AREA),
        need(P1, "N", 10),
        with(offer(U1, "O1", "V1", 4), "subject", json!("2.1")),
        with(offer(U1, "O2", "V1", 4), "academic_year", json!("2002/03")),
    ]);
    let year = |y: &str| Filter { academic_year: Vocab::parse(y), ..Filter::default() };
    let cells = |f: &Filter| {
        let rows = s.engine.coverage(P1, f).expect("registered");
        rows.iter().map(|c| lines(c, "{subject} {level} {age_group}: {demand}/{supply}")).collect::<Vec<_>>()
    };
    assert_eq!(cells(&year("2001/02")), ["2.1 3 16-18: 0/4", "4.1 3 16-18: 10/0"]);
    assert_eq!(cells(&year("2002/03")), ["4.1 3 16-18: 0/4"]);
    assert_eq!(cells(&year("2003/04")), Vec::<String>::new());
    assert_eq!(cells(&Filter::default()), ["2.1 3 16-18: 0/4", "4.1 3 16-18: 10/4"], "every year summed");
}

#[test]
fn filters_narrow_the_reports_and_mode_narrows_only_duplications() {
    let s = given([
        partnership(P1, &[AREA]),
        venue(U1, "V1", AREA),
        venue(U2, "V2", AREA),
        with(need(P1, "N", 10), "level", json!("2")),
        with(need(P1, "M", 30), "subject", json!("2.1")),
        offer(U1, "O1", "V1", 5),
        offer(U2, "O2", "V2", 5),
        target(P1, "T", "places", 10),
    ]);
    let engineering = Filter { subject: SubjectCode::parse("4.1"), ..Filter::default() };
    let part_time = Filter { mode: Some(Mode::PartTime), ..Filter::default() };
    let gaps = |f: &Filter| s.engine.gaps(P1, f).expect("registered").len();
    let dups = |f: &Filter| s.engine.duplications(P1, f).expect("registered").len();
    assert_eq!((gaps(&Filter::default()), gaps(&engineering), gaps(&part_time)), (2, 1, 2));
    assert_eq!((dups(&Filter::default()), dups(&engineering), dups(&part_time)), (1, 1, 0));
    assert_eq!(s.engine.targets(P1, &engineering).expect("registered").len(), 0, "T counts every subject");
    assert_eq!(s.engine.targets(P1, &Filter::default()).expect("registered").len(), 1);
}

#[test]
fn a_clone_keeps_its_state_while_the_original_moves_on() {
    let mut s = given([partnership(P1, &[AREA]), venue(U1, "V1", AREA), need(P1, "N", 10)]);
    let snapshot: Engine = s.engine.clone();
    s.when(offer(U1, "O1", "V1", 10));
    assert_eq!(s.engine.gaps(P1, &Filter::default()).map(|g| g.len()), Some(0));
    assert_eq!(snapshot.gaps(P1, &Filter::default()).map(|g| g.len()), Some(1));
    assert_eq!(snapshot.position() + 1, s.engine.position());
}

#[test]
fn a_providers_offers_include_those_not_live_anywhere_and_leave_out_withdrawn_ones() {
    let s = given([
        partnership(P1, &[AREA]),
        venue(U1, "V1", AREA),
        offer(U1, "LIVE", "V1", 5),
        offer(U1, "NO-VENUE-YET", "V9", 6),
        offer(U1, "GONE", "V1", 7),
        withdrawal(U1, "GONE"),
        offer(U2, "OTHER", "V1", 8),
        plan(U1, "2027/28", vec![course("NEXT-YEAR", "V1", 9)]),
    ]);
    let ukprn = provisio_events::vocab::Ukprn::parse(U1).expect("valid");
    let offers: Vec<(String, String)> = s
        .engine
        .provider_offers(&ukprn)
        .into_iter()
        .map(|(year, spec)| (spec.offer_id.to_string(), year.to_string()))
        .collect();
    let year = |id: &str, y: &str| (id.to_owned(), y.to_owned());
    assert_eq!(offers, [year("LIVE", YEAR), year("NEXT-YEAR", "2027/28"), year("NO-VENUE-YET", YEAR)]);
}
