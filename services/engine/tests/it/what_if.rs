//! What-if computes only the rows the drafts touch (src/what_if.rs); its answer must be the
//! changes object between the current state and a clone with the drafts applied, both reports
//! read whole (`Changes::between`): same rows, same order, same summary pairs. Random logs of
//! the model test's events, and random drafts of the same kinds (registrations and rule
//! changes that touch every row, venues that move offers between partnerships, re-sent events).

use crate::model::PARTNERSHIPS;
use crate::model::events::Gen;
use provisio_engine::{Changes, Engine};
use provisio_events::Event;

const SEEDS: [u64; 4] = [3, 11, 97, 2026];
const STEPS: usize = 400;

fn valid(json: &serde_json::Value) -> Event {
    // Interest comes from the service's own source, which only the log may hold.
    let read = if json["source"] == provisio_events::PUBLIC_SOURCE {
        provisio_events::validate_stored
    } else {
        provisio_events::validate
    };
    read(json).unwrap_or_else(|e| panic!("bad event {json}: {e:?}"))
}

#[test]
fn a_what_if_equals_the_whole_reports_compared_before_and_after_the_drafts() {
    let mut compared = 0;
    let mut with_rows = 0;
    for seed in SEEDS {
        let mut g = Gen::new(seed);
        let mut engine = Engine::new();
        for step in 1..=STEPS as u64 {
            engine.apply(step, &valid(&g.event()));
            if step % 20 != 0 {
                continue;
            }
            let drafts: Vec<Event> = (0..1 + step % 7 * 3).map(|_| valid(&g.event())).collect();
            let mut imagined = engine.clone();
            for (n, draft) in (1..).zip(&drafts) {
                imagined.apply(step + n, draft);
            }
            for p in PARTNERSHIPS {
                let full = Changes::between(p, (step, &engine), (None, &imagined));
                let incremental = engine.what_if(p, &drafts);
                assert_eq!(incremental, full, "seed {seed}, step {step}, partnership {p}, drafts {drafts:?}");
                compared += 1;
                with_rows += usize::from(
                    !(full.gaps.opened.is_empty()
                        && full.gaps.changed.is_empty()
                        && full.duplications.closed.is_empty()),
                );
            }
        }
    }
    // The comparisons must have seen rows move, or they would prove nothing.
    assert!(with_rows > compared / 4, "{with_rows} of {compared} what-ifs moved rows");
}
