//! `provisio demo`: the embedded default with realistic partnerships loaded, then a slow
//! trickle of new events so live views move. The data is generated, deterministic by seed.

use crate::cli::DemoArgs;
use crate::{Application, Config};
use provisio_ingest::{Candidate, Ingest, decode};
use serde_json::{Value, json};
use std::time::Duration;

/// Runs the demo: the embedded default, with no NATS even when the environment names one.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let config = Config::from_flags(&args.server, &args.database_url, None);
    let app = Application::build(&config).await?;
    let url = format!("http://{}/", app.local_addr());
    let ingest = app.ingest().clone();
    let shutdown = app.shutdown_token();
    let events = generate(args.seed);
    let count = events.len();
    let candidates = events.into_iter().map(to_candidate).collect::<anyhow::Result<Vec<_>>>()?;
    for chunk in candidates.chunks(1_000) {
        ingest.submit(chunk.to_vec()).await?;
    }
    let keys = demo_keys(ingest.store(), config.insecure_no_auth).await?;
    println!("Provisio demo: {count} events loaded (seed {}).", args.seed);
    match keys.first() {
        Some((_, _, viewer)) => println!("Open {url}#key={viewer}"),
        None => println!("Open {url}"),
    }
    for (label, role, key) in &keys {
        println!("  {label} ({role}): {key}");
    }
    println!("The API: curl -H 'Authorization: Bearer <key>' {url}v1/partnerships");
    tokio::spawn(trickle(ingest, args.seed, shutdown));
    app.run_until_stopped().await
}

/// Access control stays on in the demo: a viewer key per partnership (the first one opens
/// the dashboard) and an admin key, printed once. None when authentication is off.
async fn demo_keys(
    store: &provisio_store::Store,
    insecure: bool,
) -> anyhow::Result<Vec<(String, &'static str, String)>> {
    if insecure {
        return Ok(Vec::new());
    }
    let mut keys = Vec::new();
    for p in PARTNERSHIPS {
        let principal = provisio_access::Principal::from_parts("viewer", Some(p.id))?;
        let (_, key) = provisio_api::create_key(store, &principal, &format!("demo viewer of {}", p.id)).await?;
        keys.push((format!("viewer of {}", p.name), "viewer", key));
    }
    let (_, admin) = provisio_api::create_key(store, &provisio_access::Principal::Admin, "demo admin").await?;
    keys.push(("administrator".to_owned(), "admin", admin));
    Ok(keys)
}

fn to_candidate(event: Value) -> anyhow::Result<Candidate> {
    decode(&event.to_string(), None, &Default::default())
        .map_err(|r| anyhow::anyhow!("generated demo event {:?} is invalid: {:?}", r.id, r.errors))
}

/// A small deterministic generator (xorshift64*), so the demo (and the benchmark's data)
/// needs no RNG crate. The seed must not be zero.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

struct Partnership {
    id: &'static str,
    name: &'static str,
    areas: &'static [&'static str],
}

const PARTNERSHIPS: &[Partnership] = &[
    Partnership { id: "sunderland", name: "Sunderland Learning Partnership", areas: &["E08000024"] },
    Partnership { id: "south-tyneside", name: "South Tyneside Learning Partnership", areas: &["E08000023"] },
    Partnership {
        id: "hull-east-riding",
        name: "Hull and East Riding Learning Partnership",
        areas: &["E06000010", "E06000011"],
    },
];

struct Provider {
    ukprn: &'static str,
    name: &'static str,
    kind: &'static str,
    website: Option<&'static str>,
    /// (venue id, name, postcode, area)
    venues: &'static [(&'static str, &'static str, &'static str, &'static str)],
    subjects: &'static [&'static str],
}

