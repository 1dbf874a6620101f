//! The finder over an engine built from events: words, order and refresh.

use provisio_engine::Engine;
use provisio_events::vocab::{LocalId, Ukprn, Vocab};
use provisio_finder::{Finder, Search, haversine_km};
use provisio_import::LatLon;
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

/// A small deterministic random source (xorshift), so a failure can be replayed.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// `(ukprn, offer id)` of each hit, in order.
fn keys(page: &provisio_finder::Page) -> Vec<(String, String)> {
    page.hits.iter().map(|h| (h.course.ukprn.as_str().to_owned(), h.course.offer_id.as_str().to_owned())).collect()
}

#[test]
fn searches_near_a_point_give_the_courses_and_order_of_looking_at_every_course() {
    const WORDS: &[&str] = &["engineering", "level", "3", "motor", "vehicle", "accounting", "care", "welding"];
    let mut dice = Dice(0x5eed_1234_abcd_0001);
    let mut engine = Engine::new();
    let mut events = vec![event(
        0,
        "urn:lp:p1",
        "partnership.registered",
        json!({"partnership_id": "p1", "name": "P", "areas": ["E08000024"]}),
    )];
    // 6 providers with 5 venues each, scattered over about 120 km by 90 km.
    let mut points = Vec::new();
    for u in 0..6 {
        for v in 0..5 {
            let (lat, lon) = (54.0 + dice.below(1_000) as f64 / 1_000.0, -2.5 + dice.below(1_500) as f64 / 1_000.0);
            points.push((u, v, lat, lon));
            events.push(event(
                events.len(),
                &format!("urn:ukprn:1000000{u}"),
                "venue.registered",
                json!({"ukprn": format!("1000000{u}"), "venue_id": format!("V{v}"), "name": "V", "postcode": "SR1 3AD",
                       "area": "E08000024", "lat": lat, "lon": lon}),
            ));
        }
    }
    let mut providers = Vec::new();
    let offer = |o: usize, dice: &mut Dice, n: usize, providers: &mut Vec<usize>| {
        let (u, v) = (dice.below(6), dice.below(5));
        providers.push(u);
        let title: Vec<&str> = (0..1 + dice.below(4)).map(|_| WORDS[dice.below(WORDS.len())]).collect();
        let description = WORDS[dice.below(WORDS.len())];
        event(
            n,
            &format!("urn:ukprn:1000000{u}"),
            "provision.offered",
            json!({"ukprn": format!("1000000{u}"), "offer_id": format!("O{o}"), "venue_id": format!("V{v}"),
                   "title": title.join(" "), "description": description, "subject": "4.1", "level": "3",
                   "age_group": "19+", "mode": "part-time", "academic_year": "2001/02", "places": 10}),
        )
    };
    for o in 0..600 {
        let e = offer(o, &mut dice, events.len(), &mut providers);
        events.push(e);
    }
    for (i, e) in events.iter().enumerate() {
        engine.apply(i as u64 + 1, e);
    }
    let mut finder = Finder::new(None).unwrap();
    finder.rebuild(&Arc::new(engine.clone())).unwrap();

    let compare = |finder: &Finder, dice: &mut Dice| {
        for _ in 0..40 {
            let (_, _, lat, lon) = points[dice.below(points.len())];
            let from = LatLon { lat: lat + 0.01, lon: lon - 0.02 };
            let km = [3.0, 10.0, 25.0, 60.0][dice.below(4)];
            let q = format!("{} {}", WORDS[dice.below(WORDS.len())], WORDS[dice.below(WORDS.len())]);
            let limit = 1 + dice.below(30);
            let near = Search { near: Some((from, km)), limit, ..Search::default() };
            let distance = |c: &provisio_engine::PublicCourse| {
                haversine_km(from, LatLon { lat: c.venue.lat.unwrap(), lon: c.venue.lon.unwrap() })
            };

            // With words: every course matching them, in the words' order, less the far ones.
            let everywhere = Search { q: Some(q.clone()), limit: 10_000, ..Search::default() };
            let expected: Vec<_> =
                finder.search(&everywhere).unwrap().hits.into_iter().filter(|h| distance(&h.course) <= km).collect();
            let page = finder.search(&Search { q: Some(q.clone()), ..near.clone() }).unwrap();
            assert_eq!(page.total, expected.len(), "{q:?} within {km} km");
            let expected_keys = keys(&provisio_finder::Page { total: 0, hits: expected, next: None });
            assert_eq!(keys(&page), expected_keys[..limit.min(expected_keys.len())], "{q:?} within {km} km");

            // Without words: every course within the distance, nearest first, ties by key.
            let all = finder.search(&Search { limit: 10_000, ..Search::default() }).unwrap();
            let mut expected: Vec<_> =
                all.hits.iter().map(|h| (distance(&h.course), h)).filter(|(d, _)| *d <= km).collect();
            expected.sort_by(|(a, x), (b, y)| {
                a.total_cmp(b)
                    .then_with(|| (&x.course.ukprn, &x.course.offer_id).cmp(&(&y.course.ukprn, &y.course.offer_id)))
            });
            let page = finder.search(&near).unwrap();
            assert_eq!(page.total, expected.len(), "within {km} km");
            let got: Vec<_> = page.hits.iter().map(|h| (h.distance_km.unwrap(), h.course.offer_id.as_str())).collect();
            let want: Vec<_> = expected.iter().take(limit).map(|(d, h)| (*d, h.course.offer_id.as_str())).collect();
            assert_eq!(got, want, "within {km} km");
        }
    };
    compare(&finder, &mut dice);

    // Withdrawn courses leave the grid as they leave the index; new ones (in a new segment of
    // the word index) join it.
    let mut touched = Vec::new();
    for o in (0..600).step_by(3) {
        let ukprn = format!("1000000{}", providers[o]);
        let withdrawal = event(
            events.len() + o,
            &format!("urn:ukprn:{ukprn}"),
            "provision.withdrawn",
            json!({"ukprn": ukprn, "offer_id": format!("O{o}")}),
        );
        touched.extend(engine.courses_touched_by(&withdrawal));
        engine.apply((events.len() + o) as u64, &withdrawal);
    }
    for o in 600..700 {
        let e = offer(o, &mut dice, 2_000 + o, &mut providers);
        touched.extend(engine.courses_touched_by(&e));
        engine.apply((2_000 + o) as u64, &e);
    }
    finder.refresh(&Arc::new(engine.clone()), &touched).unwrap();
    finder.commit().unwrap();
    assert_eq!(finder.len(), 500);
    compare(&finder, &mut dice);

    // Venues that move take their courses with them: at once for searches without words,
    // and for searches with words once committed (a moved course is a new document there).
    let mut touched = Vec::new();
    // (The searches still start near where the venues were.)
    for (i, (u, v, _, _)) in points.iter().enumerate().filter(|(i, _)| i % 4 == 0) {
        let (lat, lon) = (54.0 + dice.below(1_000) as f64 / 1_000.0, -2.5 + dice.below(1_500) as f64 / 1_000.0);
        let moved = event(
            3_000 + i,
            &format!("urn:ukprn:1000000{u}"),
            "venue.registered",
            json!({"ukprn": format!("1000000{u}"), "venue_id": format!("V{v}"), "name": "V", "postcode": "SR1 3AD",
                   "area": "E08000024", "lat": lat, "lon": lon}),
        );
        touched.extend(engine.courses_touched_by(&moved));
        engine.apply((3_000 + i) as u64, &moved);
    }
    finder.refresh(&Arc::new(engine.clone()), &touched).unwrap();
    compare(&finder, &mut dice);
    finder.commit().unwrap();
    assert_eq!(finder.len(), 500);
    compare(&finder, &mut dice);
}
