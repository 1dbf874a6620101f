//! What the finder costs, apart from the service: builds an engine of `N` public offers (the
//! first argument, 200,000 by default) at 40 venues, then times the full build of the index,
//! refreshes of 100 offers each, and searches; prints the resident memory the index added.
//! `cargo run --release -p provisio-finder --example finder_cost -- 1000000`

use provisio_engine::Engine;
use provisio_events::vocab::{LocalId, Ukprn, Vocab};
use provisio_finder::{Finder, Search};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

const WORDS: &[&str] =
    &["Engineering", "Accounting", "Biology", "Chemistry", "Plumbing", "Carpentry", "Nursing", "Hairdressing"];
// Many report cells, as in real data: the engine's reports cost a cell's size per offer.
const SUBJECTS: &[&str] = &["1.2", "1.3", "2.1", "3.1", "4.1", "4.2", "5.2", "6.1", "7.4", "9.1", "12.1", "15.2"];
const LEVELS: &[&str] = &["entry", "1", "2", "3", "4"];
const AGES: &[&str] = &["14-16", "16-18", "19+"];
const MODES: &[&str] = &["full-time", "part-time", "work-based", "distance"];

fn event(n: usize, source: &str, kind: &str, data: Value) -> provisio_events::Event {
    let e = json!({"specversion": "1.0", "id": format!("e{n}"), "source": source, "type": format!("lp.{kind}.v1"),
                   "time": "2026-10-15T09:00:00Z", "data": data});
    provisio_events::validate(&e).expect("a valid event")
}

fn offer(n: usize, o: usize, places: u32) -> provisio_events::Event {
    let (ukprn, mode) = (10_000_000 + o % 40, MODES[(o / 8) % MODES.len()]);
    // Another number of places is another word: the refreshes below change words.
    let word = WORDS[(o + places as usize) % WORDS.len()];
    event(
        n,
        &format!("urn:ukprn:{ukprn}"),
        "provision.offered",
        json!({"ukprn": ukprn.to_string(), "offer_id": format!("O{o}"), "venue_id": "V", "title": format!("{word} level 3 {mode}"),
               "subject": SUBJECTS[o % SUBJECTS.len()], "level": LEVELS[(o / 3) % LEVELS.len()],
               "age_group": AGES[(o / 7) % AGES.len()], "mode": mode, "academic_year": "2026/27", "places": places}),
    )
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:")?.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let mut engine = Engine::new();
    let mut pos = 0;
    let mut apply = |engine: &mut Engine, e: &provisio_events::Event| {
        pos += 1;
        engine.apply(pos, e);
    };
    apply(
        &mut engine,
        &event(
            0,
            "urn:lp:p1",
            "partnership.registered",
            json!({"partnership_id": "p1", "name": "P", "areas": ["E08000024"]}),
        ),
    );
    for u in 0..40 {
        let ukprn = 10_000_000 + u;
        let venue = json!({"ukprn": ukprn.to_string(), "venue_id": "V", "name": "Campus", "postcode": "SR1 3AD",
                           "area": "E08000024", "lat": 54.9 + u as f64 / 100.0, "lon": -1.38});
        apply(&mut engine, &event(1, &format!("urn:ukprn:{ukprn}"), "venue.registered", venue));
    }
    for o in 0..n {
        apply(&mut engine, &offer(o + 2, o, 10));
    }
    let engine = Arc::new(engine);
    let before = rss_kib();
    let started = Instant::now();
    let mut finder = Finder::new(None).expect("an index");
    finder.rebuild(&engine).expect("built");
    let built = started.elapsed();
    let after = rss_kib();
    println!(
        "build: {} courses in {:.2} s; RSS {} → {} MiB, {:.0} B per course",
        finder.len(),
        built.as_secs_f64(),
        before / 1024,
        after / 1024,
        (after.saturating_sub(before) * 1024) as f64 / n as f64
    );

    // Refreshes of 100 changed offers each, as batches of ingest bring them.
    let mut engine = Arc::unwrap_or_clone(engine);
    let (mut refreshing, mut committing) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let rounds = 200;
    for r in 0..rounds {
        let touched: Vec<(Ukprn, LocalId)> = (0..100)
            .map(|i| {
                let o = (r * 100 + i) % n;
                apply(&mut engine, &offer(0, o, 11 + r as u32));
                (
                    Ukprn::parse(&(10_000_000 + o % 40).to_string()).expect("ukprn"),
                    LocalId::parse(&format!("O{o}")).expect("id"),
                )
            })
            .collect();
        let snapshot = Arc::new(engine.clone());
        let started = Instant::now();
        finder.refresh(&snapshot, &touched).expect("refreshed");
        refreshing += started.elapsed();
        // A commit per refresh, as the service did per batch before it timed them.
        let started = Instant::now();
        finder.commit().expect("committed");
        committing += started.elapsed();
    }
    println!(
        "refresh (with dropping the previous engine version, which the finder now holds last): {:.1} µs per offer; a commit of 100 offers' words: {:.2} ms",
        refreshing.as_secs_f64() * 1e6 / (rounds * 100) as f64,
        committing.as_secs_f64() * 1e3 / rounds as f64
    );

    let started = Instant::now();
    let searches = 50;
    let mut total = 0;
    for _ in 0..searches {
        let s = Search { q: Some("engineering full time".into()), limit: 20, ..Search::default() };
        total += finder.search(&s).expect("searched").total;
    }
    println!("word index: {} MiB", finder.text_bytes() >> 20);
    println!(
        "search: {:.2} ms each, {} matches",
        started.elapsed().as_secs_f64() * 1e3 / searches as f64,
        total / searches
    );
}