const PROVIDERS: &[Provider] = &[
    Provider {
        ukprn: "10006570",
        name: "Sunderland College",
        kind: "fe-college",
        website: Some("https://www.sunderlandcollege.ac.uk"),
        venues: &[("CITY", "City Campus", "SR1 3AD", "E08000024"), ("BEDE", "Bede Campus", "SR3 4AH", "E08000024")],
        subjects: &["4.1", "4.3", "5.2", "1.3", "6.1", "7.4", "9.1", "15.2", "14.2", "2.2"],
    },
    Provider {
        ukprn: "10004577",
        name: "Southmoor Academy Sixth Form",
        kind: "school",
        website: None,
        venues: &[("MAIN", "Southmoor Academy", "SR2 7TF", "E08000024")],
        subjects: &["2.1", "2.2", "12.1", "10.1", "11.2", "9.2"],
    },
    Provider {
        ukprn: "10036143",
        name: "Wearside Engineering Training",
        kind: "training-provider",
        website: None,
        venues: &[("HUB", "Pallion Hub", "SR4 6SN", "E08000024")],
        subjects: &["4.1", "4.2", "4.3"],
    },
    Provider {
        ukprn: "10001920",
        name: "Sunderland Adult Learning Service",
        kind: "adult-community",
        website: None,
        venues: &[("LIB", "City Library", "SR1 1RE", "E08000024")],
        subjects: &["14.1", "6.2", "12.2", "1.5"],
    },
    Provider {
        ukprn: "10066201",
        name: "Washington Automotive Skills Centre",
        kind: "employer",
        website: None,
        venues: &[("WASH", "Washington Plant", "NE37 3HW", "E08000024")],
        subjects: &["4.1", "4.2"],
    },
    Provider {
        ukprn: "10006407",
        name: "South Tyneside College",
        kind: "fe-college",
        website: None,
        venues: &[
            ("WESTOE", "Westoe Campus", "NE33 3BT", "E08000023"),
            ("MARINE", "Marine School", "NE34 9PD", "E08000023"),
        ],
        subjects: &["4.3", "4.1", "1.3", "7.4", "5.2", "15.3"],
    },
    Provider {
        ukprn: "10033440",
        name: "Tyne Coast Training",
        kind: "training-provider",
        website: None,
        venues: &[("JARROW", "Jarrow Centre", "NE32 3DT", "E08000023")],
        subjects: &["1.3", "1.5", "15.2"],
    },
    Provider {
        ukprn: "10002061",
        name: "Hull College",
        kind: "fe-college",
        website: Some("https://www.hull-college.ac.uk"),
        venues: &[("QG", "Queen's Gardens", "HU1 3DG", "E06000010")],
        subjects: &["4.1", "5.2", "9.1", "9.3", "1.3", "7.4", "6.1", "8.1"],
    },
    Provider {
        ukprn: "10003161",
        name: "Wyke Sixth Form College",
        kind: "sixth-form-college",
        website: None,
        venues: &[("WYKE", "Wyke Campus", "HU5 4NT", "E06000010")],
        subjects: &["2.1", "2.2", "12.1", "11.4", "10.3", "9.2"],
    },
    Provider {
        ukprn: "10000952",
        name: "Bishop Burton College",
        kind: "fe-college",
        website: None,
        venues: &[("BB", "Bishop Burton Campus", "HU17 8QG", "E06000011")],
        subjects: &["3.1", "3.2", "3.3", "3.4", "8.1"],
    },
    Provider {
        ukprn: "10007138",
        name: "Humber Engineering Training",
        kind: "training-provider",
        website: None,
        venues: &[("STONE", "Stoneferry", "HU8 8BT", "E06000010")],
        subjects: &["4.1", "4.2", "5.2"],
    },
    Provider {
        ukprn: "10001142",
        name: "East Riding Adult Learning",
        kind: "adult-community",
        website: None,
        venues: &[
            ("BEV", "Beverley Centre", "HU17 9BA", "E06000011"),
            ("GOOLE", "Goole Centre", "DN14 5TE", "E06000011"),
        ],
        subjects: &["14.1", "14.2", "6.2", "12.2"],
    },
];

const LEVELS: &[&str] = &["entry", "1", "2", "2", "3", "3", "3", "4"];
const AGE_GROUPS: &[&str] = &["16-18", "16-18", "19+", "19+", "14-16"];
const MODES: &[&str] = &["full-time", "full-time", "part-time", "part-time", "work-based", "distance"];
const EVIDENCE: &[&str] = &["employer-survey", "labour-market", "learner-survey", "careers-service", "lsc", "other"];
/// Each partnership's targets for 2026/27: title, measure, value, and the fields narrowing it.
type TargetSpec = (&'static str, &'static str, u32, &'static [(&'static str, &'static str)]);
const TARGETS: &[TargetSpec] = &[
    ("Places on offer across the partnership", "places", 900, &[]),
    (
        "Level 3 engineering places for 16-18s",
        "places",
        60,
        &[("subject", "4.1"), ("level", "3"), ("age_group", "16-18")],
    ),
    ("Learners enrolled by October", "enrolled", 600, &[]),
];
/// Notes a planner would write beside a need, for each kind of evidence (in EVIDENCE's order).
const NOTES: [&[&str]; 6] = [
    &["Nissan supplier survey, spring", "Chamber of Commerce skills survey", "Port employers' forum, March"],
    &["Local skills improvement plan", "ONS vacancy data, last four quarters", "Growth sector review"],
    &["Year 11 destinations survey", "Adult learners' course requests", "Sixth-form options evening"],
    &["Careers advisers: unplaced 16-18s", "Jobcentre referrals", "Connexions caseload review"],
    &["LSC area review", "LSC funding allocation note", "LSC 16-19 participation figures"],
    &["Raised by the council's regeneration team", "Partnership board, autumn meeting", "Trade union learning reps"],
];

/// A note for a need of this evidence, the `n`th of its kind.
fn note(evidence: &str, n: u64) -> &'static str {
    let notes = NOTES[EVIDENCE.iter().position(|e| *e == evidence).unwrap_or(EVIDENCE.len() - 1)];
    notes[(n % notes.len() as u64) as usize]
}
const YEARS: &[&str] = &["2025/26", "2026/27"];

