//! The engine against a naive model: random event sequences over a few partnerships sharing
//! areas, providers whose venues move, offers, plans, reports, needs, targets and rule changes,
//! with events re-sent. After every event the engine's reports must equal the model's, which
//! recomputes everything from its own plain state, and the changes emitted so far, replayed
//! into a map, must equal the engine's current rows.

use provisio_engine::{Change, Engine, Filter};
use provisio_events::vocab::{AcademicYear, Vocab};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const SEEDS: [u64; 4] = [1, 7, 42, 2001];
const STEPS: usize = 1000;

const PARTNERSHIPS: [&str; 3] = ["p1", "p2", "p3"];
const AREAS: [&str; 4] = ["E08000001", "E08000002", "E08000003", "E08000004"];
const PROVIDERS: [&str; 4] = ["10000001", "10000002", "10000003", "10000004"];
const VENUES: [&str; 3] = ["V1", "V2", "V3"];
const OFFER_IDS: [&str; 6] = ["O1", "O2", "O3", "O4", "O5", "O6"];
const YEARS: [&str; 2] = ["2001/02", "2002/03"];
const SUBJECTS: [&str; 2] = ["4.1", "10.1"];
const LEVELS: [&str; 2] = ["3", "entry"];
const AGES: [&str; 2] = ["16-18", "19+"];
const MODES: [&str; 2] = ["full-time", "part-time"];
const NEEDS: [&str; 4] = ["N1", "N2", "N3", "N4"];
const TARGETS: [&str; 3] = ["T1", "T2", "T3"];
/// Rule values as exact fractions beside the number the event carries.
const TOLERANCES: [(i128, i128, f64); 5] = [(0, 1, 0.0), (1, 5, 0.2), (1, 4, 0.25), (1, 2, 0.5), (1, 1, 1.0)];
const VIABLE: [(i128, i128, f64); 5] = [(0, 1, 0.0), (1, 2, 0.5), (3, 5, 0.6), (3, 4, 0.75), (1, 1, 1.0)];

#[test]
fn the_engine_agrees_with_a_from_scratch_model_after_every_event() {
    for seed in SEEDS {
        run(seed);
    }
}

fn run(seed: u64) {
    let mut g = Gen { rng: fastrand::Rng::with_seed(seed), n: 0, history: Vec::new() };
    let mut engine = Engine::new();
    let mut model = Model::default();
    let mut published: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut snapshots: Vec<(Engine, BTreeMap<&str, Option<Reports>>)> = Vec::new();
    for step in 1..=STEPS {
        let json = g.event();
        let event = provisio_events::validate(&json).unwrap_or_else(|e| panic!("seed {seed}: bad event {json}: {e:?}"));
        let position = step as u64 * 2; // positions may have holes
        let changes = engine.apply(position, &event);
        model.apply(&json, position);
        let context = format!("seed {seed}, step {step}, event {json}");
        replay(&mut published, &changes, &context);
        let mut expected = BTreeMap::new();
        for p in PARTNERSHIPS {
            let want = model.reports(p);
            assert_eq!(engine_reports(&engine, p), want, "{context}: reports of {p}");
            assert_eq!(
                published_rows(&published, p),
                want.as_ref().map(Reports::rows).unwrap_or_default(),
                "{context}: change stream of {p}"
            );
            expected.insert(p, want);
        }
        if step % 200 == 0 {
            snapshots.push((engine.clone(), expected));
        }
    }
    for (snapshot, expected) in snapshots {
        for (p, want) in expected {
            assert_eq!(engine_reports(&snapshot, p), want, "seed {seed}: a clone moved with the original");
        }
    }
}

/// Applies changes to the map of published rows, checking each one is a real change.
fn replay(published: &mut BTreeMap<(String, String), Value>, changes: &[Change], context: &str) {
    for c in changes {
        let family = c.kind.as_str().split('.').next().unwrap_or_default().to_owned();
        let key = (c.partnership_id.to_string(), format!("{family} {}", serde_json::to_value(&c.key).expect("key")));
        let row = serde_json::to_value(&c.row).expect("row");
        let old = published.get(&key);
        match c.kind.as_str().split('.').nth(1) {
            Some("opened") => assert!(old.is_none(), "{context}: {} of a row already open", c.kind),
            Some("changed") if family != "target" => assert!(old.is_some(), "{context}: {} of no row", c.kind),
            Some("closed") => assert!(old.is_some(), "{context}: {} of no row", c.kind),
            _ => {}
        }
        assert_ne!(old, Some(&row), "{context}: {} left the row as it was", c.kind);
        if row.is_null() {
            published.remove(&key);
        } else {
            published.insert(key, row);
        }
    }
}

