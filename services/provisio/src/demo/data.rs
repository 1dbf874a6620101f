//! The demo's data: three partnerships and their providers, with offers, needs and targets
//! generated from a seed, then members and proposals (`collab`), as the CloudEvents a real deployment would receive.

use serde_json::{Value, json};

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

pub(super) struct Partnership {
    pub(super) id: &'static str,
    pub(super) name: &'static str,
    pub(super) areas: &'static [&'static str],
}

pub(super) const PARTNERSHIPS: &[Partnership] = &[
    Partnership { id: "sunderland", name: "Sunderland Learning Partnership", areas: &["E08000024"] },
    Partnership { id: "south-tyneside", name: "South Tyneside Learning Partnership", areas: &["E08000023"] },
    Partnership {
        id: "hull-east-riding",
        name: "Hull and East Riding Learning Partnership",
        areas: &["E06000010", "E06000011"],
    },
];

pub(super) struct Provider {
    pub(super) ukprn: &'static str,
    pub(super) name: &'static str,
    pub(super) kind: &'static str,
    website: Option<&'static str>,
    /// (venue id, name, postcode, area)
    pub(super) venues: &'static [(&'static str, &'static str, &'static str, &'static str)],
    subjects: &'static [&'static str],
}

pub(super) const PROVIDERS: &[Provider] = &[
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
pub(super) const EVIDENCE: &[&str] =
    &["employer-survey", "labour-market", "learner-survey", "careers-service", "lsc", "other"];
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
pub(super) fn note(evidence: &str, n: u64) -> &'static str {
    let notes = NOTES[EVIDENCE.iter().position(|e| *e == evidence).unwrap_or(EVIDENCE.len() - 1)];
    notes[(n % notes.len() as u64) as usize]
}
pub(super) const YEARS: &[&str] = &["2025/26", "2026/27"];

/// Builds CloudEvents with ids and times derived from the seed and a counter.
pub(super) struct Emitter {
    seed: u64,
    n: u64,
    pub(super) events: Vec<Value>,
}

impl Emitter {
    pub(super) fn emit(&mut self, source: String, ty: &str, data: Value) {
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
            json!({"partnership_id": p.id, "name": p.name, "areas": p.areas, "iag": super::public::iag(p.id)}),
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
                let (venue_id, venue, _, area) = rng.pick(provider.venues);
                let subject = *rng.pick(provider.subjects);
                let level = *rng.pick(LEVELS);
                let age = if provider.kind == "adult-community" { "19+" } else { *rng.pick(AGE_GROUPS) };
                let mode = if provider.kind == "employer" { "work-based" } else { *rng.pick(MODES) };
                let places = 8 + rng.below(23);
                let offer_id =
                    format!("{}-{}-{}-{}", subject.replace('.', "_"), level.to_uppercase(), year.replace('/', ""), i);
                let title = format!("{} (level {level})", provider_subject_name(subject));
                let mut offer = json!({"offer_id": offer_id, "venue_id": venue_id, "title": title, "subject": subject, "level": level,
                                   "age_group": age, "mode": mode, "places": places, "status": if *year == "2026/27" { "confirmed" } else { "planned" },
                                   "duration_weeks": 36});
                let course = super::public::Course {
                    provider: provider.name,
                    website: provider.website,
                    venue,
                    subject_name: provider_subject_name(subject),
                    level,
                    age_group: age,
                    mode,
                    year,
                    offer_id: &offer_id,
                    n: i,
                };
                offer.as_object_mut().expect("an object").extend(super::public::details(&course));
                offers.push(offer);
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
    super::collab::collaboration(&mut out);
    super::plan::publish(&mut out);
    out.events
}

fn provider_subject_name(code: &str) -> &'static str {
    use provisio_events::vocab::{SubjectCode, Vocab};
    SubjectCode::parse(code).map_or("Course", |s| s.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::to_candidate;

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
        let plans = a.iter().filter(|e| e["type"] == "lp.plan.published.v1").count();
        assert_eq!(plans, 2, "Sunderland's plan, published twice");
    }

    /// The finder measures from every demo venue and takes interest from its districts.
    #[test]
    fn the_postcode_extract_places_every_venue_in_its_district() {
        let lookup = provisio_import::PostcodeLookup::from_csv(crate::demo::POSTCODES.as_bytes()).unwrap();
        for (_, _, postcode, area) in PROVIDERS.iter().flat_map(|p| p.venues) {
            assert_eq!(lookup.get(postcode).map(provisio_events::vocab::Vocab::as_str), Some(*area), "{postcode}");
        }
        for area in PARTNERSHIPS.iter().flat_map(|p| p.areas) {
            let rows = crate::demo::POSTCODES.lines().filter(|l| l.ends_with(&format!(",{area}"))).count();
            assert!(rows > 1_000, "{area}: {rows} postcodes");
        }
    }
}
