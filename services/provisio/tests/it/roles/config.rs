//! A role that cannot run as configured says why: a writer or reader on SQLite and a writer
//! without NATS refuse to start, a second writing process (`all`, or a writer with leadership
//! off) refuses while another leads, and
//! a reader with no NATS answers writes `503` with the reason.

use super::start_role;
use crate::crash::wait_ready;
use serde_json::Value;
use std::process::Command;

/// Runs `provisio serve` in `role` to its end; answers its exit code and what it wrote.
fn refused(database_url: &str, nats_url: Option<&str>, role: &str) -> (Option<i32>, String) {
    refused_with(database_url, nats_url, role, &[])
}

/// [`refused`] with more flags.
fn refused_with(database_url: &str, nats_url: Option<&str>, role: &str, flags: &[&str]) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_provisio"));
    command
        .arg("serve")
        .args(flags)
        .env("PROVISIO_ROLE", role)
        .env("PROVISIO_LISTEN", format!("127.0.0.1:{}", provisio_testkit::free_port()))
        .env("PROVISIO_DATABASE_URL", database_url)
        .env("PROVISIO_INSECURE_NO_AUTH", "true")
        .env("RUST_LOG", "warn");
    match nats_url {
        Some(url) => command.env("PROVISIO_NATS_URL", url),
        None => command.env_remove("PROVISIO_NATS_URL"),
    };
    let output = command.output().unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[tokio::test]
async fn a_writer_or_a_reader_on_sqlite_and_a_writer_without_nats_refuse_to_start() {
    let file = provisio_testkit::sqlite_file();
    let database = provisio_testkit::postgres_database().await;
    let (sqlite, postgres) = (file.url.clone(), database.url.clone());
    let outcomes = tokio::task::spawn_blocking(move || {
        [refused(&sqlite, None, "writer"), refused(&sqlite, None, "reader"), refused(&postgres, None, "writer")]
    })
    .await
    .unwrap();
    let expected = [
        "--role writer needs PostgreSQL",
        "--role reader needs PostgreSQL",
        "--role writer consumes JetStream: give it --nats-url",
    ];
    for ((code, stderr), message) in outcomes.into_iter().zip(expected) {
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains(message), "{message}: {stderr}");
    }
}

/// `all`, and a `writer` with leadership off, do not stand by: each refuses to start while
/// another writer leads, and the leader goes on.
#[tokio::test]
async fn a_second_writing_process_refuses_while_a_writer_leads() {
    let nats = provisio_testkit::NatsServer::start();
    let database = provisio_testkit::postgres_database().await;
    let client = reqwest::Client::new();
    let writer = start_role(&database.url, Some(&nats.url), "writer");
    wait_ready(&client, &writer.base).await;
    for (role, flags) in [("all", &[][..]), ("writer", &["--leadership", "off"][..])] {
        let (url, nats_url) = (database.url.clone(), nats.url.clone());
        let (code, stderr) =
            tokio::task::spawn_blocking(move || refused_with(&url, Some(&nats_url), role, flags)).await.unwrap();
        assert_eq!(code, Some(1), "{role} {flags:?}: {stderr}");
        assert!(stderr.contains("another writer is active on this database"), "{role} {flags:?}: {stderr}");
    }
    assert_eq!(client.get(format!("{}/readyz", writer.base)).send().await.unwrap().status(), 200, "the writer goes on");
}

#[tokio::test]
async fn a_reader_with_no_nats_answers_writes_503_and_still_serves_reads() {
    let nats = provisio_testkit::NatsServer::start();
    let database = provisio_testkit::postgres_database().await;
    let client = reqwest::Client::new();
    let writer = start_role(&database.url, Some(&nats.url), "writer");
    let reader = start_role(&database.url, None, "reader");
    wait_ready(&client, &writer.base).await;
    wait_ready(&client, &reader.base).await;
    let event = crate::helpers::offer("10006570", "O1", "roles-no-nats");

    let r = client.post(format!("{}/v1/events", reader.base)).json(&[&event]).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let problem: Value = r.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("this reader has no NATS to send writes to"), "{problem}");

    // Reads follow what the writer writes (`min_position` waits for it on the reader).
    let r = client.post(format!("{}/v1/events", writer.base)).json(&[&event]).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let position = r.json::<Value>().await.unwrap()["accepted"][0]["position"].as_i64().unwrap();
    let reports = format!("{}/v1/partnerships?min_position={position}", reader.base);
    assert_eq!(client.get(reports).send().await.unwrap().status(), 200, "the reader applied the writer's event");
}
