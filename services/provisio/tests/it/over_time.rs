//! Reports over time (CONTRACT section 10) through HTTP on both databases: a report as of an
//! earlier position or instant is the live report captured right after that position.

use crate::helpers::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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

/// Posts a random log a few events at a time, capturing the live reports right after each
/// batch; answers the captures by position (0: before anything, the empty reports).
async fn post_random_log(app: &TestApp, seed: u64) -> BTreeMap<u64, Vec<(u16, Value)>> {
    let mut events = Events { rng: fastrand::Rng::with_seed(seed), next_id: 0 };
    let mut captured = BTreeMap::new();
    let mut first: Vec<Value> = vec![events.registration()];
    first.extend(UKPRNS.map(|u| events.venue(u, true)));
    first.push(events.target());
    // Two providers' offers of one key, no demand yet: a duplication from the start; then
    // anything goes.
    for ukprn in &UKPRNS[..2] {
        let mut offer = events.offer();
        offer["source"] = json!(format!("urn:ukprn:{ukprn}"));
        offer["data"]["ukprn"] = json!(ukprn);
        for (field, value) in [("subject", "4.1"), ("mode", "full-time"), ("academic_year", "2026/27")] {
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
    let recorded: Vec<(u64, OffsetDateTime)> = app
        .log()
        .await
        .iter()
        .map(|e| {
            (
                e["position"].as_u64().unwrap(),
                OffsetDateTime::parse(e["recorded_at"].as_str().unwrap(), &Rfc3339).unwrap(),
            )
        })
        .collect();
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

/// The summary figures of one state from its gaps and duplications answers.
fn figures(gaps: &Value, duplications: &Value) -> [u64; 5] {
    let gaps = gaps["gaps"].as_array().unwrap();
    let duplications = duplications["duplications"].as_array().unwrap();
    let count = |rows: &[Value], severity: &str| rows.iter().filter(|r| r["severity"] == severity).count() as u64;
    [
        gaps.iter().map(|g| g["unmet"].as_u64().unwrap()).sum(),
        gaps.len() as u64,
        count(gaps, "critical"),
        duplications.len() as u64,
        count(duplications, "wasteful"),
    ]
}

/// Every row a changes object shows, from the state it names, is a row of that state's report.
fn assert_rows_from(changes: &Value, family: &str, before: &Value, after: &Value) {
    let rows = |answer: &Value| answer[family].as_array().unwrap().clone();
    let (before, after) = (rows(before), rows(after));
    let part = |name: &str| changes[family][name].as_array().unwrap().clone();
    for row in part("opened") {
        assert!(after.contains(&row) && !before.contains(&row), "opened {row}");
    }
    for row in part("closed") {
        assert!(before.contains(&row) && !after.contains(&row), "closed {row}");
    }
    for pair in part("changed") {
        assert!(before.contains(&pair["before"]) && after.contains(&pair["after"]), "changed {pair}");
        assert_ne!(pair["before"], pair["after"]);
    }
    // Rows in both states unchanged are not shown; every other row of `after` is.
    let unchanged = after.iter().filter(|r| before.contains(r)).count();
    assert_eq!(part("opened").len() + part("changed").len() + unchanged, after.len(), "{changes}");
}

#[tokio::test]
async fn the_changes_between_two_positions_are_net_and_match_the_reports_at_both() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        let seed = fastrand::u64(..);
        let captured = post_random_log(&app, seed).await;
        let positions: Vec<u64> = captured.keys().copied().collect();
        for _ in 0..10 {
            let (mut a, mut b) = (fastrand::usize(..positions.len()), fastrand::usize(..positions.len()));
            if a > b {
                (a, b) = (b, a);
            }
            let (a, b) = (positions[a], positions[b]);
            let (status, changes) = app.get(&format!("/v1/partnerships/hull/changes?from={a}&to={b}")).await;
            assert_eq!(status, 200, "{changes}");
            assert_eq!((&changes["from"], &changes["to"]), (&json!(a), &json!(b)));
            let (then, now) = (&captured[&a], &captured[&b]);
            assert_rows_from(&changes, "gaps", &then[0].1, &now[0].1);
            assert_rows_from(&changes, "duplications", &then[1].1, &now[1].1);
            let s = &changes["summary"];
            let pairs: Vec<[u64; 2]> = ["unmet", "gaps", "critical", "duplications", "wasteful"]
                .iter()
                .map(|k| [s[k][0].as_u64().unwrap(), s[k][1].as_u64().unwrap()])
                .collect();
            let (f, t) = (figures(&then[0].1, &then[1].1), figures(&now[0].1, &now[1].1));
            assert_eq!(pairs, (0..5).map(|i| [f[i], t[i]]).collect::<Vec<_>>(), "seed {seed}, {db:?}");
            for change in changes["targets"]["changed"].as_array().unwrap() {
                assert!(now[3].1["targets"].as_array().unwrap().contains(&change["after"]), "{change}");
            }
        }
        // `to` defaults to the last applied position; the same position twice changes nothing.
        let last = *positions.last().unwrap();
        let (_, changes) = app.get(&format!("/v1/partnerships/hull/changes?from={last}")).await;
        assert_eq!(changes["to"], json!(last));
        for family in ["gaps", "duplications"] {
            assert_eq!(changes[family], json!({"opened": [], "closed": [], "changed": []}));
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn changes_take_instants_and_refuse_a_from_after_to() {
    let app = spawn_app(Db::Sqlite, None).await;
    let captured = post_random_log(&app, 11).await;
    let last = *captured.keys().last().unwrap();
    let log = app.log().await;
    let at = log.last().unwrap()["recorded_at"].as_str().unwrap().to_owned();
    let (status, changes) =
        app.get(&format!("/v1/partnerships/hull/changes?from_time=2000-01-01T00:00:00Z&to_time={at}")).await;
    assert_eq!((status, &changes["from"], &changes["to"]), (200, &json!(0), &json!(last)), "{changes}");
    assert_eq!(changes["summary"]["gaps"][0], json!(0));
    for (query, parameter) in [
        ("from=5&to=4", "from"),
        ("to=4", "from"),
        ("from=1&from_time=2026-01-01T00:00:00Z", "from"),
        ("from=1&to=soon", "to"),
        ("from_time=2026-13-01T00:00:00Z", "from_time"),
    ] {
        let (status, problem) = app.get(&format!("/v1/partnerships/hull/changes?{query}")).await;
        assert_eq!((status, problem["code"].as_str()), (400, Some("invalid-parameter")), "{query}: {problem}");
        assert!(problem["detail"].as_str().unwrap().contains(parameter), "{problem}");
    }
    let (status, _) = app.get("/v1/partnerships/nowhere/changes?from=0").await;
    assert_eq!(status, 404);
    app.stop().await;
}

fn hull_event(source: &str, ty: &str, data: Value) -> Value {
    json!({"specversion": "1.0", "source": source, "type": ty, "data": data})
}

fn draft_offer(ukprn: &str, offer_id: &str, places: u32) -> Value {
    hull_event(
        &format!("urn:ukprn:{ukprn}"),
        "lp.provision.offered.v1",
        json!({"ukprn": ukprn, "offer_id": offer_id, "venue_id": "V", "title": "Course", "subject": "4.1", "level": "3",
               "age_group": "16-18", "mode": "full-time", "academic_year": "2026/27", "places": places}),
    )
}

/// Hull with a critical gap of 40 learners (4.1, level 3, 16-18, 2026/27) and three providers'
/// venues; answers the last position.
async fn hull_with_a_gap(app: &TestApp) -> u64 {
    let mut events = Events { rng: fastrand::Rng::with_seed(1), next_id: 0 };
    let mut batch = vec![events.registration()];
    batch.extend(UKPRNS.map(|u| events.venue(u, true)));
    batch.push(events.partnership(
        "lp.need.identified.v1",
        json!({"need_id": "N1", "subject": "4.1", "level": "3", "age_group": "16-18", "academic_year": "2026/27",
               "learners": 40, "evidence": "employer-survey"}),
    ));
    let (status, answer) = app.post_events(&Value::Array(batch)).await;
    assert_eq!(status, 202, "{answer}");
    answer["accepted"][4]["position"].as_u64().unwrap()
}

#[tokio::test]
async fn a_what_if_answers_the_changes_drafts_would_make_and_leaves_log_reports_and_stream_untouched() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        let last = hull_with_a_gap(&app).await;
        let (_, gaps_before) = app.get(&format!("/v1/partnerships/hull/gaps?min_position={last}")).await;
        let metrics_before =
            app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
        let mut sse = crate::reports::Sse::open(&app, "hull", None).await;

        let drafts = json!([draft_offer(UKPRNS[0], "D1", 25), draft_offer(UKPRNS[1], "D2", 5)]);
        let (status, changes) =
            app.post_json(&format!("/v1/partnerships/hull/what-if?min_position={last}"), &drafts).await;

        assert_eq!(status, 200, "{changes}");
        assert_eq!((&changes["from"], &changes["to"]), (&json!(last), &Value::Null));
        let changed = &changes["gaps"]["changed"][0];
        assert_eq!((&changed["before"]["unmet"], &changed["after"]["unmet"]), (&json!(40), &json!(10)));
        assert_eq!(
            changed["after"]["offers"],
            json!([{"ukprn": UKPRNS[0], "offer_id": "D1", "places": 25}, {"ukprn": UKPRNS[1], "offer_id": "D2", "places": 5}])
        );
        assert_eq!(changes["summary"]["critical"], json!([1, 0]));
        // Nothing stored, no report moved, nothing counted.
        assert_eq!(app.log().await.len() as u64, last);
        let (_, gaps_after) = app.get("/v1/partnerships/hull/gaps").await;
        assert_eq!(gaps_after, gaps_before);
        let metrics_after = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
        let accepted = |m: &str| {
            m.lines().filter(|l| l.starts_with("provisio_events_accepted_total")).map(str::to_owned).collect::<Vec<_>>()
        };
        assert_eq!(accepted(&metrics_after), accepted(&metrics_before));
        // The live stream's next change is the next real event's, not the simulation's.
        let (_, real) = app
            .post_events(
                &draft_offer(UKPRNS[2], "R1", 1)
                    .as_object()
                    .map(|o| {
                        let mut o = o.clone();
                        o.insert("id".into(), json!("real-1"));
                        o.insert("time".into(), json!("2026-09-01T09:00:00Z"));
                        Value::Object(o)
                    })
                    .unwrap(),
            )
            .await;
        let (kind, position, data) = sse.next().await;
        assert_eq!((kind.as_str(), position), ("gap.changed", real["accepted"][0]["position"].as_i64().unwrap()));
        assert_eq!(data["row"]["unmet"], json!(39));
        // A draft whose id is in the log already has no effect, as in the log.
        let mut again = draft_offer(UKPRNS[2], "R1", 30);
        again["id"] = json!("real-1");
        let (_, none) = app.post_json("/v1/partnerships/hull/what-if", &json!([again])).await;
        assert_eq!(none["gaps"], json!({"opened": [], "closed": [], "changed": []}), "{none}");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_invalid_draft_is_named_by_index_and_field_and_keys_see_what_their_role_allows() {
    let app = spawn_app(Db::Sqlite, None).await;
    hull_with_a_gap(&app).await;
    let mut bad = draft_offer(UKPRNS[0], "D1", 0);
    bad["data"]["subject"] = json!("99.9");
    let (status, problem) =
        app.post_json("/v1/partnerships/hull/what-if", &json!([draft_offer(UKPRNS[0], "D0", 3), bad])).await;
    assert_eq!((status, problem["code"].as_str()), (422, Some("invalid-draft")), "{problem}");
    let fields: Vec<(u64, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["index"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert!(fields.contains(&(1, "data.places")) && fields.contains(&(1, "data.subject")), "{problem}");
    assert!(fields.iter().all(|(i, _)| *i == 1), "{problem}");

    let with_key = |key: String| {
        let app = &app;
        move |body: Value| {
            let key = key.clone();
            async move {
                let url = format!("{}/v1/partnerships/hull/what-if", app.base);
                let r = reqwest::Client::new().post(url).bearer_auth(&key).json(&body).send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap_or(Value::Null))
            }
        }
    };
    let provider = with_key(create_key(&app.store, "provider", Some(UKPRNS[0])).await);
    let (status, answer) = provider(json!([draft_offer(UKPRNS[0], "D1", 40)])).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({"summary": {"unmet": [40, 0], "gaps": [1, 0], "critical": [1, 0], "duplications": [0, 0], "wasteful": [0, 0]}})
    );
    let (status, _) = provider(json!([draft_offer(UKPRNS[1], "D1", 40)])).await;
    assert_eq!(status, 403, "a provider simulates its own drafts only");
    let viewer = with_key(create_key(&app.store, "viewer", Some("hull")).await);
    assert_eq!(viewer(json!([draft_offer(UKPRNS[0], "D1", 40)])).await.0, 403);
    let partnership = with_key(create_key(&app.store, "partnership", Some("hull")).await);
    let (status, answer) = partnership(json!([draft_offer(UKPRNS[1], "D1", 40)])).await;
    assert_eq!((status, &answer["summary"]["gaps"]), (200, &json!([1, 0])), "drafts of any source");
    app.stop().await;
}

#[tokio::test]
async fn history_points_carry_the_figures_of_the_reports_at_their_instants() {
    let app = spawn_app(Db::Postgres, None).await;
    let captured = post_random_log(&app, fastrand::u64(..)).await;
    let recorded: Vec<(u64, OffsetDateTime)> = app
        .log()
        .await
        .iter()
        .map(|e| {
            (
                e["position"].as_u64().unwrap(),
                OffsetDateTime::parse(e["recorded_at"].as_str().unwrap(), &Rfc3339).unwrap(),
            )
        })
        .collect();
    let first = recorded[0].1;
    // Three days before the first event: three day ends with nothing yet, then the point at to.
    let from = (first - time::Duration::days(3)).format(&Rfc3339).unwrap();
    for &n in captured.keys().filter(|n| **n > 0).take(6) {
        let at = recorded.iter().find(|(p, _)| *p == n).unwrap().1;
        let expected = recorded.iter().filter(|(_, t)| *t <= at).map(|(p, _)| *p).max().unwrap();
        let to = at.format(&Rfc3339).unwrap();
        let (status, answer) = app.get(&format!("/v1/partnerships/hull/history?from_time={from}&to_time={to}")).await;
        assert_eq!(status, 200, "{answer}");
        let points = answer["points"].as_array().unwrap();
        let days_before = (at.date() - (first - time::Duration::days(3)).date()).whole_days() as usize;
        assert_eq!(points.len(), days_before + 1, "{answer}");
        for early in &points[..days_before.min(3)] {
            assert_eq!((&early["position"], &early["gaps"], &early["unmet"]), (&json!(0), &json!(0), &json!(0)));
        }
        let last = points.last().unwrap();
        let live = &captured[&expected];
        let [unmet, gaps, critical, duplications, wasteful] = figures(&live[0].1, &live[1].1);
        let met =
            live[3].1["targets"].as_array().unwrap().iter().filter(|t| t["progress"].as_f64().unwrap() >= 1.0).count();
        assert_eq!(
            last,
            &json!({"at": to, "position": expected, "gaps": gaps, "critical": critical, "unmet": unmet,
                    "duplications": duplications, "wasteful": wasteful, "targets_met": met})
        );
    }
    for (query, parameter) in [
        ("every=hour", "every"),
        ("from_time=2026-02-01T00:00:00Z&to_time=2026-01-01T00:00:00Z", "from_time"),
        ("from_time=2000-01-01T00:00:00Z&to_time=2002-01-01T00:00:00Z", "every"),
        ("to_time=noon", "to_time"),
    ] {
        let (status, problem) = app.get(&format!("/v1/partnerships/hull/history?{query}")).await;
        assert_eq!((status, problem["code"].as_str()), (400, Some("invalid-parameter")), "{query}: {problem}");
        assert!(problem["detail"].as_str().unwrap().contains(parameter), "{problem}");
    }
    let (status, answer) = app.get("/v1/partnerships/hull/history?every=month").await;
    // From the first event (minutes ago) to now: this month's point, and last month's end if
    // the month turned meanwhile.
    let points = answer["points"].as_array().map(Vec::len);
    assert!(status == 200 && matches!(points, Some(1 | 2)), "{answer}");
    app.stop().await;
}
