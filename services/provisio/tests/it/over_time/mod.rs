//! Reports over time (CONTRACT section 10) through HTTP on both databases: a report as of an
//! earlier position or instant is the live report captured right after that position.

use crate::helpers::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

mod changes;
mod images;
mod terminal;
mod what_if;

const REPORTS: [&str; 4] = ["gaps", "duplications", "coverage", "targets"];
const UKPRNS: [&str; 3] = ["10000001", "10000002", "10000003"];
const YEARS: [&str; 2] = ["2026/27", "2027/28"];

/// A generator of random but valid events of one partnership and three providers.
struct Events {
    rng: fastrand::Rng,
    next_id: u32,
}

impl Events {
    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("e{}", self.next_id)
    }

    fn partnership(&mut self, ty: &str, data: Value) -> Value {
        let mut data = data;
        data["partnership_id"] = json!("hull");
        json!({"specversion": "1.0", "id": self.id(), "source": "urn:lp:hull", "type": ty, "time": "2026-09-01T09:00:00Z", "data": data})
    }

    fn provider(&mut self, ukprn: &str, ty: &str, data: Value) -> Value {
        let mut data = data;
        data["ukprn"] = json!(ukprn);
        json!({"specversion": "1.0", "id": self.id(), "source": format!("urn:ukprn:{ukprn}"), "type": ty, "time": "2026-09-01T09:00:00Z", "data": data})
    }

    fn registration(&mut self) -> Value {
        let rules =
            json!({"surplus_tolerance": self.rng.u8(0..4) as f64 / 10.0, "min_group_size": self.rng.u32(0..15)});
        self.partnership(
            "lp.partnership.registered.v1",
            json!({"name": "Hull", "areas": ["E06000010"], "rules": rules}),
        )
    }

    fn venue(&mut self, ukprn: &str, in_area: bool) -> Value {
        // Now and then a venue moves out of the partnership's area, taking its offers along.
        let area = if in_area { "E06000010" } else { "E08000024" };
        self.provider(
            ukprn,
            "lp.venue.registered.v1",
            json!({"venue_id": "V", "name": "Campus", "postcode": "HU1 3DT", "area": area}),
        )
    }

    fn offer(&mut self) -> Value {
        let ukprn = UKPRNS[self.rng.usize(..UKPRNS.len())];
        let year = YEARS[self.rng.usize(..YEARS.len())];
        let subject = ["4.1", "5.2"][self.rng.usize(..2)];
        let mode = ["full-time", "part-time"][self.rng.usize(..2)];
        let data = json!({"offer_id": format!("O{}", self.rng.u8(0..4)), "venue_id": "V", "title": "Course", "subject": subject,
                          "level": "3", "age_group": "16-18", "mode": mode, "academic_year": year, "places": self.rng.u32(1..30)});
        self.provider(ukprn, "lp.provision.offered.v1", data)
    }

    /// A random event of the log; the cells are few, so rows open, change and close often.
    fn next(&mut self) -> Value {
        let ukprn = UKPRNS[self.rng.usize(..UKPRNS.len())];
        let offer_id = format!("O{}", self.rng.u8(0..4));
        let year = YEARS[self.rng.usize(..YEARS.len())];
        let subject = ["4.1", "5.2"][self.rng.usize(..2)];
        match self.rng.u8(0..20) {
            0 => self.registration(),
            1 => {
                let in_area = self.rng.u8(0..3) > 0;
                self.venue(ukprn, in_area)
            }
            2..=7 => self.offer(),
            8 | 9 => self.provider(ukprn, "lp.provision.withdrawn.v1", json!({"offer_id": offer_id})),
            10 | 11 => {
                let data = json!({"offer_id": offer_id, "enrolled": self.rng.u32(0..30), "as_of": format!("2026-10-{:02}", self.rng.u8(1..28))});
                self.provider(ukprn, "lp.enrolment.reported.v1", data)
            }
            12..=16 => {
                let data = json!({"need_id": format!("N{}", self.rng.u8(0..4)), "subject": subject, "level": "3", "age_group": "16-18",
                                  "academic_year": year, "learners": self.rng.u32(1..60), "evidence": "employer-survey"});
                self.partnership("lp.need.identified.v1", data)
            }
            17 => {
                let need_id = format!("N{}", self.rng.u8(0..4));
                self.partnership("lp.need.withdrawn.v1", json!({"need_id": need_id}))
            }
            _ => self.target(),
        }
    }

    fn target(&mut self) -> Value {
        let measure = ["places", "enrolled"][self.rng.usize(..2)];
        let year = YEARS[self.rng.usize(..YEARS.len())];
        let subject = ["4.1", "5.2"][self.rng.usize(..2)];
        let data = json!({"target_id": format!("T{}", self.rng.u8(0..2)), "academic_year": year, "measure": measure,
                          "value": self.rng.u32(1..80), "subject": subject});
        self.partnership("lp.target.set.v1", data)
    }
}