fn published_rows(published: &BTreeMap<(String, String), Value>, p: &str) -> BTreeMap<String, Value> {
    published.iter().filter(|((id, _), _)| id == p).map(|((_, k), row)| (k.clone(), row.clone())).collect()
}

/// Every report of one partnership, as JSON.
#[derive(Debug, PartialEq)]
struct Reports {
    gaps: Value,
    duplications: Value,
    coverage: Vec<Value>,
    targets: Value,
    offers: Value,
    providers: Value,
}

impl Reports {
    /// The rows the change stream covers, by the key fields a change carries.
    fn rows(&self) -> BTreeMap<String, Value> {
        let key = |row: &Value, fields: &[&str]| {
            let fields: serde_json::Map<_, _> = fields.iter().map(|f| (f.to_string(), row[*f].clone())).collect();
            Value::Object(fields).to_string()
        };
        let cell = ["academic_year", "subject", "level", "age_group"];
        let rows = |v: &Value| v.as_array().cloned().unwrap_or_default();
        let gaps = rows(&self.gaps).into_iter().map(|r| (format!("gap {}", key(&r, &cell)), r));
        let dup_key = ["academic_year", "subject", "level", "age_group", "mode"];
        let dups = rows(&self.duplications).into_iter().map(|r| (format!("duplication {}", key(&r, &dup_key)), r));
        let targets = rows(&self.targets).into_iter().map(|r| (format!("target {}", key(&r, &["target_id"])), r));
        gaps.chain(dups).chain(targets).collect()
    }
}

fn json(rows: impl serde::Serialize) -> Value {
    serde_json::to_value(rows).expect("rows serialise")
}

fn engine_reports(engine: &Engine, p: &str) -> Option<Reports> {
    let all = Filter::default();
    let year = |y: &str| Filter { academic_year: AcademicYear::parse(y), ..Filter::default() };
    Some(Reports {
        gaps: json(engine.gaps(p, &all)?),
        duplications: json(engine.duplications(p, &all)?),
        coverage: YEARS.iter().map(|y| engine.coverage(p, &year(y)).map(json)).collect::<Option<_>>()?,
        targets: json(engine.targets(p, &all)?),
        offers: json(engine.offers(p, None, 1000)?.0),
        providers: json(engine.providers(p)?),
    })
}

/// Random valid events, some of them earlier events sent again.
struct Gen {
    rng: fastrand::Rng,
    n: u64,
    history: Vec<Value>,
}

