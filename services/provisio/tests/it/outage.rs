//! PostgreSQL away for a while (cut at a proxy between the service and the shared server):
//! known keys keep reading reports from memory, writes are refused at once with `503` and
//! `Retry-After`, and the service recovers when the database is back. Producers publishing
//! to JetStream meanwhile lose nothing: the stream keeps their events, `/readyz` says the
//! database is away, and the backlog drains into the log once it is back.

use crate::crash::{start_service, wait_ready};
use crate::helpers::*;
use crate::soak::{events_to_publish, every_event_once, publish};
use async_nats::jetstream;
use provisio_testkit::TestDatabase;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// The issue saw 30 s outages; a shorter one keeps the suite quick. It starts 5 s after the
/// keys were last looked up, so their 10 s cache entries expire during it: the keys then work
/// from their last record, not merely from a fresh cache.
const OUTAGE: Duration = Duration::from_secs(7);
const BEFORE_OUTAGE: Duration = Duration::from_secs(5);

#[tokio::test]
async fn with_the_database_away_reads_go_on_from_memory_and_writes_are_refused_quickly() {
    let nats = provisio_testkit::NatsServer::start();
    let proxy = provisio_testkit::TcpProxy::before_postgres().await;
    let database = provisio_testkit::postgres_database().await;
    let database_url = proxy.postgres_url(&database.url);
    let app = spawn_app_on(database_url, Some(TestDatabase::Postgres(database)), Some(&nats.url)).await;
    let viewer = create_key(&app.store, "viewer", Some("sunderland")).await;
    let before: Vec<Value> = client_types().enumerate().map(|(i, t)| event(t, &format!("before-{i}"))).collect();
    let (status, answer) = app.post_events(&json!(before)).await;
    assert_eq!(status, 202, "{answer}");
    let last = answer["accepted"].as_array().unwrap().iter().filter_map(|a| a["position"].as_i64()).max().unwrap();
    let report_path = "/v1/partnerships/sunderland/gaps";
    let read = |path: String| {
        let request = reqwest::Client::new().get(format!("{}{path}", app.base)).bearer_auth(&viewer);
        async move {
            let started = Instant::now();
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null), started.elapsed())
        }
    };
    let (status, report, _) = read(format!("{report_path}?min_position={last}")).await;
    assert_eq!(status, 200, "{report}");

    tokio::time::sleep(BEFORE_OUTAGE).await;
    proxy.cut();
    let cut_at = Instant::now();
    let mut refused = Vec::new();
    let mut i = 0;
    while cut_at.elapsed() < OUTAGE {
        let (status, during, took) = read(report_path.to_owned()).await;
        assert_eq!(status, 200, "a known key reads the report from memory: {during}");
        assert_eq!(during, report, "the report is the one in memory");
        assert!(took < Duration::from_secs(1), "a report read took {took:?}");
        if i % 4 == 0 {
            let e = offer("10006570", &format!("D{i}"), &format!("during-{i}"));
            let started = Instant::now();
            let r = app.client.post(format!("{}/v1/events", app.base)).json(&e).send().await.unwrap();
            let took = started.elapsed();
            assert_eq!(r.status(), 503, "a write needs the database");
            assert_eq!(r.headers()["retry-after"], "1");
            assert!(took < Duration::from_secs(1), "a refused write took {took:?}");
            refused.push(e);
        }
        i += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!refused.is_empty());
    proxy.restore().await;

    // Back: writes are accepted again once the consumer has reconnected; the refused ones
    // are sent again with the same ids, as the 503 asked.
    let after = offer("10006570", "AFTER", "after-0");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, answer) = app.post_events(&after).await;
        if status == 202 {
            break;
        }
        assert_eq!(status, 503, "{answer}");
        assert!(Instant::now() < deadline, "the service did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, answer) = app.post_events(&json!(refused)).await;
    assert_eq!(status, 202, "{answer}");

    let mut published: Vec<String> =
        before.iter().chain(&refused).chain([&after]).map(|e| e["id"].to_string()).collect();
    let log = app.wait_for_log(published.len()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut logged: Vec<String> = app.log().await.iter().map(|e| e["event"]["id"].to_string()).collect();
    assert_eq!(log.len(), logged.len());
    published.sort();
    logged.sort();
    assert_eq!(logged, published, "every event once, none lost in the outage");
    let last = app.log().await.iter().filter_map(|e| e["position"].as_i64()).max().unwrap();
    let (status, report, _) = read(format!("{report_path}?min_position={last}")).await;
    assert_eq!(status, 200, "the reports caught up: {report}");
    app.stop().await;
}

/// How long PostgreSQL is away while producers publish: the 10 s.
const INGEST_OUTAGE: Duration = Duration::from_secs(10);

#[tokio::test]
async fn events_published_while_the_database_is_away_wait_in_the_stream_and_drain_after() {
    let nats = provisio_testkit::NatsServer::start();
    let proxy = provisio_testkit::TcpProxy::before_postgres().await;
    let database = provisio_testkit::postgres_database().await;
    let client = reqwest::Client::new();
    let service = start_service(&proxy.postgres_url(&database.url), &nats.url);
    wait_ready(&client, &service.base).await;
    let js = jetstream::new(async_nats::connect(&nats.url).await.unwrap());
    let stored = || async { js.get_stream("LP_EVENTS").await.unwrap().info().await.unwrap().state.messages };

    let events = events_to_publish();
    let publisher = tokio::spawn(publish(nats.url.clone(), events.clone()));
    tokio::time::sleep(Duration::from_secs(1)).await;
    proxy.cut();
    let cut_at = Instant::now();
    let in_stream_at_cut = stored().await;
    let mut answers = Vec::new();
    while cut_at.elapsed() < INGEST_OUTAGE {
        // The readiness probe gives the database a second to answer (health.rs).
        if cut_at.elapsed() < Duration::from_secs(2) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        let r = client.get(format!("{}/readyz", service.base)).send().await.unwrap();
        answers.push((r.status().as_u16(), r.text().await.unwrap()));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let in_stream_after_cut = stored().await;
    proxy.restore().await;
    assert!(!answers.is_empty());
    for (status, body) in &answers {
        assert_eq!(*status, 503, "not ready while the database is away: {body}");
        assert!(body.contains("the database (postgres) is unreachable"), "{body}");
    }
    assert!(in_stream_after_cut > in_stream_at_cut, "JetStream took events while the database was away");
    publisher.await.unwrap();

    let published: HashSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    every_event_once(&client, &service.base, &published, "after a 10 s outage").await;
    wait_ready(&client, &service.base).await;
}
