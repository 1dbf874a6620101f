//! Kill -9 the service while it ingests from JetStream, restart it: every published event is
//! in the log exactly once, each provider's in the order published.

use crate::helpers::offer;
use crate::helpers::subject_of;
use async_nats::jetstream;
use serde_json::Value;
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Service {
    pub(crate) child: Child,
    pub(crate) base: String,
}

/// A failed test leaves no service running.
impl Drop for Service {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

pub(crate) fn start_service(database_url: &str, nats_url: &str) -> Service {
    start(database_url, Some(nats_url))
}

fn start(database_url: &str, nats_url: Option<&str>) -> Service {
    start_with(database_url, nats_url, &[])
}

/// The real binary, `provisio serve`, on a free port; with NATS when a URL is given, and the
/// settings in `env` over the defaults.
pub(crate) fn start_with(database_url: &str, nats_url: Option<&str>, env: &[(&str, &str)]) -> Service {
    let port = provisio_testkit::free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_provisio"));
    command
        .arg("serve")
        .env("PROVISIO_LISTEN", format!("127.0.0.1:{port}"))
        .env("PROVISIO_DATABASE_URL", database_url)
        .env("PROVISIO_MAX_BATCH", "200")
        // These tests are about durability, not access: no keys.
        .env("PROVISIO_INSECURE_NO_AUTH", "true")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .envs(env.iter().copied());
    match nats_url {
        Some(url) => command.env("PROVISIO_NATS_URL", url),
        None => command.env_remove("PROVISIO_NATS_URL"),
    };
    let child = command.spawn().expect("start provisio");
    Service { child, base: format!("http://127.0.0.1:{port}") }
}

pub(crate) async fn log_count(client: &reqwest::Client, base: &str) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page: Value =
            client.get(format!("{base}/v1/events?after={after}&limit=1000")).send().await.ok()?.json().await.ok()?;
        let events = page["events"].as_array()?.clone();
        if events.is_empty() {
            return Some(out);
        }
        after = page["next_after"].as_i64()?;
        out.extend(events);
    }
}

