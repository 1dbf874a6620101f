//! The reference model: the contract's state kept as plainly as possible, and every report
//! recomputed from it from scratch, exact fractions for the rule comparisons.

use super::*;
use serde_json::json;
use std::collections::BTreeSet;

type Id = (String, String);

/// A cell's needs and live offers, in id order.
#[derive(Default)]
struct ModelCell<'a> {
    demand: u64,
    interest: u64,
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
pub(super) struct Model {
    partnerships: BTreeMap<String, Rules>,
    venues: BTreeMap<Id, String>,
    offers: BTreeMap<Id, Value>,
    reports: BTreeMap<Id, (String, u64, u64)>,
    needs: BTreeMap<Id, Value>,
    targets: BTreeMap<Id, Value>,
    /// Every interest registered, as its data.
    interest: Vec<Value>,
}

impl Model {
    pub(super) fn apply(&mut self, e: &Value, position: u64) {
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
            "lp.interest.registered.v1" => self.interest.push(d.clone()),
            _ => {}
        }
    }

    fn enrolled(&self, id: &Id) -> Option<u64> {
        self.reports.get(id).map(|r| r.2)
    }

    /// Every report of `p`, recomputed from nothing; `None` when it is not registered.
    pub(super) fn reports(&self, p: &str) -> Option<Reports> {
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
        for i in self.interest.iter().filter(|i| areas.contains(&s(&i["area"]))) {
            cells.entry(cell_of(i)).or_default().interest += 1;
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
                    "coverage": supply as f64 / d as f64, "severity": severity, "needs": cell.needs, "offers": offers,
                    "interest": cell.interest}),
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
                            "supply": supply(&cell.offers), "interest": cell.interest});
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
                    "subject": t["subject"], "level": t["level"], "age_group": t["age_group"], "title": t["title"], "current": current,
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