impl Gen {
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.rng.usize(..xs.len())]
    }

    /// Mostly the first value, so that offers and needs meet in the same cells.
    fn mostly<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        if self.rng.u8(..10) < 8 { xs[0] } else { self.pick(xs) }
    }

    fn course(&mut self, offer_id: &str) -> Value {
        let mut c = json!({"offer_id": offer_id, "venue_id": self.pick(&VENUES), "title": "Course",
            "subject": self.mostly(&SUBJECTS), "level": self.mostly(&LEVELS), "age_group": self.mostly(&AGES),
            "mode": self.mostly(&MODES), "places": self.rng.u32(1..=15)});
        if self.rng.bool() {
            c["status"] = json!(if self.rng.bool() { "planned" } else { "confirmed" });
        }
        c
    }

    fn event(&mut self) -> Value {
        self.n += 1;
        let roll = self.rng.u32(..100);
        if roll < 8 && !self.history.is_empty() {
            let mut again = self.history[self.rng.usize(..self.history.len())].clone();
            again["id"] = json!(format!("e{}", self.n));
            return again;
        }
        let u = self.pick(&PROVIDERS);
        let p = self.pick(&PARTNERSHIPS);
        let year = self.mostly(&YEARS);
        let (source, kind, data) = match roll {
            0..=11 => {
                let areas: BTreeSet<&str> = (0..self.rng.usize(1..=3)).map(|_| self.pick(&AREAS)).collect();
                let mut rules = serde_json::Map::new();
                if self.rng.bool() {
                    rules.insert("surplus_tolerance".into(), json!(TOLERANCES[self.rng.usize(..5)].2));
                }
                if self.rng.bool() {
                    rules.insert("viable_fill_rate".into(), json!(VIABLE[self.rng.usize(..5)].2));
                }
                if self.rng.bool() {
                    rules.insert("min_group_size".into(), json!([0, 5, 12][self.rng.usize(..3)]));
                }
                let mut data = json!({"partnership_id": p, "name": p, "areas": areas});
                if self.rng.bool() {
                    data["rules"] = Value::Object(rules);
                }
                ("lp", "partnership.registered", data)
            }
            12..=19 => (
                "ukprn",
                "venue.registered",
                json!({"ukprn": u, "venue_id": self.pick(&VENUES), "name": "V",
                "postcode": "SR1 3AD", "area": self.pick(&AREAS)}),
            ),
            20..=44 => {
                let id = self.pick(&OFFER_IDS);
                let mut data = self.course(id);
                data["ukprn"] = json!(u);
                data["academic_year"] = json!(year);
                ("ukprn", "provision.offered", data)
            }
            45..=51 => ("ukprn", "provision.withdrawn", json!({"ukprn": u, "offer_id": self.pick(&OFFER_IDS)})),
            52..=63 => (
                "ukprn",
                "enrolment.reported",
                json!({"ukprn": u, "offer_id": self.pick(&OFFER_IDS),
                "enrolled": self.rng.u32(0..=15), "as_of": format!("2001-10-0{}", self.rng.u8(1..=4))}),
            ),
            64..=68 => {
                let ids: BTreeSet<&str> = (0..self.rng.usize(0..=4)).map(|_| self.pick(&OFFER_IDS)).collect();
                let offers: Vec<Value> = ids.into_iter().map(|id| self.course(id)).collect();
                ("ukprn", "curriculum.published", json!({"ukprn": u, "academic_year": year, "offers": offers}))
            }
            69..=81 => {
                let mut data = json!({"partnership_id": p, "need_id": self.pick(&NEEDS), "subject": self.mostly(&SUBJECTS),
                    "level": self.mostly(&LEVELS), "age_group": self.mostly(&AGES), "academic_year": year,
                    "learners": self.rng.u32(1..=30), "evidence": "lsc"});
                if self.rng.bool() {
                    data["mode"] = json!(self.pick(&MODES));
                }
                ("lp", "need.identified", data)
            }
            82..=86 => ("lp", "need.withdrawn", json!({"partnership_id": p, "need_id": self.pick(&NEEDS)})),
            87..=94 => {
                let measure = if self.rng.bool() { "places" } else { "enrolled" };
                let mut data = json!({"partnership_id": p, "target_id": self.pick(&TARGETS), "academic_year": year,
                    "measure": measure, "value": self.rng.u32(1..=60)});
                for (field, values) in [("subject", &SUBJECTS), ("level", &LEVELS), ("age_group", &AGES)] {
                    if self.rng.bool() {
                        data[field] = json!(self.mostly(values));
                    }
                }
                ("lp", "target.set", data)
            }
            _ => ("ukprn", "provider.registered", json!({"ukprn": u, "name": "P", "kind": "fe-college"})),
        };
        let source = if source == "lp" { format!("urn:lp:{p}") } else { format!("urn:ukprn:{u}") };
        let e = json!({"specversion": "1.0", "id": format!("e{}", self.n), "source": source,
            "type": format!("lp.{kind}.v1"), "time": "2001-10-15T09:00:00Z", "data": data});
        self.history.push(e.clone());
        e
    }
}

type Id = (String, String);

/// A cell's needs and live offers, in id order.
#[derive(Default)]
struct ModelCell<'a> {
    demand: u64,
    needs: Vec<&'a String>,
    offers: Vec<(&'a Id, &'a Value)>,
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// A registered partnership's areas and rules, the rates as exact fractions.
struct Rules {
    areas: BTreeSet<String>,
    tolerance: (i128, i128),
    viable: (i128, i128),
    min_group: u64,
}

/// The model's whole state: what the contract says to remember, nothing derived.
#[derive(Default)]
struct Model {
    partnerships: BTreeMap<String, Rules>,
    venues: BTreeMap<Id, String>,
    offers: BTreeMap<Id, Value>,
    reports: BTreeMap<Id, (String, u64, u64)>,
    needs: BTreeMap<Id, Value>,
    targets: BTreeMap<Id, Value>,
}

