//! Kill -9 the active writer while events flow through JetStream: a standby writer takes
//! over from the SQL checkpoint, every published event is in the log exactly once, and the
//! reports equal a rebuild.

use super::{last_position, start_role};
use crate::crash::{all_reports, log_count, wait_ready};
use std::collections::HashSet;
use std::process::Command;
use std::time::{Duration, Instant};

/// Generous: the takeover is meant to take well under 5 s; the figure is printed, not asserted.
const TAKEOVER_TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_standby_writer_takes_over_from_a_killed_one_and_loses_or_doubles_nothing() {
    let nats = provisio_testkit::NatsServer::start();
    let database = provisio_testkit::postgres_database().await;
    let client = reqwest::Client::new();
    let mut active = start_role(&database.url, Some(&nats.url), "writer");
    wait_ready(&client, &active.base).await;
    // Standing by, it says it is alive and not ready, so an orchestrator keeps it idle.
    let standby = start_role(&database.url, Some(&nats.url), "writer");
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{}/healthz", standby.base)).send().await.map(|r| r.status() != 200).unwrap_or(true) {
        assert!(Instant::now() < deadline, "the standby writer does not answer /healthz");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let standing_by = client.get(format!("{}/readyz", standby.base)).send().await.unwrap();
    assert_eq!(standing_by.status(), 503);
    assert!(standing_by.text().await.unwrap().contains("standing by"));
    let events = provisio::demo::generate(5);
    let total = events.len();
    let publisher = tokio::spawn(crate::soak::publish(nats.url.clone(), events.clone()));

    let deadline = Instant::now() + Duration::from_secs(60);
    while log_count(&client, &active.base).await.map_or(0, |l| l.len()) < total / 3 {
        assert!(Instant::now() < deadline, "the active writer did not ingest");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    active.child.kill().unwrap(); // SIGKILL
    active.child.wait().unwrap();
    let killed = Instant::now();
    while client.get(format!("{}/readyz", standby.base)).send().await.map(|r| r.status() != 200).unwrap_or(true) {
        assert!(killed.elapsed() < TAKEOVER_TIMEOUT, "the standby writer did not take over");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "takeover: the standby writer was ready {} ms after the kill ({total} events published, {} in the log then)",
        killed.elapsed().as_millis(),
        log_count(&client, &standby.base).await.map_or(0, |l| l.len())
    );
    publisher.await.unwrap();

    let log = loop {
        assert!(Instant::now() < deadline + TAKEOVER_TIMEOUT, "the log never caught up");
        if let Some(log) = log_count(&client, &standby.base).await
            && log.len() >= total
        {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let ids: HashSet<&str> = log.iter().map(|e| e["event"]["id"].as_str().unwrap()).collect();
    let published: HashSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(log.len(), total, "exactly once: nothing doubled");
    assert_eq!(ids, published, "nothing lost");

    let last = last_position(&client, &standby.base).await;
    let served = all_reports(&client, &standby.base, last).await;
    drop(standby);
    let rebuild = Command::new(env!("CARGO_BIN_EXE_provisio"))
        .args(["rebuild", "--database-url", &database.url])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(rebuild.status.success(), "{}", String::from_utf8_lossy(&rebuild.stderr));
    let rebuilt_service = start_role(&database.url, Some(&nats.url), "writer");
    wait_ready(&client, &rebuilt_service.base).await;
    let rebuilt = all_reports(&client, &rebuilt_service.base, last).await;
    assert!(served.as_object().unwrap().len() >= 12, "three partnerships, four reports each");
    assert_eq!(served, rebuilt, "the reports after a takeover equal a rebuild from the log");
}