/// Builds CloudEvents with ids and times derived from the seed and a counter.
struct Emitter {
    seed: u64,
    n: u64,
    events: Vec<Value>,
}

impl Emitter {
    fn emit(&mut self, source: String, ty: &str, data: Value) {
        self.n += 1;
        let minutes = self.n;
        self.events.push(json!({
            "specversion": "1.0",
            "id": format!("demo-{}-{:05}", self.seed, self.n),
            "source": source,
            "type": ty,
            "time": format!("2026-09-{:02}T{:02}:{:02}:00Z", 1 + (minutes / 1440) % 28, (minutes / 60) % 24, minutes % 60),
            "datacontenttype": "application/json",
            "data": data,
        }));
    }
}

fn partnership_of(area: &str) -> Option<&'static Partnership> {
    PARTNERSHIPS.iter().find(|p| p.areas.contains(&area))
}

/// The demo's events, in the order a real partnership would see them.
pub fn generate(seed: u64) -> Vec<Value> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut out = Emitter { seed, n: 0, events: Vec::new() };
    for p in PARTNERSHIPS {
        out.emit(
            format!("urn:lp:{}", p.id),
            "lp.partnership.registered.v1",
            json!({"partnership_id": p.id, "name": p.name, "areas": p.areas}),
        );
    }
    let mut cells: Vec<(&'static str, String, &'static str, &'static str, &'static str)> = Vec::new();
    for provider in PROVIDERS {
        let source = format!("urn:ukprn:{}", provider.ukprn);
        out.emit(
            source.clone(),
            "lp.provider.registered.v1",
            json!({"ukprn": provider.ukprn, "name": provider.name, "kind": provider.kind, "website": provider.website}),
        );
        for (venue_id, name, postcode, area) in provider.venues {
            out.emit(source.clone(), "lp.venue.registered.v1", json!({"ukprn": provider.ukprn, "venue_id": venue_id, "name": name, "postcode": postcode, "area": area}));
        }
        for year in YEARS {
            let mut offers = Vec::new();
            for i in 0..(10 + rng.below(8)) {
                let (venue_id, _, _, area) = rng.pick(provider.venues);
                let subject = *rng.pick(provider.subjects);
                let level = *rng.pick(LEVELS);
                let age = if provider.kind == "adult-community" { "19+" } else { *rng.pick(AGE_GROUPS) };
                let mode = if provider.kind == "employer" { "work-based" } else { *rng.pick(MODES) };
                let places = 8 + rng.below(23);
                let offer_id =
                    format!("{}-{}-{}-{}", subject.replace('.', "_"), level.to_uppercase(), year.replace('/', ""), i);
                let title = format!("{} (level {level})", provider_subject_name(subject));
                offers.push(json!({"offer_id": offer_id, "venue_id": venue_id, "title": title, "subject": subject, "level": level,
                                   "age_group": age, "mode": mode, "places": places, "status": if *year == "2026/27" { "confirmed" } else { "planned" },
                                   "duration_weeks": 36}));
                if let Some(p) = partnership_of(area) {
                    cells.push((p.id, year.to_string(), subject, level, age));
                }
            }
            out.emit(
                source.clone(),
                "lp.curriculum.published.v1",
                json!({"ukprn": provider.ukprn, "academic_year": year, "offers": offers.clone()}),
            );
            for offer in &offers {
                if rng.below(10) >= 7 {
                    continue; // about a third of offers have not reported yet
                }
                let places = offer["places"].as_u64().unwrap_or(10);
                let enrolled = places * (30 + rng.below(80)) / 100;
                out.emit(source.clone(), "lp.enrolment.reported.v1", json!({"ukprn": provider.ukprn, "offer_id": offer["offer_id"], "enrolled": enrolled, "as_of": "2026-10-15"}));
            }
        }
    }
    // Needs: most in cells that have provision (some met, some not), some where none exists.
    for (i, p) in PARTNERSHIPS.iter().enumerate() {
        let mine: Vec<_> = cells.iter().filter(|c| c.0 == p.id).collect();
        for n in 0..24 {
            let (year, subject, level, age) = if n % 4 == 3 || mine.is_empty() {
                (
                    YEARS[1].to_string(),
                    *rng.pick(&["4.1", "1.3", "6.1", "5.2", "3.1", "1.2"]),
                    *rng.pick(&["2", "3", "4"]),
                    *rng.pick(&["16-18", "19+"]),
                )
            } else {
                let c = rng.pick(&mine);
                (c.1.clone(), c.2, c.3, c.4)
            };
            let (learners, evidence) = (10 + rng.below(70), *rng.pick(EVIDENCE));
            out.emit(format!("urn:lp:{}", p.id), "lp.need.identified.v1", json!({
                "partnership_id": p.id, "need_id": format!("N{i}-{n:02}"), "subject": subject, "level": level, "age_group": age,
                "academic_year": year, "learners": learners, "evidence": evidence, "note": note(evidence, n),
            }));
        }
        for (t, (title, measure, value, narrowed)) in TARGETS.iter().enumerate() {
            let mut data = json!({"partnership_id": p.id, "target_id": format!("T{t}"), "academic_year": "2026/27",
                                  "measure": measure, "value": value, "title": title});
            for (field, code) in *narrowed {
                data[*field] = json!(code);
            }
            out.emit(format!("urn:lp:{}", p.id), "lp.target.set.v1", data);
        }
    }
    out.events
}

