//! The finder over an engine built from events: words, order and refresh.

use provisio_engine::Engine;
use provisio_events::vocab::{LocalId, Ukprn, Vocab};
use provisio_finder::{Finder, Search};
use serde_json::{Value, json};
use std::sync::Arc;

fn event(n: usize, source: &str, kind: &str, data: Value) -> provisio_events::Event {
    let e = json!({"specversion": "1.0", "id": format!("e{n}"), "source": source, "type": format!("lp.{kind}.v1"),
                   "time": "2001-10-15T09:00:00Z", "data": data});
    provisio_events::validate(&e).unwrap()
}

fn offer(n: usize, offer_id: &str, title: &str, description: &str, subject: &str) -> provisio_events::Event {
    event(
        n,
        "urn:ukprn:10000001",
        "provision.offered",
        json!({"ukprn": "10000001", "offer_id": offer_id, "venue_id": "V",
        "title": title, "description": description, "subject": subject, "level": "3", "age_group": "19+", "mode": "part-time",
        "academic_year": "2001/02", "places": 10}),
    )
}

fn check(finder: &Finder, q: &str, expect: &[&str]) {
    let page = finder.search(&Search { q: Some(q.into()), limit: 100, ..Search::default() }).unwrap();
    let got: Vec<&str> = page.hits.iter().map(|h| h.course.offer_id.as_str()).collect();
    assert_eq!(got, expect, "q = {q:?}");
    assert_eq!(page.total, expect.len());
}

#[test]
fn words_are_stemmed_all_must_match_and_syntax_is_just_words() {
    let mut engine = Engine::new();
    let events = [
        event(
            1,
            "urn:lp:p1",
            "partnership.registered",
            json!({"partnership_id": "p1", "name": "P", "areas": ["E08000024"]}),
        ),
        event(
            2,
            "urn:ukprn:10000001",
            "venue.registered",
            json!({"ukprn": "10000001", "venue_id": "V", "name": "V", "postcode": "SR1 3AD", "area": "E08000024"}),
        ),
        offer(3, "A", "Engineering", "Workshops and machines", "4.1"),
        offer(4, "B", "Motor vehicle engineering", "Cars", "4.3"),
        offer(5, "C", "Accounting", "Bookkeeping for small businesses", "15.1"),
    ];
    for (i, e) in events.iter().enumerate() {
        engine.apply(i as u64 + 1, e);
    }
    let mut finder = Finder::new(None).unwrap();
    finder.rebuild(&Arc::new(engine.clone())).unwrap();
    check(&finder, "engineer", &["A", "B"]);
    check(&finder, "ENGINEERS vehicles", &["B"]);
    check(&finder, "machine", &["A"]);
    check(&finder, "business", &["C"]);
    check(&finder, "engineering accounting", &[]);
    for syntax in ["\"engineer", "engineer AND (", "title:engineer", "engineer*", "+engineer -cars~2"] {
        assert!(finder.search(&Search { q: Some(syntax.into()), limit: 10, ..Search::default() }).is_ok(), "{syntax}");
    }

    // A withdrawal refreshed from the engine is gone from the next search.
    let withdrawal =
        event(6, "urn:ukprn:10000001", "provision.withdrawn", json!({"ukprn": "10000001", "offer_id": "A"}));
    let mut touched = engine.courses_touched_by(&withdrawal);
    engine.apply(6, &withdrawal);
    touched.extend(engine.courses_touched_by(&withdrawal));
    finder.refresh(&Arc::new(engine.clone()), &touched).unwrap();
    check(&finder, "engineer", &["B"]);
    assert!(finder.course(&Ukprn::parse("10000001").unwrap(), &LocalId::parse("A").unwrap()).is_none());

    // New words are found once committed; the old ones are gone at once.
    let renamed = offer(7, "B", "Motor vehicle maintenance", "Cars", "4.3");
    let added = offer(8, "D", "Electrical installation", "Wiring", "4.1");
    let mut touched = Vec::new();
    for (position, e) in [(7, &renamed), (8, &added)] {
        touched.extend(engine.courses_touched_by(e));
        engine.apply(position, e);
        touched.extend(engine.courses_touched_by(e));
    }
    finder.refresh(&Arc::new(engine.clone()), &touched).unwrap();
    check(&finder, "engineer", &[]);
    check(&finder, "maintenance", &[]);
    finder.commit().unwrap();
    check(&finder, "maintenance vehicles", &["B"]);
    check(&finder, "wiring", &["D"]);
    let b = finder.course(&Ukprn::parse("10000001").unwrap(), &LocalId::parse("B").unwrap()).unwrap();
    assert_eq!(b.title, "Motor vehicle maintenance");
}
