//! `POST /v1/events` and `GET /v1/events` on PostgreSQL and on SQLite.

use crate::helpers::*;
use provisio::Config;
use provisio_events::EventType;
use serde_json::{Value, json};

#[tokio::test]
async fn every_event_type_is_accepted_and_read_back_as_received() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        let events: Vec<Value> = client_types().enumerate().map(|(i, t)| event(t, &format!("rt-{i}"))).collect();
        let (status, answer) = app.post_events(&json!(events)).await;
        assert_eq!(status, 202, "{db:?}: {answer}");
        assert_eq!(answer["rejected"], json!([]), "{db:?}");
        let accepted = answer["accepted"].as_array().unwrap();
        assert_eq!(accepted.len(), events.len());
        let log = app.log().await;
        assert_eq!(log.len(), events.len());
        for ((a, stored), sent) in accepted.iter().zip(&log).zip(&events) {
            assert_eq!(a["position"], stored["position"]);
            assert_eq!(a["duplicate"], json!(false));
            assert_eq!(&stored["event"], sent, "{db:?}: the log holds the event as received");
            assert!(stored["recorded_at"].as_str().unwrap().ends_with('Z'));
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn the_same_id_twice_is_stored_once_and_the_first_body_is_kept() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        let first = offer("10006570", "A", "same-id");
        let (_, a) = app.post_events(&first).await;
        let mut changed = first.clone();
        changed["data"]["places"] = json!(99);
        let (status, b) = app.post_events(&json!([changed])).await;
        assert_eq!(status, 202);
        assert_eq!(b["accepted"][0]["duplicate"], json!(true), "{db:?}: {b}");
        assert_eq!(b["accepted"][0]["position"], a["accepted"][0]["position"]);
        let log = app.log().await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["event"]["data"]["places"], json!(24), "{db:?}: the first body is kept");
        app.stop().await;
    }
}

/// Posts one edited example and returns the (code, field) pairs of its rejection.
async fn rejection(app: &TestApp, t: EventType, edit: impl FnOnce(&mut Value)) -> Vec<(String, String)> {
    let mut e = event(t, "bad");
    edit(&mut e);
    let (status, answer) = app.post_events(&e).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["accepted"], json!([]), "{e} should be rejected");
    answer["rejected"][0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["code"].as_str().unwrap().to_owned(), x["field"].as_str().unwrap().to_owned()))
        .collect()
}

fn pair(code: &str, field: &str) -> Vec<(String, String)> {
    vec![(code.to_owned(), field.to_owned())]
}

#[tokio::test]
async fn each_bad_input_of_the_contract_is_rejected_with_the_field_named() {
    let app = spawn_app(Db::Sqlite, None).await;
    use EventType::*;
    assert_eq!(
        rejection(&app, ProvisionOffered, |e| e["data"]["subject"] = json!("99.9")).await,
        pair("invalid-value", "data.subject")
    );
    assert_eq!(
        rejection(&app, ProvisionOffered, |e| e["data"]["level"] = json!(3)).await,
        pair("invalid-type", "data.level")
    );
    assert_eq!(
        rejection(&app, ProvisionOffered, |e| {
            e["data"].as_object_mut().unwrap().remove("venue_id");
        })
        .await,
        pair("missing-field", "data.venue_id")
    );
    assert_eq!(
        rejection(&app, ProvisionOffered, |e| e["data"]["places"] = json!(0)).await,
        pair("invalid-value", "data.places")
    );
    assert_eq!(
        rejection(&app, ProvisionOffered, |e| e["data"]["places"] = json!(-5)).await,
        pair("invalid-value", "data.places")
    );
    assert_eq!(
        rejection(&app, ProvisionOffered, |e| e["data"]["academic_year"] = json!("2001/2002")).await,
        pair("invalid-value", "data.academic_year")
    );
    assert_eq!(
        rejection(&app, ProvisionOffered, |e| e["type"] = json!("lp.provision.cancelled.v1")).await,
        pair("unknown-type", "type")
    );
    assert_eq!(
        rejection(&app, ProvisionOffered, |e| e["data"]["ukprn"] = json!("10000001")).await,
        pair("source-mismatch", "data.ukprn")
    );
    assert_eq!(
        rejection(&app, ProvisionOffered, |e| e["specversion"] = json!("0.3")).await,
        pair("invalid-value", "specversion")
    );
    assert_eq!(
        rejection(&app, ProvisionOffered, |e| {
            e.as_object_mut().unwrap().remove("id");
        })
        .await,
        pair("missing-field", "id")
    );
    assert_eq!(
        rejection(&app, CurriculumPublished, |e| e["data"]["offers"][1]["places"] = json!(0)).await,
        pair("invalid-value", "data.offers[1].places")
    );
    assert!(app.log().await.is_empty(), "nothing rejected reaches the log");
    app.stop().await;
}