fn provider_subject_name(code: &str) -> &'static str {
    use provisio_events::vocab::{SubjectCode, Vocab};
    SubjectCode::parse(code).map_or("Course", |s| s.name())
}

/// Every 5 seconds one event, so that live views move both ways: a new need (more unmet
/// demand), then one of the demo's live offers withdrawn (fewer places), and so on. Ids carry
/// the start time, so a second run on the same store adds events rather than repeating them.
async fn trickle(ingest: Ingest, seed: u64, shutdown: tokio_util::sync::CancellationToken) {
    let mut live = Trickle::new(seed, &withdrawn_offers(ingest.store()).await);
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut n = 0u64;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
        n += 1;
        match to_candidate(live.next_event(started, n, time_now())) {
            Ok(c) => {
                if let Err(error) = ingest.submit(vec![c]).await {
                    tracing::warn!(message = "Demo trickle failed.", %error);
                }
            }
            Err(error) => tracing::warn!(message = "Demo trickle made an invalid event.", %error),
        }
    }
}

/// The offers (UKPRN, offer id) that the log shows withdrawn, by an earlier run for instance.
async fn withdrawn_offers(store: &provisio_store::Store) -> std::collections::HashSet<(String, String)> {
    let mut out = std::collections::HashSet::new();
    let mut query = provisio_store::LogQuery {
        after: 0,
        limit: 1_000,
        source: None,
        event_type: Some("lp.provision.withdrawn.v1".into()),
    };
    loop {
        let page = match store.read_log(&query).await {
            Ok(page) => page,
            Err(error) => {
                tracing::warn!(message = "Demo trickle could not read earlier withdrawals.", %error);
                return out;
            }
        };
        for e in &page {
            if let Ok(body) = serde_json::from_str::<Value>(&e.body)
                && let (Some(ukprn), Some(offer)) = (body["data"]["ukprn"].as_str(), body["data"]["offer_id"].as_str())
            {
                out.insert((ukprn.to_owned(), offer.to_owned()));
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == query.limit => query.after = last.position,
            _ => return out,
        }
    }
}

/// What the trickle sends next: deterministic by seed and counter.
struct Trickle {
    rng: Rng,
    /// Live demo offers in the order they will be withdrawn (the later year first, as it is
    /// the year the dashboard opens on), without those already withdrawn.
    to_withdraw: std::vec::IntoIter<(String, String)>,
}

impl Trickle {
    fn new(seed: u64, withdrawn: &std::collections::HashSet<(String, String)>) -> Self {
        let mut rng = Rng(seed ^ 0xD1B5_4A32_D192_ED03);
        let events = generate(seed);
        let mut order = Vec::new();
        for year in YEARS.iter().rev() {
            let mut offers: Vec<(String, String)> = events
                .iter()
                .filter(|e| e["type"] == "lp.curriculum.published.v1" && e["data"]["academic_year"] == *year)
                .flat_map(|e| {
                    let ukprn = e["data"]["ukprn"].as_str().unwrap_or_default().to_owned();
                    let ids: Vec<String> = e["data"]["offers"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|o| o["offer_id"].as_str().map(str::to_owned))
                        .collect();
                    ids.into_iter().map(move |id| (ukprn.clone(), id))
                })
                .collect();
            for i in (1..offers.len()).rev() {
                offers.swap(i, rng.below(i as u64 + 1) as usize);
            }
            order.extend(offers.into_iter().filter(|o| !withdrawn.contains(o)));
        }
        Self { rng, to_withdraw: order.into_iter() }
    }

    /// Event `n` (from 1) of a run started at `started`: odd ones are needs, even ones
    /// withdrawals while live offers remain.
    fn next_event(&mut self, started: u64, n: u64, time: String) -> Value {
        let id = format!("demo-live-{started}-{n}");
        if n.is_multiple_of(2)
            && let Some((ukprn, offer_id)) = self.to_withdraw.next()
        {
            return json!({
                "specversion": "1.0", "id": id, "source": format!("urn:ukprn:{ukprn}"), "type": "lp.provision.withdrawn.v1", "time": time,
                "data": {"ukprn": ukprn, "offer_id": offer_id, "reason": "Withdrawn in the demo, to show live updates"},
            });
        }
        let rng = &mut self.rng;
        let p = rng.pick(PARTNERSHIPS);
        let evidence = *rng.pick(EVIDENCE);
        json!({
            "specversion": "1.0", "id": id, "source": format!("urn:lp:{}", p.id), "type": "lp.need.identified.v1", "time": time,
            "data": {"partnership_id": p.id, "need_id": format!("LIVE-{started}-{n}"), "subject": rng.pick(&["4.1", "1.3", "6.1", "7.4"]),
                     "level": rng.pick(&["2", "3"]), "age_group": "16-18", "academic_year": "2026/27", "learners": 5 + rng.below(20),
                     "evidence": evidence, "note": note(evidence, n)},
        })
    }
}

fn time_now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_valid_deterministic_and_realistic_in_size() {
        let a = generate(7);
        assert_eq!(a, generate(7));
        assert_ne!(a, generate(8));
        for e in &a {
            to_candidate(e.clone()).unwrap();
        }
        let offers: usize = a
            .iter()
            .filter(|e| e["type"] == "lp.curriculum.published.v1")
            .map(|e| e["data"]["offers"].as_array().unwrap().len())
            .sum();
        assert!((200..=600).contains(&offers), "{offers} offers");
    }

    #[test]
    fn the_trickle_alternates_new_needs_and_withdrawals_of_live_offers() {
        let time = || "2026-11-22T10:00:00Z".to_owned();
        let mut a = Trickle::new(7, &Default::default());
        let events: Vec<Value> = (1..=6).map(|n| a.next_event(1, n, time())).collect();
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["lp.need.identified.v1", "lp.provision.withdrawn.v1"].repeat(3));
        for e in &events {
            to_candidate(e.clone()).unwrap();
        }
        let mut b = Trickle::new(7, &Default::default());
        assert_eq!(events, (1..=6).map(|n| b.next_event(1, n, time())).collect::<Vec<_>>(), "deterministic");

        // The demo offered what is withdrawn, and what an earlier run withdrew is skipped.
        let first = (
            events[1]["data"]["ukprn"].as_str().unwrap().to_owned(),
            events[1]["data"]["offer_id"].as_str().unwrap().to_owned(),
        );
        let offered = generate(7).iter().any(|e| {
            e["type"] == "lp.curriculum.published.v1"
                && e["data"]["ukprn"] == first.0.as_str()
                && e["data"]["offers"].as_array().unwrap().iter().any(|o| o["offer_id"] == first.1.as_str())
        });
        assert!(offered, "{first:?}");
        let mut c = Trickle::new(7, &[first.clone()].into_iter().collect());
        assert_ne!(c.next_event(2, 2, time())["data"]["offer_id"], json!(first.1));
    }
}
