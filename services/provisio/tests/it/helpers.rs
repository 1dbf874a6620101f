//! `spawn_app`: the real application on port 0, against a fresh database.

use provisio::{Application, Config};
use provisio_events::EventType;
use provisio_events::example::example_json;
use provisio_testkit::TestDatabase;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub(crate) struct TestApp {
    pub(crate) base: String,
    /// Sends the admin key with every request.
    pub(crate) client: reqwest::Client,
    pub(crate) admin_key: String,
    /// The application's own store, for making keys.
    pub(crate) store: provisio_store::Store,
    shutdown: tokio_util::sync::CancellationToken,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// Removed when the app is dropped (none when the test keeps it, to restart on it).
    _database: Option<TestDatabase>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Db {
    Postgres,
    Sqlite,
}

pub(crate) const BOTH: [Db; 2] = [Db::Postgres, Db::Sqlite];

/// A fresh database of that engine, and its URL.
pub(crate) async fn database(db: Db) -> (String, Option<TestDatabase>) {
    let database = match db {
        Db::Postgres => TestDatabase::Postgres(provisio_testkit::postgres_database().await),
        Db::Sqlite => TestDatabase::Sqlite(provisio_testkit::sqlite_file()),
    };
    (database.url().to_owned(), Some(database))
}

pub(crate) async fn spawn_app(db: Db, nats_url: Option<&str>) -> TestApp {
    let (database_url, database) = database(db).await;
    spawn_app_on(database_url, database, nats_url).await
}

pub(crate) async fn spawn_app_on(
    database_url: String,
    database: Option<TestDatabase>,
    nats_url: Option<&str>,
) -> TestApp {
    spawn_app_with(database_url, database, nats_url, provisio_api::Limits::default()).await
}

pub(crate) async fn spawn_app_with(
    database_url: String,
    database: Option<TestDatabase>,
    nats_url: Option<&str>,
    limits: provisio_api::Limits,
) -> TestApp {
    spawn_app_from(config(database_url, nats_url, limits), database).await
}

/// The configuration `spawn_app_with` starts the application with.
pub(crate) fn config(database_url: String, nats_url: Option<&str>, limits: provisio_api::Limits) -> Config {
    Config {
        role: provisio::roles::Role::All,
        leadership: provisio::roles::Election::On,
        listen: "127.0.0.1:0".into(),
        database_url,
        nats_url: nats_url.map(str::to_owned),
        consumer: "provisio".into(),
        stream_replicas: 1,
        stream_trim: None,
        max_batch: 500,
        insecure_no_auth: false,
        count_heap: false,
        limits,
        connections: Default::default(),
        images: Default::default(),
        public: Default::default(),
    }
}

pub(crate) async fn spawn_app_from(config: Config, database: Option<TestDatabase>) -> TestApp {
    let app = Application::build(&config).await.expect("the application starts");
    let store = app.ingest().store().clone();
    let admin_key = create_key(&store, "admin", None).await;
    let base = format!("http://{}", app.local_addr());
    let shutdown = app.shutdown_token();
    let handle = tokio::spawn(app.run_until_stopped());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {admin_key}").parse().unwrap());
    let client = reqwest::Client::builder().default_headers(headers).build().unwrap();
    let test_app = TestApp { base, client, admin_key, store, shutdown, handle: Some(handle), _database: database };
    test_app.wait_ready().await;
    test_app
}

/// Creates a key of `role` bound to `scope` and answers the key itself.
pub(crate) async fn create_key(store: &provisio_store::Store, role: &str, scope: Option<&str>) -> String {
    let principal = provisio_access::Principal::from_parts(role, scope).unwrap();
    provisio_api::create_key(store, &principal, &format!("test {role}")).await.unwrap().1
}

impl TestApp {
    pub(crate) async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = self.client.get(format!("{}/readyz", self.base)).send().await
                && r.status() == 200
            {
                return;
            }
            assert!(Instant::now() < deadline, "the service did not become ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn post_events(&self, body: &Value) -> (u16, Value) {
        let r = self.client.post(format!("{}/v1/events", self.base)).json(body).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self.client.post(format!("{}{path}", self.base)).json(body).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn post_raw(&self, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(format!("{}/v1/events", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(format!("{}{path}", self.base)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Every event of the log, following `next_after` page by page.
    pub(crate) async fn log(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let (status, page) = self.get(&format!("/v1/events?after={after}&limit=1000")).await;
            assert_eq!(status, 200, "{page}");
            let events = page["events"].as_array().unwrap().clone();
            if events.is_empty() {
                return out;
            }
            after = page["next_after"].as_i64().unwrap();
            out.extend(events);
        }
    }

    /// Waits until the log holds at least `n` events.
    pub(crate) async fn wait_for_log(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let log = self.log().await;
            if log.len() >= n || Instant::now() > deadline {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
    }
}

/// An example event of type `t` with its own id.
/// The event types a client may send: all but the service's own `urn:public` ones.
pub(crate) fn client_types() -> impl Iterator<Item = EventType> {
    EventType::ALL.into_iter().filter(|t| t.source_kind() != provisio_events::SourceKind::Public)
}

pub(crate) fn event(t: EventType, id: &str) -> Value {
    let mut e = example_json(t);
    e["id"] = json!(id);
    e
}

/// A `provision.offered` event of provider `ukprn` for offer `offer_id`.
pub(crate) fn offer(ukprn: &str, offer_id: &str, id: &str) -> Value {
    let mut e = event(EventType::ProvisionOffered, id);
    e["source"] = json!(format!("urn:ukprn:{ukprn}"));
    e["data"]["ukprn"] = json!(ukprn);
    e["data"]["offer_id"] = json!(offer_id);
    e
}

/// The subject an event is published on (CONTRACT sections 4 and 8), from its source and type.
pub(crate) fn subject_of(e: &Value) -> String {
    let source = provisio_events::Source::parse(e["source"].as_str().unwrap()).expect("a source");
    let ty = EventType::parse(e["type"].as_str().unwrap()).expect("an event type");
    provisio_events::subject_for(&source, ty)
}
