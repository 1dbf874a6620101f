//! A soak of database crashes during ingest: while producers publish over JetStream, the
//! connection between the service and PostgreSQL is cut again and again at random moments.
//! Every published event ends up in the log exactly once, the report recorder keeps up, and
//! every report equals what a rebuild from the same log gives.
//!
//! The issue crashed PostgreSQL itself (`pg_ctl stop -m immediate`). The tests' PostgreSQL is
//! shared by every test, and a private cluster would need `initdb` and `pg_ctl` from a
//! version-specific directory run as a non-root user (CI runs as root), which the suite cannot
//! count on. A cut at testkit's proxy gives the service the same fault: open connections drop,
//! so a commit in flight has an unknown outcome, and new ones are refused until the database
//! is back.

use crate::crash::{all_reports, log_count, reports_of_a_rebuild, start_service, wait_ready};
use crate::helpers::{offer, subject_of};
use async_nats::jetstream;
use futures_util::future::join_all;
use serde_json::Value;
use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime};

const CUTS: usize = 9;
/// Events published per batch, one batch every `BATCH_EVERY`: about 400 events a second.
const BATCH: usize = 40;
const BATCH_EVERY: Duration = Duration::from_millis(100);
const OFFERS: usize = 6_000;

/// A small xorshift generator; the seed is printed so a failing run can be repeated.
struct Random(u64);

impl Random {
    fn millis(&mut self, from: u64, to: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(from + self.0 % (to - from))
    }
}