#[tokio::test]
async fn kill_9_during_ingestion_loses_nothing_and_doubles_nothing() {
    let nats = provisio_testkit::NatsServer::start();
    let database = provisio_testkit::postgres_database().await;
    let database_url = database.url.clone();
    let client = reqwest::Client::new();
    let providers = ["10006570", "10000001", "10000002"];
    let per_provider = 1_500;

    // The service creates the stream at start-up; publish once it is ready.
    let mut service = start_service(&database_url, &nats.url);
    let ready_by = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{}/readyz", service.base)).send().await.map(|r| r.status() != 200).unwrap_or(true) {
        assert!(Instant::now() < ready_by, "the service did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let publisher = {
        let js = jetstream::new(async_nats::connect(&nats.url).await.unwrap());
        tokio::spawn(async move {
            let mut acks = Vec::new();
            for i in 0..per_provider {
                for p in providers {
                    let e = offer(p, &format!("O{i}"), &format!("{p}-{i:05}"));
                    let m = jetstream::message::PublishMessage::build()
                        .payload(e.to_string().into_bytes().into())
                        .message_id(e["id"].as_str().unwrap());
                    acks.push(js.send_publish(subject_of(&e), m).await.unwrap());
                }
                if i % 100 == 0 {
                    for ack in acks.drain(..) {
                        ack.await.unwrap();
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            for ack in acks {
                ack.await.unwrap();
            }
        })
    };

    let total = providers.len() * per_provider;
    let mut kills = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    // Kill the service twice while the log is still filling, restarting it each time.
    while kills < 2 {
        assert!(Instant::now() < deadline, "ingestion did not progress");
        tokio::time::sleep(Duration::from_millis(150)).await;
        let stored = log_count(&client, &service.base).await.map_or(0, |l| l.len());
        if stored > (kills + 1) * total / 5 {
            service.child.kill().unwrap(); // SIGKILL
            service.child.wait().unwrap();
            kills += 1;
            service = start_service(&database_url, &nats.url);
        }
    }
    publisher.await.unwrap();

    let log = loop {
        assert!(Instant::now() < deadline, "the log never caught up");
        if let Some(log) = log_count(&client, &service.base).await
            && log.len() >= total
        {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log_again = log_count(&client, &service.base).await.unwrap();
    service.child.kill().ok();
    service.child.wait().ok();

    assert_eq!(log_again.len(), total, "exactly once: nothing lost, nothing doubled");
    let ids: HashSet<&str> = log.iter().map(|e| e["event"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), total);
    for p in providers {
        let order: Vec<&str> =
            log.iter().map(|e| e["event"]["id"].as_str().unwrap()).filter(|id| id.starts_with(p)).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "provider {p}'s events are in the order published");
    }
}

/// Every report of every partnership, without the `position` they were read at.
pub(crate) async fn all_reports(client: &reqwest::Client, base: &str, min_position: i64) -> Value {
    let mut out = serde_json::Map::new();
    let list: Value = client
        .get(format!("{base}/v1/partnerships?min_position={min_position}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for p in list["partnerships"].as_array().unwrap() {
        let id = p["partnership_id"].as_str().unwrap();
        for report in ["gaps", "duplications", "targets", "coverage"] {
            let mut body: Value = client
                .get(format!("{base}/v1/partnerships/{id}/{report}?min_position={min_position}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body.as_object_mut().unwrap().remove("position");
            out.insert(format!("{id}/{report}"), body);
        }
    }
    Value::Object(out)
}

pub(crate) async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{base}/readyz")).send().await.map(|r| r.status() != 200).unwrap_or(true) {
        assert!(Instant::now() < deadline, "the service did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn kill_9_in_the_middle_of_a_projection_then_restart_gives_the_reports_of_a_rebuild() {
    let database = provisio_testkit::postgres_database().await;
    let database_url = database.url.clone();
    let client = reqwest::Client::new();
    let events = provisio::demo::generate(11);
    let half = events.len() / 2;

    let mut service = start_in_process(&database_url);
    wait_ready(&client, &service.base).await;
    for chunk in events[..half].chunks(25) {
        client.post(format!("{}/v1/events", service.base)).json(&chunk).send().await.unwrap();
    }
    // The last posts are durable; their projection is likely still under way.
    service.child.kill().unwrap();
    service.child.wait().unwrap();

    let mut service = start_in_process(&database_url);
    wait_ready(&client, &service.base).await;
    let mut last = 0;
    for chunk in events[half..].chunks(25) {
        let answer: Value =
            client.post(format!("{}/v1/events", service.base)).json(&chunk).send().await.unwrap().json().await.unwrap();
        last = answer["accepted"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["position"].as_i64().unwrap())
            .max()
            .unwrap_or(last);
    }
    let after_crash = all_reports(&client, &service.base, last).await;
    service.child.kill().unwrap();
    service.child.wait().unwrap();
    let rebuilt = reports_of_a_rebuild(&client, &database_url, last).await;
    assert!(after_crash.as_object().unwrap().len() >= 12, "three partnerships, four reports each");
    assert_eq!(after_crash, rebuilt, "reports after a crash equal a rebuild from the log");
}

/// Forgets the read model of `database_url` and builds it again from the log (`provisio
/// rebuild`, which must reach `last`), then answers every report of a service started on it.
pub(crate) async fn reports_of_a_rebuild(client: &reqwest::Client, database_url: &str, last: i64) -> Value {
    let rebuild = Command::new(env!("CARGO_BIN_EXE_provisio"))
        .args(["rebuild", "--database-url", database_url])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(rebuild.status.success(), "{}", String::from_utf8_lossy(&rebuild.stderr));
    assert!(String::from_utf8_lossy(&rebuild.stdout).contains(&format!("through position {last}")));
    let service = start_in_process(database_url);
    wait_ready(client, &service.base).await;
    all_reports(client, &service.base, last).await
}

pub(crate) fn start_in_process(database_url: &str) -> Service {
    start(database_url, None)
}
