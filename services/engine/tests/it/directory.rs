//! The planner's view by name: providers with their registrations, live needs with their
//! details, and targets with their titles.

use crate::support::*;
use provisio_engine::Filter;
use provisio_events::vocab::{AcademicYear, Level, Vocab};
use serde_json::{Value, json};

fn registered(ukprn: &str, name: &str, website: Option<&str>) -> Value {
    let mut data = json!({"ukprn": ukprn, "name": name, "kind": "fe-college"});
    if let Some(w) = website {
        data["website"] = json!(w);
    }
    json!({"specversion": "1.0", "id": format!("reg-{ukprn}-{}", name.len()), "source": format!("urn:ukprn:{ukprn}"),
           "type": "lp.provider.registered.v1", "time": "2001-10-15T09:00:00Z", "data": data})
}

fn providers(s: &Scenario, id: &str) -> Value {
    serde_json::to_value(s.engine.provider_directory(id).expect("registered")).expect("serialises")
}

fn need_ids(s: &Scenario, f: &Filter) -> Vec<String> {
    s.engine.needs(P1, f).expect("registered").iter().map(|n| n.need_id.to_string()).collect()
}

#[test]
fn providers_with_live_offers_are_listed_by_ukprn_with_their_latest_registration() {
    let mut s = given([
        partnership(P1, &[AREA]),
        venue(U1, "V1", AREA),
        venue(U2, "V2", AREA),
        venue(U3, "V3", AREA2),
        registered(U2, "Old name", None),
        registered(U2, "Sunderland College", Some("https://sunderlandcollege.ac.uk")),
        registered(U3, "Elsewhere College", None),
        offer(U2, "A", "V2", 10),
        offer(U2, "B", "V2", 10),
        offer(U1, "C", "V1", 10),
        offer(U3, "D", "V3", 10),
    ]);
    assert_eq!(
        providers(&s, P1),
        json!([
            {"ukprn": U1, "name": null, "kind": null, "website": null, "live_offers": 1},
            {"ukprn": U2, "name": "Sunderland College", "kind": "fe-college",
             "website": "https://sunderlandcollege.ac.uk", "live_offers": 2},
        ]),
        "a provider not registered yet has no name; one with no live offer here is not listed"
    );
    assert!(s.when(registered(U1, "Bede Sixth Form", None)).is_empty(), "a registration changes no report row");
    s.when(withdrawal(U2, "A"));
    s.when(withdrawal(U2, "B"));
    assert_eq!(
        providers(&s, P1),
        json!([{"ukprn": U1, "name": "Bede Sixth Form", "kind": "fe-college", "website": null, "live_offers": 1}])
    );
    assert!(s.engine.provider_directory("p9").is_none(), "an unregistered partnership has no answer");
}

#[test]
fn live_needs_are_listed_by_id_with_every_detail_and_a_withdrawn_one_is_gone() {
    let mut s = given([
        partnership(P1, &[AREA]),
        with(with(need(P1, "N2", 40), "note", json!("Nissan supplier survey, spring")), "mode", json!("full-time")),
        with(need(P1, "N1", 12), "area", json!(AREA)),
        need(P1, "N3", 5),
        need(P2, "N9", 5),
    ]);
    let rows = serde_json::to_value(s.engine.needs(P1, &Filter::default()).expect("registered")).unwrap();
    assert_eq!(
        rows[1],
        json!({"need_id": "N2", "academic_year": YEAR, "subject": "4.1", "level": "3", "age_group": "16-18",
               "learners": 40, "evidence": "employer-survey", "mode": "full-time", "area": null,
               "note": "Nissan supplier survey, spring"})
    );
    assert_eq!(rows[0]["area"], json!(AREA));
    assert_eq!(need_ids(&s, &Filter::default()), ["N1", "N2", "N3"]);
    s.when(need_withdrawn(P1, "N2"));
    s.when(with(with(need(P1, "N3", 7), "level", json!("2")), "evidence", json!("lsc")));
    assert_eq!(need_ids(&s, &Filter::default()), ["N1", "N3"]);
    let n3 = &s.engine.needs(P1, &Filter::default()).unwrap()[1];
    assert_eq!((n3.learners, n3.level.as_str(), n3.note.as_deref()), (7, "2", None), "replaced whole");
    let level3 = Filter { level: Level::parse("3"), ..Filter::default() };
    assert_eq!(need_ids(&s, &level3), ["N1"]);
    let other_year = Filter { academic_year: AcademicYear::parse("2002/03"), ..Filter::default() };
    assert!(need_ids(&s, &other_year).is_empty());
    assert!(s.engine.needs(P2, &Filter::default()).is_none(), "P2 never registered");
}

#[test]
fn a_target_carries_its_title_and_a_new_title_is_a_change() {
    let mut s = given([partnership(P1, &[AREA]), target(P1, "T0", "places", 10)]);
    assert_eq!(s.engine.targets(P1, &Filter::default()).unwrap()[0].title, None);
    let titled = with(target(P1, "T0", "places", 10), "title", json!("Level 3 engineering places for 16-18s"));
    assert_eq!(s.when(titled), ["target.changed T0"]);
    let rows = serde_json::to_value(s.engine.targets(P1, &Filter::default()).unwrap()).unwrap();
    assert_eq!(rows[0]["title"], json!("Level 3 engineering places for 16-18s"));
}
