//! PostgreSQL away for a while (cut at a proxy between the service and the shared server):
//! known keys keep reading reports from memory, writes are refused at once with `503` and
//! `Retry-After`, and the service recovers when the database is back.

use crate::helpers::*;
use provisio_testkit::TestDatabase;
use serde_json::{Value, json};
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
