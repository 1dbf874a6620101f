//! What-if cost on a state shaped like services/bench's (CONTRACT section 10, issue 15): 204
//! partnerships, 4,000 providers with a venue in their home partnership and, for a quarter of
//! them, one in the next, 24 needs and 4 targets each, and `WHAT_IF_OFFERS` live offers
//! (default 1,000,000) over random cells, a fifth with an enrolment report. It then answers
//! the bench's what-if (the first 100 live offers of partnership `lp-000` offered again with
//! 20 more places) over and over, and prints the CPU time per request of its parts: reading
//! the drafts as the API does, cloning the engine, the what-if, the what-if with its JSON.
//! Figures to read beside BENCHMARKS.md, never an assertion.
//!
//! `cargo bench -p provisio-engine --bench what_if` (`WHAT_IF_ROUNDS`, default 500 requests)

use provisio_engine::Engine;
use provisio_events::Event;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PARTNERSHIPS: u32 = 204;
const PROVIDERS: u32 = 4_000;
const DRAFTS: usize = 100;
const SUBJECTS: &[&str] = &[
    "1.2", "1.3", "1.5", "2.1", "2.2", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "5.2", "6.1", "6.2", "7.4",
    "8.1", "9.1", "9.2", "9.3", "10.1", "10.3", "11.2", "11.4", "12.1", "12.2", "14.1", "14.2", "15.2", "15.3",
];
const LEVELS: &[&str] = &["entry", "1", "2", "2", "3", "3", "3", "4"];
const AGES: &[&str] = &["16-18", "16-18", "19+", "19+", "14-16"];
const MODES: &[&str] = &["full-time", "full-time", "part-time", "part-time", "work-based", "distance"];
const YEARS: &[&str] = &["2025/26", "2026/27"];

/// CPU time this thread has run so far (Linux's schedstat): what it costs, whatever else the
/// machine is doing, where a wall clock counts the waits for a core too.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").expect("Linux schedstat");
    Duration::from_nanos(stat.split_whitespace().next().and_then(|ns| ns.parse().ok()).expect("run time in ns"))
}

fn event(n: &mut u64, source: String, kind: &str, data: Value) -> Event {
    *n += 1;
    let json = json!({"specversion": "1.0", "id": format!("e{n}"), "source": source, "type": format!("lp.{kind}.v1"),
                      "time": "2026-09-01T09:00:00Z", "data": data});
    provisio_events::validate(&json).unwrap_or_else(|e| panic!("invalid bench event {json}: {e:?}"))
}

fn area(p: u32) -> String {
    format!("E07{:06}", 100 + p)
}

