//! `/readyz` and the dependency gauges of `/metrics` through outages of PostgreSQL and NATS:
//! readiness turns within about 2 s, names what is down, and comes back after.

use crate::helpers::{Db, TestApp, database, event, spawn_app, spawn_app_on};
use provisio_events::EventType;
use std::time::{Duration, Instant};

/// Polls `/readyz` until it answers `status`, at most `within`; answers its body.
async fn readyz_turns(app: &TestApp, status: u16, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let r = app.client.get(format!("{}/readyz", app.base)).send().await.unwrap();
        let (answered, body) = (r.status().as_u16(), r.text().await.unwrap());
        if answered == status {
            return body;
        }
        assert!(Instant::now() < deadline, "/readyz still answers {answered} {body:?} after {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn metrics(app: &TestApp) -> String {
    app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn readyz_names_postgres_within_two_seconds_of_an_outage_and_is_ready_again_after() {
    let (url, database) = database(Db::Postgres).await;
    let app = spawn_app_on(url.clone(), database, None).await;
    assert!(metrics(&app).await.contains("provisio_dependency_up{dependency=\"postgres\"} 1"));

    provisio_testkit::set_postgres_reachable(&url, false).await;
    let body = readyz_turns(&app, 503, Duration::from_millis(2_500)).await;

    assert!(body.contains("postgres") && !body.contains("starting") && !body.contains("NATS"), "{body}");
    assert!(metrics(&app).await.contains("provisio_dependency_up{dependency=\"postgres\"} 0"));
    provisio_testkit::set_postgres_reachable(&url, true).await;
    readyz_turns(&app, 200, Duration::from_secs(10)).await;
    assert!(metrics(&app).await.contains("provisio_dependency_up{dependency=\"postgres\"} 1"));
    app.stop().await;
}

#[tokio::test]
async fn readyz_names_nats_when_it_is_down_and_refused_events_do_not_blame_the_store() {
    let mut nats = provisio_testkit::NatsServer::start();
    let app = spawn_app(Db::Postgres, Some(&nats.url)).await;
    assert!(metrics(&app).await.contains("provisio_dependency_up{dependency=\"nats\"} 1"));

    let killed = std::process::Command::new("kill").args(["-9", &nats.pid().to_string()]).status().unwrap();
    assert!(killed.success());
    let body = readyz_turns(&app, 503, Duration::from_millis(2_500)).await;

    assert!(body.contains("NATS") && !body.contains("database") && !body.contains("starting"), "{body}");
    assert!(metrics(&app).await.contains("provisio_dependency_up{dependency=\"nats\"} 0"));
    let (status, problem) = app.post_events(&event(EventType::PartnershipRegistered, "during-outage")).await;
    assert_eq!(status, 503, "{problem}");
    assert!(!problem["detail"].as_str().unwrap().contains("event store"), "{problem}");
    nats.restart();
    readyz_turns(&app, 200, Duration::from_secs(30)).await;
    app.stop().await;
}

/// A recorder that cannot record (here a trigger refuses every change) shows in `/readyz`
/// and `/metrics` while the log goes on, and the reports catch up once it can again.
#[tokio::test]
async fn a_recorder_that_cannot_record_makes_readyz_say_so_until_it_can_again() {
    let (url, database) = database(Db::Postgres).await;
    let app = spawn_app_on(url.clone(), database, None).await;
    provisio_testkit::postgres_execute(
        &url,
        "create function refuse_changes() returns trigger language plpgsql as \
         $$ begin raise exception 'changes refused by the test'; end $$; \
         create trigger refuse_changes before insert on changes execute function refuse_changes()",
    )
    .await;

    for (i, t) in [EventType::PartnershipRegistered, EventType::NeedIdentified].into_iter().enumerate() {
        let (status, answer) = app.post_events(&event(t, &format!("e{i}"))).await;
        assert_eq!(status, 202, "the log goes on: {answer}");
    }
    let body = readyz_turns(&app, 503, Duration::from_secs(5)).await;

    assert!(body.contains("recorder") && !body.contains("database"), "{body}");
    assert!(metrics(&app).await.contains("provisio_recorder_failing 1"));
    provisio_testkit::postgres_execute(&url, "drop trigger refuse_changes on changes").await;
    readyz_turns(&app, 200, Duration::from_secs(5)).await;
    let metrics = metrics(&app).await;
    assert!(metrics.contains("provisio_recorder_failing 0"), "{metrics}");
    assert!(metrics.contains("provisio_recorder_position 2\n"), "{metrics}");
    app.stop().await;
}
