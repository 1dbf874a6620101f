//! A JetStream cluster of three nodes under the service: the stream `LP_EVENTS` kept on all
//! three (`--stream-replicas 3`), the stream's leader killed with `kill -9` while four
//! producers publish to NATS and one posts over HTTP (which the service publishes to
//! JetStream). The service (given every node in `--nats-url`) and the producers ride through
//! the node's death and the election of a new leader, sending again what was not acknowledged
//! with the same `Nats-Msg-Id` (or the same ids, after a 503): every event is in the log
//! exactly once, and the reports equal a rebuild's. A replica count the servers cannot give
//! stops the start.

use crate::crash::{all_reports, log_count, reports_of_a_rebuild, start_with, wait_ready};
use crate::helpers::{Db, config, database, offer, spawn_app_from};
use crate::soak::{events_to_publish, every_event_once, publish};
use async_nats::jetstream;
use provisio_events::STREAM_NAME;
use provisio_testkit::{NatsCluster, NatsServer};
use serde_json::Value;
use std::collections::HashSet;
use std::process::Command;
use std::time::{Duration, Instant};

const PRODUCERS: usize = 4;
const HTTP_EVENTS: usize = 600;

/// Posts `events` to the service 20 at a time, sending a refused batch again with the same ids
/// until it is accepted.
async fn post_until_accepted(base: String, events: Vec<Value>) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    for batch in events.chunks(20) {
        loop {
            assert!(Instant::now() < deadline, "the service never accepted a batch");
            let sent = client.post(format!("{base}/v1/events")).json(&batch).send().await;
            match sent.map(|r| r.status().as_u16()) {
                Ok(202) => break,
                Ok(503) | Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                Ok(status) => panic!("a batch was answered {status}"),
            }
        }
    }
}

#[tokio::test]
async fn killing_the_stream_leader_while_four_producers_publish_loses_nothing_and_doubles_nothing() {
    let mut cluster = NatsCluster::start(3);
    let database = provisio_testkit::postgres_database().await;
    let client = reqwest::Client::new();
    let service = start_with(&database.url, Some(&cluster.url()), &[("PROVISIO_STREAM_REPLICAS", "3")]);
    wait_ready(&client, &service.base).await;

    let js = jetstream::new(provisio_ingest::connect_nats(&cluster.url(), "test").await.unwrap());
    let info = js.get_stream(STREAM_NAME).await.unwrap().info().await.unwrap().clone();
    assert_eq!(info.config.num_replicas, 3, "the service made the stream with three replicas");
    let leader = info.cluster.and_then(|c| c.leader).expect("the stream has a leader");

    let events = events_to_publish();
    let mut producers: Vec<_> = events
        .chunks(events.len().div_ceil(PRODUCERS))
        .map(|part| tokio::spawn(publish(cluster.url(), part.to_vec())))
        .collect();
    let over_http: Vec<Value> =
        (0..HTTP_EVENTS).map(|i| offer("10006570", &format!("HTTP{}", i % 50), &format!("http-{i:04}"))).collect();
    producers.push(tokio::spawn(post_until_accepted(service.base.clone(), over_http.clone())));
    // Kill the leader once a tenth of the events are in the log: ingestion is under way.
    let deadline = Instant::now() + Duration::from_secs(30);
    while log_count(&client, &service.base).await.map_or(0, |l| l.len()) < events.len() / 10 {
        assert!(Instant::now() < deadline, "ingestion did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cluster.kill(&leader);
    assert!(producers.iter().any(|p| !p.is_finished()), "the node died while producers were publishing");
    for producer in producers {
        producer.await.unwrap();
    }

    let published: HashSet<&str> = events.iter().chain(&over_http).map(|e| e["id"].as_str().unwrap()).collect();
    let last = every_event_once(&client, &service.base, &published, &format!("{leader} killed")).await;
    let info = js.get_stream(STREAM_NAME).await.unwrap().info().await.unwrap().clone();
    let new_leader = info.cluster.and_then(|c| c.leader).expect("the stream elected a new leader");
    assert_ne!(new_leader, leader);
    let reports = all_reports(&client, &service.base, last).await;
    drop(service);
    let rebuilt = reports_of_a_rebuild(&client, &database.url, last).await;
    assert!(reports.as_object().unwrap().len() >= 12, "three partnerships, four reports each");
    assert_eq!(reports, rebuilt, "reports after a node's death equal a rebuild from the log");
}

#[test]
fn three_replicas_on_a_single_server_are_refused_at_start_up() {
    let nats = NatsServer::start();
    let database = provisio_testkit::sqlite_file();
    let output = Command::new(env!("CARGO_BIN_EXE_provisio"))
        .args(["serve", "--listen", "127.0.0.1:0", "--stream-replicas", "3"])
        .args(["--database-url", &database.url, "--nats-url", &nats.url])
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!output.status.success(), "the service refused to start");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("the stream LP_EVENTS cannot have 3 replicas (--stream-replicas)")
            && said.contains("needs a JetStream cluster of at least N servers"),
        "{said}"
    );
}

#[tokio::test]
async fn an_existing_stream_of_one_replica_is_given_the_three_asked_for() {
    let cluster = NatsCluster::start(3);
    let mut js = jetstream::new(provisio_ingest::connect_nats(&cluster.url(), "test").await.unwrap());
    // A new cluster on two busy cores may take longer than the client's default 5 s to place a
    // stream (a CI run timed out here once).
    js.set_timeout(std::time::Duration::from_secs(30));
    js.create_stream(jetstream::stream::Config {
        name: STREAM_NAME.to_owned(),
        subjects: vec![provisio_events::STREAM_SUBJECTS.to_owned()],
        storage: jetstream::stream::StorageType::File,
        num_replicas: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let (database_url, database) = database(Db::Sqlite).await;
    let mut config = config(database_url, Some(&cluster.url()), Default::default());
    config.stream_replicas = 3;
    let app = spawn_app_from(config, database).await;
    let info = js.get_stream(STREAM_NAME).await.unwrap().info().await.unwrap().clone();
    assert_eq!(info.config.num_replicas, 3, "the service changed the stream at start-up");
    app.stop().await;
}