impl Model {
    fn apply(&mut self, e: &Value, position: u64) {
        let d = &e["data"];
        let offer_id = |d: &Value| (s(&d["ukprn"]), s(&d["offer_id"]));
        match e["type"].as_str().unwrap_or_default() {
            "lp.partnership.registered.v1" => {
                let r = &d["rules"];
                let rate = |table: &[(i128, i128, f64)], v: &Value, default: (i128, i128)| {
                    v.as_f64().and_then(|x| table.iter().find(|t| t.2 == x)).map_or(default, |t| (t.0, t.1))
                };
                let rules = Rules {
                    areas: d["areas"].as_array().into_iter().flatten().map(s).collect(),
                    tolerance: rate(&TOLERANCES, &r["surplus_tolerance"], (1, 5)),
                    viable: rate(&VIABLE, &r["viable_fill_rate"], (3, 5)),
                    min_group: r["min_group_size"].as_u64().unwrap_or(12),
                };
                self.partnerships.insert(s(&d["partnership_id"]), rules);
            }
            "lp.venue.registered.v1" => _ = self.venues.insert((s(&d["ukprn"]), s(&d["venue_id"])), s(&d["area"])),
            "lp.provision.offered.v1" => _ = self.offers.insert(offer_id(d), d.clone()),
            "lp.provision.withdrawn.v1" => _ = self.offers.remove(&offer_id(d)),
            "lp.enrolment.reported.v1" => {
                let new = (s(&d["as_of"]), position, d["enrolled"].as_u64().unwrap_or_default());
                let old = self.reports.entry(offer_id(d)).or_insert_with(|| new.clone());
                if (&new.0, new.1) > (&old.0, old.1) {
                    *old = new;
                }
            }
            "lp.curriculum.published.v1" => {
                let (u, year) = (s(&d["ukprn"]), d["academic_year"].clone());
                let listed: Vec<Value> = d["offers"].as_array().cloned().unwrap_or_default();
                let ids: BTreeSet<String> = listed.iter().map(|o| s(&o["offer_id"])).collect();
                self.offers.retain(|(pu, po), o| !(*pu == u && o["academic_year"] == year && !ids.contains(po)));
                for mut o in listed {
                    o["ukprn"] = json!(u);
                    o["academic_year"] = year.clone();
                    self.offers.insert(offer_id(&o), o);
                }
            }
            "lp.need.identified.v1" => _ = self.needs.insert((s(&d["partnership_id"]), s(&d["need_id"])), d.clone()),
            "lp.need.withdrawn.v1" => _ = self.needs.remove(&(s(&d["partnership_id"]), s(&d["need_id"]))),
            "lp.target.set.v1" => _ = self.targets.insert((s(&d["partnership_id"]), s(&d["target_id"])), d.clone()),
            _ => {}
        }
    }

    fn enrolled(&self, id: &Id) -> Option<u64> {
        self.reports.get(id).map(|r| r.2)
    }

