//! NATS with the permissions `provisio nats-config` generates, on a real nats-server: a
//! provider's credentials in `--nats-url` carry `provisio import` through, replies go only to
//! their own user's inbox, and a failing connection never shows a password.

use crate::helpers::*;
use async_nats::jetstream;
use futures_util::StreamExt;
use provisio_store::{LogQuery, Store};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const A: &str = "10006570";
const B: &str = "10000001";
const SERVICE_PASSWORD: &str = "service-s3cret";

/// A nats-server configured with the output of `provisio nats-config` for the keys in a
/// database, as an operator would start it.
pub(crate) struct SecuredNats {
    pub(crate) server: provisio_testkit::NatsServer,
    config_dir: PathBuf,
}

impl SecuredNats {
    /// Generates the configuration from the keys at `database_url` (create them first).
    pub(crate) fn start(database_url: &str) -> Self {
        let output = provisio(&["nats-config", "--database-url", database_url, "--service-password", SERVICE_PASSWORD]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let dir = std::env::temp_dir().join(format!(
            "provisio-nats-{}-{}",
            std::process::id(),
            provisio_testkit::free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("auth.conf");
        std::fs::write(&path, &output.stdout).unwrap();
        let server = provisio_testkit::NatsServer::start_with_args(&["-c", path.to_str().unwrap()]);
        Self { server, config_dir: dir }
    }

    /// The URL a key's holder connects with: its key id as user, the key as password.
    pub(crate) fn url_for(&self, key: &str) -> String {
        let user = provisio_access::key_id_of(key).expect("a key");
        format!("nats://{user}:{key}@127.0.0.1:{}", self.server.port)
    }

    pub(crate) fn service_url(&self) -> String {
        format!("nats://provisio:{SERVICE_PASSWORD}@127.0.0.1:{}", self.server.port)
    }
}

impl Drop for SecuredNats {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.config_dir).ok();
    }
}

fn provisio(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_provisio")).args(args).output().unwrap()
}

fn courses() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../import/tests/fixtures/courses-good.csv")
}

fn import_args<'a>(file: &'a str, target: &'a [&'a str]) -> Vec<&'a str> {
    [&["import", file, "--ukprn", A, "--json"][..], target].concat()
}

