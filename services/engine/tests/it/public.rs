//! Public courses (CONTRACT section 11): offers live in at least one partnership, once each,
//! with the partnerships they count in and what the provider published.

use crate::support::*;
use provisio_events::vocab::{LocalId, Ukprn, Vocab};
use serde_json::json;

fn ids(s: &Scenario) -> Vec<String> {
    let mut v: Vec<String> = s
        .engine
        .public_courses()
        .map(|c| {
            format!(
                "{}/{} in {}",
                c.ukprn,
                c.offer_id,
                c.partnerships.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(",")
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn an_offer_in_two_partnerships_is_one_course_naming_both() {
    let s =
        given([partnership(P1, &[AREA]), partnership(P2, &[AREA]), venue(U1, "V1", AREA), offer(U1, "O1", "V1", 5)]);
    assert_eq!(ids(&s), ["10000001/O1 in p1,p2"]);
}

#[test]
fn offers_live_nowhere_or_withdrawn_are_not_public() {
    let mut s = given([partnership(P1, &[AREA]), venue(U1, "V1", AREA), venue(U1, "V2", AREA2)]);
    s.when(offer(U1, "O1", "V1", 5));
    s.when(offer(U1, "O2", "V2", 5));
    s.when(offer(U1, "O3", "V9", 5));
    assert_eq!(ids(&s), ["10000001/O1 in p1"]);
    s.when(withdrawal(U1, "O1"));
    assert_eq!(ids(&s), Vec::<String>::new());
}

#[test]
fn a_course_shows_what_the_provider_published_and_nothing_of_places_or_enrolments() {
    let mut o = offer(U1, "O1", "V1", 5);
    o["data"]["description"] = json!("Welding and fabrication");
    o["data"]["fee"] = json!(120.0);
    o["data"]["funding"] = json!("fee");
    let s = given([
        partnership(P1, &[AREA]),
        with(venue(U1, "V1", AREA), "lat", json!(54.9)),
        o,
        enrolment(U1, "O1", 3, "2001-10-01"),
    ]);
    let c = s.engine.public_course(&Ukprn::parse(U1).unwrap(), &LocalId::parse("O1").unwrap()).unwrap();
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["description"], "Welding and fabrication");
    assert_eq!((v["fee"].as_f64(), v["funding"].as_str()), (Some(120.0), Some("fee")));
    assert_eq!((v["subject_name"].as_str(), v["venue"]["lat"].as_f64()), (Some("Engineering"), Some(54.9)));
    assert_eq!(v["provider"], json!(null));
    for hidden in ["places", "enrolled", "fill_rate"] {
        assert!(v.get(hidden).is_none(), "{hidden} is shown");
    }
}
