//! Engine images: a random log, an image taken at a random position, decoded, and the rest of
//! the log applied to it, equals the engine that applied the whole log: field for field (the
//! engine's structural equality), change for change, and report for report.

use crate::model::events::Gen;
use crate::model::{PARTNERSHIPS, engine_reports};
use provisio_engine::Engine;
use provisio_events::Event;

const SEEDS: [u64; 4] = [3, 11, 19, 2026];
const EVENTS: usize = 800;
const CUTS: usize = 5;

#[test]
fn an_image_plus_the_tail_equals_a_full_replay() {
    for seed in SEEDS {
        let mut g = Gen::new(seed);
        let log: Vec<(u64, Event)> = (1..=EVENTS)
            .map(|i| {
                (i as u64 * 3, provisio_events::validate_stored(&g.event()).expect("the generator makes valid events"))
            })
            .collect();
        let mut rng = fastrand::Rng::with_seed(seed);
        for _ in 0..CUTS {
            let cut = rng.usize(0..=log.len());
            let mut full = Engine::new();
            for (position, event) in &log[..cut] {
                full.apply(*position, event);
            }
            let image = full.encode();
            let mut restored = Engine::decode(&image).unwrap_or_else(|e| panic!("seed {seed}, cut {cut}: {e}"));
            assert_eq!(restored, full, "seed {seed}: the image at event {cut} decodes to the same state");
            assert_eq!(restored.position(), full.position());
            // Every collection is written in key order, so the decoded engine (whose hash maps
            // have seeds of their own) writes the very same bytes.
            assert!(restored.encode() == image, "seed {seed}, cut {cut}: the image of the decoded engine is the same");
            for (position, event) in &log[cut..] {
                let (a, b) = (restored.apply(*position, event), full.apply(*position, event));
                assert_eq!(a, b, "seed {seed}, cut {cut}: the same changes at position {position}");
            }
            assert_eq!(restored, full, "seed {seed}, cut {cut}: the same state after the tail");
            for p in PARTNERSHIPS {
                assert_eq!(engine_reports(&restored, p), engine_reports(&full, p), "seed {seed}, cut {cut}: {p}");
            }
        }
    }
}

#[test]
fn an_image_is_smaller_than_the_log_it_stands_for() {
    let mut g = Gen::new(5);
    let mut engine = Engine::new();
    let mut log_bytes = 0;
    for i in 1..=EVENTS as u64 {
        let json = g.event();
        log_bytes += json.to_string().len();
        engine.apply(i, &provisio_events::validate_stored(&json).expect("valid"));
    }
    let image = engine.encode();
    assert!(image.len() * 4 < log_bytes, "{} bytes of image for {log_bytes} bytes of log", image.len());
}

#[test]
fn an_image_keeps_every_kind_of_event_s_state() {
    use provisio_events::EventType;
    use provisio_events::example::example_json;
    let mut engine = Engine::new();
    for (position, t) in (1..).zip(EventType::ALL) {
        // As stored: `urn:public` events (interest) are the service's own, which `validate` refuses.
        let event = provisio_events::validate_stored(&example_json(t)).unwrap_or_else(|e| panic!("{t}: {e:?}"));
        engine.apply(position, &event);
    }
    let restored = Engine::decode(&engine.encode()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(restored, engine, "members, proposals and plans come back too");
}
