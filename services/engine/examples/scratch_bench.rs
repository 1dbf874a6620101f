use provisio_engine::Engine;
use serde_json::json;
use std::time::Instant;

fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines().find(|l| l.starts_with("VmRSS")).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn ev(n: u64, source: String, kind: &str, data: serde_json::Value) -> provisio_events::Event {
    let j = json!({"specversion": "1.0", "id": format!("e{n}"), "source": source, "type": format!("lp.{kind}.v1"), "time": "2001-10-15T09:00:00Z", "data": data});
    provisio_events::validate(&j).unwrap()
}

fn main() {
    let subjects = ["1.1","1.2","1.3","2.1","2.2","3.1","4.1","4.2","5.1","5.2","6.1","6.2","7.1","7.4","8.1","9.1","10.1","11.1","12.1","15.3"];
    let levels = ["entry","1","2","3","4"];
    let ages = ["14-16","16-18","19+"];
    let modes = ["full-time","part-time"];
    let mut e = Engine::new();
    let mut n = 0;
    let mut events = Vec::new();
    for p in ["p1", "p2"] {
        n += 1; events.push(ev(n, format!("urn:lp:{p}"), "partnership.registered", json!({"partnership_id": p, "name": p, "areas": ["E08000024"]})));
    }
    let providers: Vec<String> = (0..50).map(|i| format!("1{:07}", i)).collect();
    for u in &providers {
        n += 1; events.push(ev(n, format!("urn:ukprn:{u}"), "venue.registered", json!({"ukprn": u, "venue_id": "V", "name": "x", "postcode": "x", "area": "E08000024"})));
    }
    for i in 0..100_000u64 {
        let u = &providers[(i % 50) as usize];
        let h = i.wrapping_mul(2654435761);
        n += 1;
        events.push(ev(n, format!("urn:ukprn:{u}"), "provision.offered", json!({"ukprn": u, "offer_id": format!("O{i}"), "venue_id": "V", "title": "Some course title here", "subject": subjects[(h % 20) as usize], "level": levels[(h / 20 % 5) as usize], "age_group": ages[(h / 100 % 3) as usize], "mode": modes[(h / 300 % 2) as usize], "academic_year": "2001/02", "places": 10 + h % 20})));
        if i % 4 == 0 { n += 1; events.push(ev(n, "urn:lp:p1".into(), "need.identified", json!({"partnership_id": "p1", "need_id": format!("N{i}"), "subject": subjects[(h / 7 % 20) as usize], "level": levels[(h / 3 % 5) as usize], "age_group": "16-18", "academic_year": "2001/02", "learners": 5 + h % 40, "evidence": "lsc"}))); }
        if i % 2 == 0 { n += 1; events.push(ev(n, format!("urn:ukprn:{u}"), "enrolment.reported", json!({"ukprn": u, "offer_id": format!("O{i}"), "enrolled": h % 25, "as_of": "2001-10-01"}))); }
    }
    for t in 0..20 { n += 1; events.push(ev(n, "urn:lp:p1".into(), "target.set", json!({"partnership_id": "p1", "target_id": format!("T{t}"), "academic_year": "2001/02", "measure": if t % 2 == 0 {"places"} else {"enrolled"}, "value": 1000}))); }
    let before = rss_kib();
    let t0 = Instant::now();
    let mut changes = 0;
    for (i, event) in events.iter().enumerate() { changes += e.apply(i as u64 + 1, event).len(); }
    let el = t0.elapsed();
    let after = rss_kib();
    println!("applied {} events in {:?} ({:?}/event), {} changes; RSS +{} KiB = {} B/offer", events.len(), el, el / events.len() as u32, changes, after - before, (after - before) * 1024 / 100_000);
    // steady state: single offer events + clone per event
    let t0 = Instant::now();
    let m = 2000;
    for i in 0..m {
        let u = &providers[i % 50];
        let ev1 = ev(10_000_000 + i as u64, format!("urn:ukprn:{u}"), "provision.offered", json!({"ukprn": u, "offer_id": format!("X{i}"), "venue_id": "V", "title": "t", "subject": "4.1", "level": "3", "age_group": "16-18", "mode": "full-time", "academic_year": "2001/02", "places": 12}));
        e.apply(1_000_000 + i as u64, &ev1);
    }
    println!("steady: {:?}/event", t0.elapsed() / m as u32);
    let t0 = Instant::now();
    for i in 0..m {
        let snap = e.clone();
        let u = &providers[i % 50];
        let ev1 = ev(20_000_000 + i as u64, format!("urn:ukprn:{u}"), "provision.withdrawn", json!({"ukprn": u, "offer_id": format!("X{i}")}));
        e.apply(2_000_000 + i as u64, &ev1);
        drop(snap);
    }
    println!("with a clone per event: {:?}/event", t0.elapsed() / m as u32);
    let t0 = Instant::now();
    let g = e.gaps("p1", &Default::default()).unwrap().len();
    let d = e.duplications("p1", &Default::default()).unwrap().len();
    println!("queries: {g} gaps {d} dups in {:?}", t0.elapsed());
    let t0 = Instant::now();
    let mut after = None; let mut pages = 0;
    loop { let (rows, next) = e.offers("p1", after.as_ref(), 1000).unwrap(); pages += 1; let _ = rows; if next.is_none() { break } after = next; }
    println!("{pages} offer pages in {:?}", t0.elapsed());
}
