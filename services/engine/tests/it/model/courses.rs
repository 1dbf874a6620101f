//! The finder's view kept in step: a map of public courses refreshed only for the offers
//! `courses_touched_by` names (asked before and after each event) must equal, after every
//! random event, the public courses computed afresh.

use super::*;
use provisio_engine::PublicCourse;
use provisio_events::vocab::{LocalId, Ukprn};

type Courses = BTreeMap<(Ukprn, LocalId), PublicCourse>;

fn fresh(engine: &Engine) -> Courses {
    engine.public_courses().map(|c| ((c.ukprn.clone(), c.offer_id.clone()), c)).collect()
}

#[test]
fn courses_refreshed_where_events_touch_them_equal_the_courses_computed_afresh() {
    for seed in SEEDS {
        let mut g = Gen::new(seed);
        let mut engine = Engine::new();
        let mut kept = Courses::new();
        for step in 1..=STEPS {
            let json = g.event();
            let public = json["source"] == provisio_events::PUBLIC_SOURCE;
            let read = if public { provisio_events::validate_stored } else { provisio_events::validate };
            let event = read(&json).unwrap();
            let mut touched = engine.courses_touched_by(&event);
            engine.apply(step as u64, &event);
            touched.extend(engine.courses_touched_by(&event));
            for (ukprn, offer_id) in touched {
                match engine.public_course(&ukprn, &offer_id) {
                    Some(c) => kept.insert((ukprn, offer_id), c),
                    None => kept.remove(&(ukprn, offer_id)),
                };
            }
            assert_eq!(kept, fresh(&engine), "seed {seed}, step {step}, event {json}");
        }
        assert!(!kept.is_empty(), "seed {seed}: some courses were public at the end");
    }
}