#[tokio::test]
async fn valid_events_of_a_batch_are_accepted_beside_rejected_ones() {
    let app = spawn_app(Db::Postgres, None).await;
    let mut bad = offer("10006570", "B", "b");
    bad["data"]["mode"] = json!("evenings");
    let batch = json!([offer("10006570", "A", "a"), bad, offer("10006570", "C", "c")]);
    let (status, answer) = app.post_events(&batch).await;
    assert_eq!(status, 202);
    let accepted: Vec<i64> =
        answer["accepted"].as_array().unwrap().iter().map(|a| a["index"].as_i64().unwrap()).collect();
    assert_eq!(accepted, [0, 2]);
    assert_eq!(answer["rejected"][0]["index"], json!(1));
    assert_eq!(answer["rejected"][0]["id"], json!("b"));
    assert_eq!(answer["rejected"][0]["errors"][0]["field"], json!("data.mode"));
    assert!(answer["rejected"][0]["errors"][0]["message"].as_str().unwrap().contains("\"evenings\""));
    assert_eq!(app.log().await.len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_refused_whole_with_a_problem() {
    let app = spawn_app(Db::Sqlite, None).await;
    for (body, status, code) in
        [("{not json", 400, "invalid-json"), ("42", 400, "not-an-event"), ("[{}, 7]", 400, "not-an-event")]
    {
        let r = app.post_raw(body).await;
        assert_eq!(r.status().as_u16(), status, "{body}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["code"], json!(code), "{body}");
    }
    let too_many: Vec<Value> = (0..1001).map(|i| offer("10006570", &format!("O{i}"), &format!("e{i}"))).collect();
    let r = app.post_raw(serde_json::to_vec(&too_many).unwrap()).await;
    assert_eq!(r.status().as_u16(), 413);
    let problem: Value = r.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("1001"), "{problem}");

    let mut huge = offer("10006570", "H", "huge");
    huge["data"]["padding"] = json!("x".repeat(5 * 1024 * 1024));
    let r = app.post_raw(serde_json::to_vec(&huge).unwrap()).await;
    assert_eq!(r.status().as_u16(), 413);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["code"], json!("body-too-large"));
    assert!(app.log().await.is_empty(), "nothing of a refused body is accepted");
    app.stop().await;
}

#[tokio::test]
async fn the_log_pages_by_position_and_filters_by_source_and_type() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        let mut events: Vec<Value> = (0..5).map(|i| offer("10006570", &format!("O{i}"), &format!("a{i}"))).collect();
        events.extend((0..3).map(|i| offer("10000001", &format!("O{i}"), &format!("b{i}"))));
        events.push(event(EventType::NeedIdentified, "need"));
        app.post_events(&json!(events)).await;

        let (_, page) = app.get("/v1/events?limit=4").await;
        assert_eq!(page["events"].as_array().unwrap().len(), 4);
        let next = page["next_after"].as_i64().unwrap();
        assert_eq!(next, page["events"][3]["position"].as_i64().unwrap());
        let (_, rest) = app.get(&format!("/v1/events?after={next}")).await;
        assert_eq!(rest["events"].as_array().unwrap().len(), 5);
        let (_, empty) = app.get("/v1/events?after=1000").await;
        assert_eq!(empty, json!({"events": [], "next_after": 1000}), "{db:?}");

        let (_, b) = app.get("/v1/events?source=urn:ukprn:10000001").await;
        assert_eq!(b["events"].as_array().unwrap().len(), 3);
        let (_, needs) = app.get("/v1/events?type=lp.need.identified.v1").await;
        assert_eq!(needs["events"][0]["event"]["id"], json!("need"));

        for bad in ["/v1/events?limit=0", "/v1/events?limit=1001", "/v1/events?after=-1", "/v1/events?after=x"] {
            let (status, problem) = app.get(bad).await;
            assert_eq!(status, 400, "{bad}");
            assert_eq!(problem["code"], json!("invalid-query"));
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn health_readiness_and_metrics_are_served() {
    let app = spawn_app(Db::Sqlite, None).await;
    app.post_events(&json!([offer("10006570", "A", "a"), offer("10006570", "A", "a")])).await;
    let r = app.client.get(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let metrics = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("provisio_events_accepted_total{type=\"lp.provision.offered.v1\"} 1"), "{metrics}");
    assert!(metrics.contains("provisio_events_duplicate_total 1"));
    let (status, doc) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert!(
        doc["paths"]["/v1/events"]["post"].is_object() && doc["paths"]["/v1/partnerships/{id}/gaps"]["get"].is_object()
    );
    let (status, problem) = app.get("/v1/nowhere").await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("not-found")));
    app.stop().await;
}

/// `--count-heap` adds the bytes in use to `/metrics`; without it the gauge is absent (the
/// count is process-wide, so only its presence is the flag's).
#[tokio::test]
async fn metrics_show_the_heap_in_use_only_when_it_is_counted() {
    let metrics = |app: &TestApp| {
        let url = format!("{}/metrics", app.base);
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let plain = spawn_app(Db::Sqlite, None).await;
    assert!(!metrics(&plain).await.contains("provisio_heap_in_use_bytes"));
    plain.stop().await;
    let (database_url, database) = database(Db::Sqlite).await;
    let config = Config { count_heap: true, ..config(database_url, None, provisio_api::Limits::default()) };
    let counted = spawn_app_from(config, database).await;
    let text = metrics(&counted).await;
    let line = text.lines().find(|l| l.starts_with("provisio_heap_in_use_bytes ")).unwrap_or_else(|| panic!("{text}"));
    let bytes: u64 = line.split(' ').nth(1).unwrap().parse().unwrap();
    // A started service holds at least its engine, caches and connection pools.
    assert!(bytes > 100_000, "{line}");
    counted.stop().await;
}