    /// Every report of `p`, recomputed from nothing; `None` when it is not registered.
    fn reports(&self, p: &str) -> Option<Reports> {
        let Rules { areas, tolerance, viable, min_group } = self.partnerships.get(p)?;
        let live: Vec<(&Id, &Value)> = self
            .offers
            .iter()
            .filter(|((u, _), o)| self.venues.get(&(u.clone(), s(&o["venue_id"]))).is_some_and(|a| areas.contains(a)))
            .collect();
        let cell_of = |v: &Value| [s(&v["academic_year"]), s(&v["subject"]), s(&v["level"]), s(&v["age_group"])];
        let order = |c: &[String]| {
            let (major, minor) = c[1].split_once('.').unwrap_or_default();
            let level = if c[2] == "entry" { 0 } else { c[2].parse::<u32>().unwrap_or(99) };
            let subject = (major.parse::<u32>().unwrap_or(0), minor.parse::<u32>().unwrap_or(0));
            (c[0].clone(), subject, level, c[3].clone(), c.get(4).cloned())
        };
        let mut cells: BTreeMap<[String; 4], ModelCell<'_>> = BTreeMap::new();
        for (id, o) in &live {
            cells.entry(cell_of(o)).or_default().offers.push((id, o));
        }
        for ((q, need_id), n) in &self.needs {
            if q == p {
                let cell = cells.entry(cell_of(n)).or_default();
                cell.demand += n["learners"].as_u64().unwrap_or(0);
                cell.needs.push(need_id);
            }
        }
        let places = |o: &Value| o["places"].as_u64().unwrap_or(0);
        let supply = |offers: &[(&Id, &Value)]| -> u64 { offers.iter().map(|(_, o)| places(o)).sum() };

        let mut gaps = Vec::new();
        for (c, cell) in &cells {
            let (d, supply) = (cell.demand, supply(&cell.offers));
            if d > supply {
                let severity = if supply == 0 {
                    "critical"
                } else if 2 * supply < d {
                    "high"
                } else {
                    "moderate"
                };
                let offers: Vec<Value> = cell
                    .offers
                    .iter()
                    .map(|((u, o), v)| json!({"ukprn": u, "offer_id": o, "places": places(v)}))
                    .collect();
                gaps.push((
                    d - supply,
                    order(c),
                    json!({"academic_year": c[0], "subject": c[1], "level": c[2],
                    "age_group": c[3], "demand": d, "supply": supply, "unmet": d - supply,
                    "coverage": supply as f64 / d as f64, "severity": severity, "needs": cell.needs, "offers": offers}),
                ));
            }
        }
        gaps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));

        let mut duplications = Vec::new();
        for (c, cell) in &cells {
            for mode in MODES {
                let offers: Vec<_> = cell.offers.iter().filter(|(_, o)| o["mode"] == mode).copied().collect();
                let providers: BTreeSet<&String> = offers.iter().map(|((u, _), _)| u).collect();
                if providers.len() < 2 {
                    continue;
                }
                let d = i128::from(cell.demand);
                let supply = supply(&offers);
                let surplus = i128::from(supply) - d;
                let (mut e_sum, mut p_sum, mut small) = (0u64, 0u64, false);
                let mut rows = Vec::new();
                for (id, o) in &offers {
                    let enrolled = self.enrolled(id);
                    if let Some(e) = enrolled {
                        e_sum += e;
                        p_sum += places(o);
                        small |= e < *min_group;
                    }
                    rows.push(json!({"ukprn": id.0, "offer_id": id.1, "places": places(o), "enrolled": enrolled,
                        "fill_rate": enrolled.map(|e| e as f64 / places(o) as f64)}));
                }
                let beyond = d == 0 || surplus * tolerance.1 > tolerance.0 * d;
                let low = p_sum > 0 && i128::from(e_sum) * viable.1 < viable.0 * i128::from(p_sum);
                if !(beyond || low) {
                    continue;
                }
                let mut key = c.to_vec();
                key.push(mode.to_owned());
                duplications.push((
                    surplus,
                    order(&key),
                    json!({"academic_year": c[0], "subject": c[1], "level": c[2],
                    "age_group": c[3], "mode": mode, "providers": providers, "offers": rows, "supply": supply,
                    "demand": cell.demand, "surplus": surplus as i64,
                    "fill_rate": (p_sum > 0).then(|| e_sum as f64 / p_sum as f64),
                    "severity": if low || small { "wasteful" } else { "overlap" }}),
                ));
            }
        }
        duplications.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));

        let coverage = YEARS
            .iter()
            .map(|y| {
                let mut rows: Vec<_> = cells
                    .iter()
                    .filter(|(c, _)| c[0] == *y)
                    .map(|(c, cell)| {
                        let row = json!({"subject": c[1], "level": c[2], "age_group": c[3], "demand": cell.demand,
                            "supply": supply(&cell.offers)});
                        (order(c), row)
                    })
                    .collect();
                rows.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Array(rows.into_iter().map(|r| r.1).collect())
            })
            .collect();

        let targets: Vec<Value> = self
            .targets
            .iter()
            .filter(|((q, _), _)| q == p)
            .map(|((_, id), t)| {
                let matches = |o: &Value| {
                    ["academic_year", "subject", "level", "age_group"].iter().all(|f| t[*f].is_null() || t[*f] == o[*f])
                };
                let counted = live.iter().filter(|(_, o)| matches(o));
                let current: u64 = if t["measure"] == "places" {
                    counted.map(|(_, o)| places(o)).sum()
                } else {
                    counted.map(|(id, _)| self.enrolled(id).unwrap_or(0)).sum()
                };
                let value = t["value"].as_u64().unwrap_or(1);
                json!({"target_id": id, "academic_year": t["academic_year"], "measure": t["measure"], "value": value,
                    "subject": t["subject"], "level": t["level"], "age_group": t["age_group"], "current": current,
                    "progress": current as f64 / value as f64})
            })
            .collect();

        let offers: Vec<Value> = live
            .iter()
            .map(|((u, id), o)| {
                json!({"ukprn": u, "offer_id": id, "venue_id": o["venue_id"], "title": o["title"], "subject": o["subject"],
                    "level": o["level"], "age_group": o["age_group"], "mode": o["mode"], "places": o["places"],
                    "status": o.get("status").cloned().unwrap_or(json!("confirmed")), "start_date": null,
                    "duration_weeks": null, "lars_aim": null, "academic_year": o["academic_year"],
                    "enrolled": self.enrolled(&(u.clone(), id.clone()))})
            })
            .collect();
        let providers: BTreeSet<&String> = live.iter().map(|((u, _), _)| u).collect();
        Some(Reports {
            gaps: Value::Array(gaps.into_iter().map(|g| g.2).collect()),
            duplications: Value::Array(duplications.into_iter().map(|d| d.2).collect()),
            coverage,
            targets: Value::Array(targets),
            offers: Value::Array(offers),
            providers: json!(providers),
        })
    }
}
