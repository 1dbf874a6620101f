//! Random valid events for the model test, some of them earlier events sent again.

use super::*;
use serde_json::json;
use std::collections::BTreeSet;

pub(crate) struct Gen {
    rng: fastrand::Rng,
    n: u64,
    history: Vec<Value>,
}

impl Gen {
    pub(crate) fn new(seed: u64) -> Self {
        Gen { rng: fastrand::Rng::with_seed(seed), n: 0, history: Vec::new() }
    }

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

    pub(crate) fn event(&mut self) -> Value {
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
                if self.rng.bool() {
                    data["title"] = json!(format!("Goal {}", self.rng.u32(1..=3)));
                }
                ("lp", "target.set", data)
            }
            95..=97 => (
                "public",
                "interest.registered",
                json!({"area": self.pick(&AREAS), "subject": self.mostly(&SUBJECTS), "level": self.mostly(&LEVELS),
                    "age_group": self.mostly(&AGES), "academic_year": year}),
            ),
            _ => ("ukprn", "provider.registered", json!({"ukprn": u, "name": "P", "kind": "fe-college"})),
        };
        let source = match source {
            "lp" => format!("urn:lp:{p}"),
            "public" => provisio_events::PUBLIC_SOURCE.to_owned(),
            _ => format!("urn:ukprn:{u}"),
        };
        let e = json!({"specversion": "1.0", "id": format!("e{}", self.n), "source": source,
            "type": format!("lp.{kind}.v1"), "time": "2001-10-15T09:00:00Z", "data": data});
        self.history.push(e.clone());
        e
    }
}
