//! What the finder costs, apart from the service: builds an engine of `N` public offers (the
//! first argument, 200,000 by default) at 204 venues laid out as the benchmark's partnerships
//! are (33 km by 16 km apart), then times the full build of the index, refreshes of 100 offers
//! each, and searches with words, with a point, and with both; prints the resident memory the
//! index added.
//! `cargo run --release -p provisio-finder --example finder_cost -- 1000000`

use provisio_engine::Engine;
use provisio_events::vocab::{LocalId, Ukprn, Vocab};
use provisio_finder::{Finder, Search};
use provisio_import::LatLon;
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
/// Providers, each with one venue, as many as the benchmark's partnerships.
const PROVIDERS: usize = 204;

/// Where provider `u`'s venue is: on the benchmark's grid of partnerships.
fn venue_point(u: usize) -> LatLon {
    LatLon { lat: 50.8 + (u % 12) as f64 * 0.3, lon: -3.5 + (u / 12) as f64 * 0.25 }
}

fn event(n: usize, source: &str, kind: &str, data: Value) -> provisio_events::Event {
    let e = json!({"specversion": "1.0", "id": format!("e{n}"), "source": source, "type": format!("lp.{kind}.v1"),
                   "time": "2026-10-15T09:00:00Z", "data": data});
    provisio_events::validate(&e).expect("a valid event")
}

fn offer(n: usize, o: usize, places: u32) -> provisio_events::Event {
    let (ukprn, mode) = (10_000_000 + o % PROVIDERS, MODES[(o / 8) % MODES.len()]);
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
    for u in 0..PROVIDERS {
        let ukprn = 10_000_000 + u;
        let at = venue_point(u);
        let venue = json!({"ukprn": ukprn.to_string(), "venue_id": "V", "name": "Campus", "postcode": "SR1 3AD",
                           "area": "E08000024", "lat": at.lat, "lon": at.lon});
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
                    Ukprn::parse(&(10_000_000 + o % PROVIDERS).to_string()).expect("ukprn"),
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

    println!("word index: {} MiB", finder.text_bytes() >> 20);
    // As the benchmark's searchers: words, a postcode (25 km, the default), or both.
    let near = Some((venue_point(0), 25.0));
    let searches = [
        (
            "\"engineering full time\"",
            Search { q: Some("engineering full time".into()), limit: 20, ..Search::default() },
        ),
        ("within 25 km", Search { near, limit: 20, ..Search::default() }),
        (
            "\"engineering level 3\" within 25 km",
            Search { q: Some("engineering level 3".into()), near, limit: 20, ..Search::default() },
        ),
    ];
    for (what, search) in searches {
        let (rounds, mut total) = (50, 0);
        let started = Instant::now();
        for _ in 0..rounds {
            total += finder.search(&search).expect("searched").total;
        }
        println!(
            "search {what}: {:.3} ms each (one thread, so CPU time), {} matches",
            started.elapsed().as_secs_f64() * 1e3 / rounds as f64,
            total / rounds
        );
    }
}
