//! The engine against a naive model: random event sequences over a few partnerships sharing
//! areas, providers whose venues move, offers, plans, reports, needs, targets and rule changes,
//! with events re-sent. After every event the engine's reports must equal the model's, which
//! recomputes everything from its own plain state, and the changes emitted so far, replayed
//! into a map, must equal the engine's current rows.

mod courses;
pub(crate) mod events;
mod reference;

use events::Gen;
use provisio_engine::{Change, Engine, Filter};
use provisio_events::vocab::{AcademicYear, Vocab};
use reference::Model;
use serde_json::Value;
use std::collections::BTreeMap;

const SEEDS: [u64; 4] = [1, 7, 42, 2001];
const STEPS: usize = 1000;

pub(crate) const PARTNERSHIPS: [&str; 3] = ["p1", "p2", "p3"];
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
    let mut g = Gen::new(seed);
    let mut engine = Engine::new();
    let mut model = Model::default();
    let mut published: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut snapshots: Vec<(Engine, BTreeMap<&str, Option<Reports>>)> = Vec::new();
    for step in 1..=STEPS {
        let json = g.event();
        // Interest comes from the service's own source, which only the log may hold.
        let public = json["source"] == provisio_events::PUBLIC_SOURCE;
        let read = if public { provisio_events::validate_stored } else { provisio_events::validate };
        let event = read(&json).unwrap_or_else(|e| panic!("seed {seed}: bad event {json}: {e:?}"));
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
pub(crate) struct Reports {
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

pub(crate) fn engine_reports(engine: &Engine, p: &str) -> Option<Reports> {
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