/// The engine with the whole world applied, the drafts of the bench's what-if as JSON, the
/// events applied and the time spent applying them.
fn world(offers: usize) -> (Engine, Vec<String>, u64, Duration) {
    let mut rng = fastrand::Rng::with_seed(0x9E37_79B9_7F4A_7C15);
    let mut pick = |list: &[&'static str]| list[rng.usize(..list.len())];
    let mut engine = Engine::new();
    let mut n = 0;
    let mut applying = Duration::ZERO;
    let mut apply = |engine: &mut Engine, n: &mut u64, e: Event| {
        let started = cpu();
        engine.apply(*n, &e);
        applying += cpu() - started;
    };
    for p in 0..PARTNERSHIPS {
        let id = format!("lp-{p:03}");
        let data = json!({"partnership_id": id, "name": format!("Learning Partnership {p}"), "areas": [area(p)]});
        let e = event(&mut n, format!("urn:lp:{id}"), "partnership.registered", data);
        apply(&mut engine, &mut n, e);
        for k in 0..24 {
            let data = json!({"partnership_id": id, "need_id": format!("N{k}"), "subject": pick(SUBJECTS),
                "level": pick(&LEVELS[1..]), "age_group": pick(AGES), "academic_year": pick(YEARS),
                "learners": 10 + k * 7, "evidence": "labour-market"});
            let e = event(&mut n, format!("urn:lp:{id}"), "need.identified", data);
            apply(&mut engine, &mut n, e);
        }
        for t in 0..4 {
            let measure = if t % 2 == 0 { "places" } else { "enrolled" };
            let data = json!({"partnership_id": id, "target_id": format!("T{t}"), "academic_year": YEARS[1],
                "measure": measure, "value": 100 + 50 * t, "subject": SUBJECTS[t * 3]});
            let e = event(&mut n, format!("urn:lp:{id}"), "target.set", data);
            apply(&mut engine, &mut n, e);
        }
    }
    let mut venues = Vec::new();
    for i in 0..PROVIDERS {
        let (u, home) = (10_000_000 + i, i % PARTNERSHIPS);
        let other = if pick(&["a", "b", "c", "d"]) == "a" { (home + 1) % PARTNERSHIPS } else { home };
        venues.push([home, other]);
        for (v, p) in [home, other].into_iter().enumerate() {
            let data = json!({"ukprn": u.to_string(), "venue_id": format!("V{v}"), "name": "Campus",
                "postcode": "SR1 3AD", "area": area(p)});
            let e = event(&mut n, format!("urn:ukprn:{u}"), "venue.registered", data);
            apply(&mut engine, &mut n, e);
        }
    }
    let mut first: Vec<(u32, usize, usize, Value)> = Vec::new();
    for o in 0..offers {
        let (i, number) = ((o % PROVIDERS as usize) as u32, o / PROVIDERS as usize);
        let u = 10_000_000 + i;
        let v = usize::from(pick(&["0", "1"]) == "1");
        let data = json!({"ukprn": u.to_string(), "academic_year": pick(YEARS), "offer_id": format!("O{number}"),
            "venue_id": format!("V{v}"), "title": "A course", "subject": pick(SUBJECTS), "level": pick(LEVELS),
            "age_group": pick(AGES), "mode": pick(MODES), "places": 8 + (o % 23), "status": "confirmed"});
        if venues[i as usize][v] == 0 {
            first.push((i, number, v, data.clone()));
        }
        let e = event(&mut n, format!("urn:ukprn:{u}"), "provision.offered", data);
        apply(&mut engine, &mut n, e);
        if o % 5 == 0 {
            let data = json!({"ukprn": u.to_string(), "offer_id": format!("O{number}"), "enrolled": o % 30,
                "as_of": "2026-10-15"});
            let e = event(&mut n, format!("urn:ukprn:{u}"), "enrolment.reported", data);
            apply(&mut engine, &mut n, e);
        }
    }
    first.sort_by_key(|(i, number, _, _)| (*i, *number));
    let drafts = first.into_iter().take(DRAFTS).enumerate().map(|(k, (i, _, _, mut data))| {
        data["places"] = json!(data["places"].as_u64().unwrap_or(0) + 20);
        json!({"specversion": "1.0", "id": format!("what-if-draft-{k}"), "source": format!("urn:ukprn:{}", 10_000_000 + i),
               "type": "lp.provision.offered.v1", "time": "1970-01-01T00:00:00Z", "data": data})
        .to_string()
    });
    (engine, drafts.collect(), n, applying)
}

/// The drafts read as the API reads them: each parsed and validated as an event.
fn read(drafts: &[String]) -> Vec<Event> {
    let parse = |text: &String| serde_json::from_str(text).expect("drafts are JSON");
    drafts.iter().map(|text| provisio_events::validate(&parse(text)).expect("drafts are valid")).collect()
}

fn main() {
    let offers = std::env::var("WHAT_IF_OFFERS").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let rounds = std::env::var("WHAT_IF_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(500);
    let started = Instant::now();
    let (engine, texts, events, applying) = world(offers);
    let each = applying.as_secs_f64() * 1e6 / events as f64;
    println!(
        "{offers} offers made in {:.1} s; {events} events applied, {each:.2} µs each",
        started.elapsed().as_secs_f64()
    );
    let drafts = read(&texts);
    let answer = serde_json::to_vec(&engine.what_if("lp-000", &drafts)).expect("changes serialise");
    println!("answer: {} bytes", answer.len());
    let per_request = |started: Duration| (cpu() - started).as_secs_f64() * 1e3 / rounds as f64;

    let started = cpu();
    for _ in 0..rounds {
        std::hint::black_box(read(&texts));
    }
    println!("drafts parsed and validated: {:.3} ms per request", per_request(started));
    let started = cpu();
    for _ in 0..rounds {
        drop(std::hint::black_box(engine.clone()));
    }
    println!("engine cloned and dropped: {:.3} ms per request", per_request(started));
    let started = cpu();
    for _ in 0..rounds {
        std::hint::black_box(engine.what_if("lp-000", &drafts));
    }
    println!("what-if: {:.3} ms per request", per_request(started));
    let started = cpu();
    for _ in 0..rounds {
        std::hint::black_box(serde_json::to_vec(&engine.what_if("lp-000", &drafts)).expect("changes serialise"));
    }
    println!("what-if and its JSON: {:.3} ms per request", per_request(started));
}