async fn event_ids(store: &Store) -> BTreeSet<String> {
    let query = LogQuery { limit: 1_000, ..Default::default() };
    let log = store.read_log(&query).await.unwrap();
    log.iter().map(|e| serde_json::from_str::<Value>(&e.body).unwrap()["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn an_import_with_a_provider_key_in_its_nats_url_publishes_every_event() {
    let (url, sqlite) = database(Db::Sqlite).await;
    let keys = Store::connect(&url).await.unwrap();
    let key = create_key(&keys, "provider", Some(A)).await;
    let nats = SecuredNats::start(&url);
    let app = spawn_app_on(url, sqlite, Some(&nats.service_url())).await;

    // What the file makes, written locally into a scratch store.
    let scratch = provisio_testkit::sqlite_file();
    let file = courses();
    let file = file.to_str().unwrap();
    let local = provisio(&import_args(file, &["--database-url", &scratch.url]));
    assert!(local.status.success(), "{}", String::from_utf8_lossy(&local.stderr));
    let expected = event_ids(&Store::connect(&scratch.url).await.unwrap()).await;
    assert!(!expected.is_empty());

    // The same file through JetStream, as the provider's own NATS user.
    let nats_url = nats.url_for(&key);
    let output = provisio(&import_args(file, &["--nats-url", &nats_url]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["published"], true, "{report}");
    assert_eq!(report["events_published"], expected.len(), "{report}");
    let log = app.wait_for_log(expected.len()).await;
    let stored: BTreeSet<String> = log.iter().map(|e| e["event"]["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(stored, expected, "every event of the file, and only those, reached the log");
    assert!(log.iter().all(|e| e["event"]["source"] == format!("urn:ukprn:{A}")));
    app.stop().await;
}

#[tokio::test]
async fn a_provider_may_not_read_another_user_s_replies() {
    let (url, sqlite) = database(Db::Sqlite).await;
    let keys = Store::connect(&url).await.unwrap();
    let key_a = create_key(&keys, "provider", Some(A)).await;
    let key_b = create_key(&keys, "provider", Some(B)).await;
    let id_b = provisio_access::key_id_of(&key_b).unwrap().to_owned();
    let nats = SecuredNats::start(&url);
    // The service itself works on its own inbox: it creates the stream and consumes.
    let app = spawn_app_on(url, sqlite, Some(&nats.service_url())).await;

    // A listens on every inbox, on B's and on the service's; the server refuses each.
    let errors = Arc::new(Mutex::new(Vec::new()));
    let options = async_nats::ConnectOptions::new().event_callback({
        let errors = errors.clone();
        move |event| {
            let errors = errors.clone();
            async move {
                if let async_nats::Event::ServerError(e) = event {
                    errors.lock().unwrap().push(e.to_string().to_lowercase());
                }
            }
        }
    });
    let as_a = nats.url_for(&key_a).parse::<provisio_ingest::NatsUrl>().unwrap().connect(options).await.unwrap();
    let mut snoops = Vec::new();
    for subject in ["_INBOX.>".to_owned(), format!("_INBOX_{id_b}.>"), "_INBOX_provisio.>".to_owned()] {
        snoops.push((subject.clone(), as_a.subscribe(subject).await.unwrap()));
    }
    as_a.flush().await.unwrap();

    // B publishes and is answered on its own inbox.
    let as_b = provisio_ingest::connect_nats(&nats.url_for(&key_b), "college-b").await.unwrap();
    let offer = crate::helpers::offer(B, "OFF-B", "nats-b-1");
    let m = jetstream::message::PublishMessage::build()
        .payload(offer.to_string().into_bytes().into())
        .message_id("nats-b-1");
    let ack = jetstream::new(as_b).send_publish(subject_of(&offer), m).await.unwrap().await;
    assert!(ack.is_ok(), "B's acknowledgement comes on B's inbox: {ack:?}");
    app.wait_for_log(1).await;

    for (subject, mut snoop) in snoops {
        let got = tokio::time::timeout(Duration::from_millis(500), snoop.next()).await;
        assert!(got.map_or(true, |m| m.is_none()), "A read a reply on {subject}");
        let refused = errors.lock().unwrap().iter().any(|e| {
            e.contains("permissions violation")
                && e.contains(&format!("subscription to \"{}\"", subject.to_lowercase()))
        });
        assert!(refused, "the server must refuse A's subscription to {subject}: {:?}", errors.lock().unwrap());
    }
    app.stop().await;
}

#[tokio::test]
async fn a_failing_nats_connection_never_shows_the_password() {
    let (url, _sqlite) = database(Db::Sqlite).await;
    let keys = Store::connect(&url).await.unwrap();
    let key = create_key(&keys, "provider", Some(A)).await;
    let nats = SecuredNats::start(&url);
    let secret = key.rsplit('_').next().unwrap().to_owned();
    let user = provisio_access::key_id_of(&key).unwrap().to_owned();
    let wrong_key = format!("pv_{user}_{}", "0".repeat(64));
    let free = provisio_testkit::free_port();
    let file = courses();
    let file = file.to_str().unwrap();
    for (nats_url, password) in [
        (nats.url_for(&wrong_key), wrong_key.as_str()),
        // Nothing listens there: refused before any password is sent.
        (format!("nats://{user}:{key}@127.0.0.1:{free}"), key.as_str()),
    ] {
        let output = provisio(&import_args(file, &["--nats-url", &nats_url]));
        let shown = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(!output.status.success(), "{shown}");
        assert!(shown.contains(&format!("nats://{user}:***@127.0.0.1")), "the error names the server: {shown}");
        assert!(!shown.contains(password) && !shown.contains(&secret), "{shown}");
    }

    // The service started with a wrong password says so without it.
    let wrong_service = format!("nats://provisio:not-{SERVICE_PASSWORD}@127.0.0.1:{}", nats.server.port);
    let config = crate::helpers::config(url, Some(&wrong_service), Default::default());
    let error = format!("{:#}", provisio::Application::build(&config).await.err().expect("refused"));
    assert!(error.contains("nats://provisio:***@127.0.0.1") && !error.contains(SERVICE_PASSWORD), "{error}");
}