/// Publishes `events` in batches, sending each one whose publication was not acknowledged
/// again with the same id, until every one is acknowledged. `nats_url` may list several
/// servers (a cluster), separated by commas.
///
/// A producer that gets no acknowledgement for 10 s connects again. After a cluster node's
/// death producers were seen (about one run in five of `cluster.rs`, under load) to finish
/// nothing for over 90 s while the stream had a new leader within 5 s; most of that was the
/// acknowledgements awaited one after another, each lost one taking its own 5 s timeout, which
/// they no longer are. The new connection stays as a guard against a client left stuck.
pub(crate) async fn publish(nats_url: String, events: Vec<Value>) {
    let connect = || provisio_ingest::connect_nats(&nats_url, "test producer");
    let mut js = jetstream::new(connect().await.unwrap());
    let mut failing_since: Option<Instant> = None;
    let deadline = Instant::now() + Duration::from_secs(90);
    for batch in events.chunks(BATCH) {
        let mut unacknowledged: Vec<&Value> = batch.iter().collect();
        while !unacknowledged.is_empty() {
            assert!(Instant::now() < deadline, "publication did not finish");
            let mut sent = Vec::new();
            for e in &unacknowledged {
                let message = jetstream::message::PublishMessage::build()
                    .payload(e.to_string().into_bytes().into())
                    .message_id(e["id"].as_str().unwrap());
                sent.push(js.send_publish(subject_of(e), message).await);
            }
            // Awaited together: each acknowledgement lost with a dead server times out on its
            // own (5 s), so awaiting them in turn made one round last 5 s per event.
            let outcomes = join_all(sent.into_iter().map(|s| async move { s?.await })).await;
            let mut last_error = None;
            let mut outcomes = outcomes.into_iter();
            unacknowledged.retain(|_| match outcomes.next().expect("one outcome per event") {
                Ok(_) => false,
                Err(error) => {
                    last_error = Some(error);
                    true
                }
            });
            let Some(error) = last_error else {
                failing_since = None;
                continue;
            };
            if failing_since.get_or_insert_with(Instant::now).elapsed() > Duration::from_secs(10) {
                eprintln!("a producer got no acknowledgement for 10 s ({error}); connecting again");
                js = jetstream::new(connect().await.unwrap());
                failing_since = None;
            }
            // While a stream elects a leader, publishing fails at once ("no responders"): a
            // pause keeps the producers from spinning on the cores the cluster needs.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(BATCH_EVERY).await;
    }
}

/// The demo's partnerships and providers, then offers of those providers.
pub(crate) fn events_to_publish() -> Vec<Value> {
    let mut events = provisio::demo::generate(20);
    let providers: Vec<String> = events
        .iter()
        .filter(|e| e["type"] == "lp.provider.registered.v1")
        .map(|e| e["data"]["ukprn"].as_str().unwrap().to_owned())
        .collect();
    assert!(!providers.is_empty());
    events.extend((0..OFFERS).map(|i| {
        let ukprn = &providers[i % providers.len()];
        offer(ukprn, &format!("SOAK{}", i % 500), &format!("soak-{ukprn}-{i:05}"))
    }));
    events
}

async fn recorder_position(client: &reqwest::Client, base: &str) -> Option<i64> {
    let metrics = client.get(format!("{base}/metrics")).send().await.ok()?.text().await.ok()?;
    metrics.lines().find_map(|l| l.strip_prefix("provisio_recorder_position ")).and_then(|v| v.trim().parse().ok())
}

/// Waits until the log of the service at `base` holds every id of `published`, then checks
/// it holds each exactly once and nothing else, and that the recorder reached the log's end
/// (not left stuck behind a commit whose outcome it could not know); answers the last
/// position. `what` names the run in a failure (a seed, say).
pub(crate) async fn every_event_once(
    client: &reqwest::Client,
    base: &str,
    published: &HashSet<&str>,
    what: &str,
) -> i64 {
    // Past JetStream's ack wait (60 s): a message delivered by a node that died before the
    // service received it comes back only then.
    let deadline = Instant::now() + Duration::from_secs(120);
    let log = loop {
        assert!(Instant::now() < deadline, "the log never held every event ({what})");
        if let Some(log) = log_count(client, base).await
            && log.len() >= published.len()
        {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Late redeliveries would show here as doubles.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = log_count(client, base).await.map_or(log, |again| again);
    let logged: Vec<&str> = log.iter().map(|e| e["event"]["id"].as_str().unwrap()).collect();
    assert_eq!(logged.len(), published.len(), "nothing doubled ({what})");
    assert_eq!(&logged.into_iter().collect::<HashSet<_>>(), published, "nothing lost ({what})");
    let last = log.iter().filter_map(|e| e["position"].as_i64()).max().unwrap();
    loop {
        let recorded = recorder_position(client, base).await;
        if recorded.is_some_and(|p| p >= last) {
            return last;
        }
        assert!(Instant::now() < deadline, "the recorder stopped at {recorded:?}, the log is at {last} ({what})");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn repeated_database_crashes_during_ingest_end_with_the_reports_of_a_rebuild() {
    let seed = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    eprintln!("soak seed {seed}");
    let mut random = Random(seed);
    let nats = provisio_testkit::NatsServer::start();
    let proxy = provisio_testkit::TcpProxy::before_postgres().await;
    let database = provisio_testkit::postgres_database().await;
    let client = reqwest::Client::new();
    let service = start_service(&proxy.postgres_url(&database.url), &nats.url);
    wait_ready(&client, &service.base).await;

    let events = events_to_publish();
    let publisher = tokio::spawn(publish(nats.url.clone(), events.clone()));
    for _ in 0..CUTS {
        tokio::time::sleep(random.millis(200, 1_000)).await;
        proxy.cut();
        tokio::time::sleep(random.millis(50, 800)).await;
        proxy.restore().await;
    }
    assert!(!publisher.is_finished(), "every cut came while events were published (seed {seed})");
    publisher.await.unwrap();

    let published: HashSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let last = every_event_once(&client, &service.base, &published, &format!("seed {seed}")).await;
    let after_crashes = all_reports(&client, &service.base, last).await;
    drop(service);

    let rebuilt = reports_of_a_rebuild(&client, &database.url, last).await;
    assert!(after_crashes.as_object().unwrap().len() >= 12, "three partnerships, four reports each");
    assert_eq!(after_crashes, rebuilt, "reports after the crashes equal a rebuild from the log (seed {seed})");
}