/// The four reports, read with `query` appended.
async fn reports(app: &TestApp, query: &str) -> Vec<(u16, Value)> {
    let mut out = Vec::new();
    for report in REPORTS {
        let path = if report == "coverage" {
            format!("/v1/partnerships/hull/coverage?academic_year=2026/27&{query}")
        } else {
            format!("/v1/partnerships/hull/{report}?{query}")
        };
        out.push(app.get(&path).await);
    }
    out
}

/// Inside every row, `needs` by need id and `offers` by UKPRN then offer id.
fn assert_rows_in_order(answer: &Value) {
    for rows in ["gaps", "duplications"] {
        for row in answer[rows].as_array().into_iter().flatten() {
            let needs: Vec<&str> = row["needs"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            assert!(needs.is_sorted(), "needs out of order: {row}");
            let offers: Vec<(&str, &str)> = row["offers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| (o["ukprn"].as_str().unwrap(), o["offer_id"].as_str().unwrap()))
                .collect();
            assert!(offers.is_sorted(), "offers out of order: {row}");
        }
    }
}

/// Each log entry's position and `recorded_at`.
async fn recorded_at(app: &TestApp) -> Vec<(u64, OffsetDateTime)> {
    let log = app.log().await;
    let instant = |e: &Value| OffsetDateTime::parse(e["recorded_at"].as_str().unwrap(), &Rfc3339).unwrap();
    log.iter().map(|e| (e["position"].as_u64().unwrap(), instant(e))).collect()
}

/// Posts a random log a few events at a time, capturing the live reports right after each
/// batch; answers the captures by position (0: before anything, the empty reports).
async fn post_random_log(app: &TestApp, seed: u64) -> BTreeMap<u64, Vec<(u16, Value)>> {
    let mut events = Events { rng: fastrand::Rng::with_seed(seed), next_id: 0 };
    let mut captured = BTreeMap::new();
    let mut first: Vec<Value> = vec![events.registration()];
    first.extend(UKPRNS.map(|u| events.venue(u, true)));
    first.push(events.target());
    // Two providers' offers of one key, no demand yet: a duplication from the start; then
    // anything goes. Their ids are outside the generator's O0..O3, so no later offer of the
    // first batch replaces them before the first capture.
    for ukprn in &UKPRNS[..2] {
        let mut offer = events.offer();
        offer["source"] = json!(format!("urn:ukprn:{ukprn}"));
        offer["data"]["ukprn"] = json!(ukprn);
        for (field, value) in
            [("offer_id", "D"), ("subject", "4.1"), ("mode", "full-time"), ("academic_year", "2026/27")]
        {
            offer["data"][field] = json!(value);
        }
        first.push(offer);
    }
    first.extend((0..6).map(|_| events.offer()));
    let mut batch = first;
    for _ in 0..30 {
        let (status, answer) = app.post_events(&Value::Array(batch)).await;
        assert_eq!(status, 202, "{answer}");
        assert_eq!(answer["rejected"], json!([]), "the generator makes valid events only");
        let last =
            answer["accepted"].as_array().unwrap().iter().map(|a| a["position"].as_u64().unwrap()).max().unwrap();
        let live = reports(app, &format!("min_position={last}")).await;
        for (status, answer) in &live {
            assert_eq!((*status, answer["position"].as_u64()), (200, Some(last)), "{answer}");
            assert_rows_in_order(answer);
        }
        captured.insert(last, live);
        batch = (0..events.rng.usize(1..4)).map(|_| events.next()).collect();
    }
    for (i, rows) in ["gaps", "duplications", "cells", "targets"].iter().enumerate() {
        let shown = captured.values().filter(|live| live[i].1[rows].as_array().is_some_and(|r| !r.is_empty())).count();
        assert!(shown > 0, "seed {seed}: the log never made {rows}, so it proves little");
    }
    captured
}

#[tokio::test]
async fn a_report_as_of_a_position_is_the_live_report_right_after_it_on_both_databases() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        let seed = fastrand::u64(..);
        let captured = post_random_log(&app, seed).await;
        let positions: Vec<u64> = captured.keys().copied().collect();
        for _ in 0..12 {
            let n = positions[fastrand::usize(..positions.len())];
            let past = reports(&app, &format!("as_of_position={n}")).await;
            assert_eq!(past, captured[&n], "as of {n}, seed {seed}, {db:?}");
        }
        // Before anything was applied the partnership exists now, so its reports are empty.
        for (status, answer) in reports(&app, "as_of_position=0").await {
            assert_eq!((status, answer["position"].as_u64()), (200, Some(0)));
            let rows = ["gaps", "duplications", "cells", "targets"].iter().find_map(|k| answer[*k].as_array());
            assert_eq!(rows.map(Vec::len), Some(0), "{answer}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_report_as_of_an_instant_is_the_report_after_the_last_position_recorded_by_then() {
    let app = spawn_app(Db::Postgres, None).await;
    let captured = post_random_log(&app, fastrand::u64(..)).await;
    let recorded = recorded_at(&app).await;
    for &n in captured.keys().filter(|n| **n > 0).take(8) {
        let at = recorded.iter().find(|(p, _)| *p == n).unwrap().1;
        // The greatest position recorded by `at`: a later batch may share its timestamp.
        let expected = recorded.iter().filter(|(_, t)| *t <= at).map(|(p, _)| *p).max().unwrap();
        // The same instant written with another offset.
        let text = at.to_offset(time::UtcOffset::from_hms(5, 30, 0).unwrap()).format(&Rfc3339).unwrap();
        let past = reports(&app, &format!("as_of={}", text.replace('+', "%2B"))).await;
        assert_eq!(past, captured[&expected], "as of {text}");
    }
    let before = recorded[0].1 - time::Duration::seconds(1);
    let (status, answer) =
        app.get(&format!("/v1/partnerships/hull/gaps?as_of={}", before.format(&Rfc3339).unwrap())).await;
    assert_eq!((status, &answer["position"], &answer["gaps"]), (200, &json!(0), &json!([])));
    app.stop().await;
}

#[tokio::test]
async fn as_of_refuses_both_parameters_and_malformed_values_and_judges_existence_now() {
    let app = spawn_app(Db::Sqlite, None).await;
    post_random_log(&app, 7).await;
    for (query, parameter) in [
        ("as_of_position=1&as_of=2026-01-01T00:00:00Z", "as_of_position"),
        ("as_of_position=-1", "as_of_position"),
        ("as_of_position=x", "as_of_position"),
        ("as_of=yesterday", "as_of"),
        ("as_of=2026-01-01", "as_of"),
    ] {
        for report in REPORTS {
            let (status, problem) = app.get(&format!("/v1/partnerships/hull/{report}?{query}")).await;
            assert_eq!((status, problem["code"].as_str()), (400, Some("invalid-parameter")), "{report}?{query}");
            assert!(problem["detail"].as_str().unwrap().contains(parameter), "{problem}");
        }
    }
    let (status, problem) = app.get("/v1/partnerships/nowhere/gaps?as_of_position=1").await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("partnership-not-found")));
    // A position beyond the last applied one is waited for, as min_position is.
    let last = app.log().await.last().unwrap()["position"].as_u64().unwrap();
    let (status, problem) = app.get(&format!("/v1/partnerships/hull/gaps?as_of_position={}", last + 1)).await;
    assert_eq!((status, problem["code"].as_str()), (503, Some("not-yet-applied")));
    app.stop().await;
}
