//! Reports and live updates end to end: events in over NATS and HTTP, reports out over HTTP,
//! changes out over SSE (with a reconnect) and core NATS.

use crate::helpers::*;
use async_nats::jetstream;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

/// A minimal SSE reader over a streaming response.
pub(crate) struct Sse {
    response: reqwest::Response,
    buffer: String,
}

impl Sse {
    pub(crate) async fn open(app: &TestApp, partnership: &str, last_event_id: Option<i64>) -> Sse {
        Self::open_at(&app.client, &app.base, partnership, last_event_id).await
    }

    /// The stream of the service at `base`, through `client`.
    pub(crate) async fn open_at(
        client: &reqwest::Client,
        base: &str,
        partnership: &str,
        last_event_id: Option<i64>,
    ) -> Sse {
        let mut request = client.get(format!("{base}/v1/partnerships/{partnership}/live"));
        if let Some(n) = last_event_id {
            request = request.header("Last-Event-ID", n.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        Sse { response, buffer: String::new() }
    }

    /// The next (event, id, data) of the stream, skipping keep-alive comments.
    pub(crate) async fn next(&mut self) -> (String, i64, Value) {
        self.next_or_end().await.expect("the stream stays open")
    }

    /// The next (event, id, data), or `None` once the service has closed the stream (or died).
    pub(crate) async fn next_or_end(&mut self) -> Option<(String, i64, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut event, mut id, mut data) = (String::new(), 0, Value::Null);
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event: ") {
                        event = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("id: ") {
                        id = v.parse().unwrap();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data = serde_json::from_str(v).unwrap();
                    }
                }
                if !event.is_empty() {
                    return Some((event, id, data));
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(15), self.response.chunk())
                .await
                .expect("an SSE event in time")
                .ok()
                .flatten()?;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

pub(crate) fn registration() -> Value {
    json!({"specversion": "1.0", "id": "reg", "source": "urn:lp:sunderland", "type": "lp.partnership.registered.v1",
           "time": "2026-09-01T09:00:00Z", "data": {"partnership_id": "sunderland", "name": "Sunderland", "areas": ["E08000024"]}})
}

pub(crate) fn provider_event(ukprn: &str, id: &str, ty: &str, data: Value) -> Value {
    let mut data = data;
    data["ukprn"] = json!(ukprn);
    json!({"specversion": "1.0", "id": id, "source": format!("urn:ukprn:{ukprn}"), "type": ty, "time": "2026-09-01T09:00:00Z", "data": data})
}

pub(crate) fn venue(ukprn: &str, id: &str) -> Value {
    provider_event(
        ukprn,
        id,
        "lp.venue.registered.v1",
        json!({"venue_id": "V", "name": "Campus", "postcode": "SR1 3AD", "area": "E08000024"}),
    )
}

pub(crate) fn engineering_offer(ukprn: &str, offer_id: &str, places: u32, id: &str) -> Value {
    provider_event(
        ukprn,
        id,
        "lp.provision.offered.v1",
        json!({"academic_year": "2026/27", "offer_id": offer_id, "venue_id": "V",
        "title": "Engineering", "subject": "4.1", "level": "3", "age_group": "16-18", "mode": "full-time", "places": places}),
    )
}

fn need(learners: u32) -> Value {
    json!({"specversion": "1.0", "id": "need-1", "source": "urn:lp:sunderland", "type": "lp.need.identified.v1", "time": "2026-09-01T09:00:00Z",
           "data": {"partnership_id": "sunderland", "need_id": "N1", "subject": "4.1", "level": "3", "age_group": "16-18",
                    "academic_year": "2026/27", "learners": learners, "evidence": "employer-survey"}})
}

async fn publish(js: &jetstream::Context, e: &Value) {
    let m = jetstream::message::PublishMessage::build()
        .payload(e.to_string().into_bytes().into())
        .message_id(e["id"].as_str().unwrap());
    js.send_publish(subject_of(e), m).await.unwrap().await.unwrap();
}

#[tokio::test]
async fn a_partnership_fed_over_nats_and_http_is_reported_and_streamed_live_and_after_a_reconnect() {
    let nats = provisio_testkit::NatsServer::start();
    let app = spawn_app(Db::Postgres, Some(&nats.url)).await;
    let client = async_nats::connect(&nats.url).await.unwrap();
    let mut live_nats = client.subscribe("lp.live.sunderland.>").await.unwrap();
    client.flush().await.unwrap();
    let js = jetstream::new(client);

    let (_, reg) = app.post_events(&registration()).await;
    let p0 = reg["accepted"][0]["position"].as_i64().unwrap();
    let (status, _) = app.get(&format!("/v1/partnerships/sunderland?min_position={p0}")).await;
    assert_eq!(status, 200);
    let mut sse = Sse::open(&app, "sunderland", None).await;

    // Need 50; two offers of one college (20 places): a high gap, not a duplication.
    app.post_events(&need(50)).await;
    for e in [
        venue("10006570", "v-a"),
        engineering_offer("10006570", "A1", 10, "a1"),
        engineering_offer("10006570", "A2", 10, "a2"),
    ] {
        publish(&js, &e).await;
    }
    let log = app.wait_for_log(5).await;
    let last = log.last().unwrap()["position"].as_i64().unwrap();
    let (_, gaps) = app.get(&format!("/v1/partnerships/sunderland/gaps?min_position={last}")).await;
    assert_eq!(gaps["position"], json!(last));
    let row = &gaps["gaps"][0];
    assert_eq!((row["demand"].as_u64(), row["supply"].as_u64(), row["unmet"].as_u64()), (Some(50), Some(20), Some(30)));
    assert_eq!(row["severity"], json!("high"));
    assert_eq!(row["needs"], json!(["N1"]));
    assert_eq!(row["offers"].as_array().unwrap().len(), 2);
    let (_, dups) = app.get(&format!("/v1/partnerships/sunderland/duplications?min_position={last}")).await;
    assert_eq!(dups["duplications"], json!([]), "one provider's two offers are no duplication");

    // A second college offers 45 places: the gap closes; surplus 15 > 0.2 × 50 makes a duplication.
    let (_, r) =
        app.post_events(&json!([venue("10000001", "v-b"), engineering_offer("10000001", "B1", 45, "b1")])).await;
    let last = r["accepted"][1]["position"].as_i64().unwrap();
    let (_, gaps) = app.get(&format!("/v1/partnerships/sunderland/gaps?min_position={last}")).await;
    assert_eq!(gaps["gaps"], json!([]));
    let (_, dups) = app.get(&format!("/v1/partnerships/sunderland/duplications?min_position={last}")).await;
    let d = &dups["duplications"][0];
    assert_eq!(d["providers"], json!(["10000001", "10006570"]));
    assert_eq!((d["supply"].as_u64(), d["demand"].as_u64(), d["surplus"].as_i64()), (Some(65), Some(50), Some(15)));
    assert_eq!(d["severity"], json!("overlap"));
    assert_eq!(d["fill_rate"], Value::Null);

    // The live stream saw the gap open, change, close, and the duplication open, in order.
    let mut seen = Vec::new();
    while !seen.iter().any(|(k, _, _): &(String, i64, Value)| k == "duplication.opened") {
        seen.push(sse.next().await);
    }
    let kinds: Vec<&str> = seen.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"gap.opened"));
    assert!(kinds.contains(&"gap.closed"), "{kinds:?}");
    assert!(seen.windows(2).all(|w| w[0].1 <= w[1].1), "ids are positions, in order");
    for (kind, id, data) in &seen {
        assert_eq!(data["kind"], json!(kind));
        assert_eq!(data["position"], json!(id));
    }

    // A dashboard reconnecting from p0 receives exactly the same changes first.
    let mut again = Sse::open(&app, "sunderland", Some(p0)).await;
    for expected in &seen {
        assert_eq!(&again.next().await, expected);
    }

    // And core NATS carried them too, on lp.live.<partnership>.<kind>.
    let first = tokio::time::timeout(Duration::from_secs(5), live_nats.next()).await.unwrap().unwrap();
    assert_eq!(first.subject.as_str(), "lp.live.sunderland.gap.opened");
    let body: Value = serde_json::from_slice(&first.payload).unwrap();
    assert_eq!(body, seen[0].2);
    app.stop().await;
}

/// A client may resume from an id this process has not applied yet (it followed a process
/// further ahead, or its write was durable in the log and not yet applied here). The live
/// batch that reaches that id holds earlier changes too; the client gets only the later ones.
#[tokio::test]
async fn a_client_resuming_from_an_id_not_yet_applied_gets_nothing_at_or_before_it() {
    let app = spawn_app(Db::Sqlite, None).await;
    let (_, reg) = app.post_events(&registration()).await;
    let p0 = reg["accepted"][0]["position"].as_i64().unwrap();
    let (status, _) = app.get(&format!("/v1/partnerships/sunderland?min_position={p0}")).await;
    assert_eq!(status, 200);
    // One request, one commit, one live batch: the need opens a gap (p0 + 1), the offer of
    // p0 + 3 changes it; the client already has everything through p0 + 2.
    let mut sse = Sse::open(&app, "sunderland", Some(p0 + 2)).await;
    let (status, _) = app
        .post_events(&json!([need(50), venue("10006570", "v-a"), engineering_offer("10006570", "A1", 10, "a1")]))
        .await;
    assert_eq!(status, 202);
    let (kind, id, data) = sse.next().await;
    assert_eq!((kind.as_str(), id), ("gap.changed", p0 + 3), "{data}");
    // From p0 the same stream starts with the gap's opening.
    let (kind, id, _) = Sse::open(&app, "sunderland", Some(p0)).await.next().await;
    assert_eq!((kind.as_str(), id), ("gap.opened", p0 + 1));
    app.stop().await;
}

#[tokio::test]
async fn reports_filter_page_and_refuse_what_they_cannot_answer() {
    let app = spawn_app(Db::Sqlite, None).await;
    let (status, problem) = app.get("/v1/partnerships/sunderland/gaps").await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("partnership-not-found")));

    let mut events = vec![registration(), venue("10006570", "v"), need(50)];
    for i in 0..5 {
        events.push(engineering_offer("10006570", &format!("O{i}"), 5, &format!("o{i}")));
    }
    let (_, r) = app.post_events(&json!(events)).await;
    let last = r["accepted"].as_array().unwrap().last().unwrap()["position"].as_i64().unwrap();

    let (_, one) = app.get(&format!("/v1/partnerships/sunderland?min_position={last}")).await;
    assert_eq!(one["providers"], json!(["10006570"]));
    assert_eq!(one["rules"], json!({"surplus_tolerance": 0.2, "viable_fill_rate": 0.6, "min_group_size": 12}));
    let (_, gaps) = app.get("/v1/partnerships/sunderland/gaps?subject=4.1&level=3").await;
    assert_eq!(gaps["gaps"].as_array().unwrap().len(), 1);
    let (_, none) = app.get("/v1/partnerships/sunderland/gaps?subject=1.3").await;
    assert_eq!(none["gaps"], json!([]));
    let (status, bad) = app.get("/v1/partnerships/sunderland/gaps?subject=99.9").await;
    assert_eq!((status, bad["code"].as_str()), (400, Some("invalid-query")));
    let (_, coverage) = app.get("/v1/partnerships/sunderland/coverage?academic_year=2026/27").await;
    assert_eq!(
        coverage["cells"],
        json!([{"subject": "4.1", "level": "3", "age_group": "16-18", "demand": 50, "supply": 25, "interest": 0}])
    );
    assert_eq!(coverage["academic_year"], json!("2026/27"));

    let (_, page1) = app.get("/v1/partnerships/sunderland/offers?limit=2").await;
    assert_eq!(page1["offers"].as_array().unwrap().len(), 2);
    let cursor = page1["next_cursor"].as_str().unwrap().to_owned();
    let (_, page2) = app.get(&format!("/v1/partnerships/sunderland/offers?limit=10&cursor={cursor}")).await;
    assert_eq!(page2["offers"].as_array().unwrap().len(), 3);
    assert_eq!(page2["next_cursor"], Value::Null);
    assert_eq!(page2["offers"][0]["offer_id"], json!("O2"));
    assert_eq!(page2["offers"][0]["enrolled"], Value::Null);

    let started = std::time::Instant::now();
    let r = app
        .client
        .get(format!("{}/v1/partnerships/sunderland/gaps?min_position=999999", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert!(started.elapsed() >= Duration::from_secs(4), "min_position waits before giving up");
    app.stop().await;
}

/// The projector applies what the service's own writer hands over without reading it back,
/// but an event another writer appended in between (an import into the database, a second
/// instance) must still be applied, and in log order.
#[tokio::test]
async fn an_event_appended_by_another_writer_is_applied_before_the_next_handed_over() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        let (status, _) = app.post_events(&json!([registration(), venue("10006570", "v"), need(50)])).await;
        assert_eq!(status, 202);

        let foreign = engineering_offer("10006570", "O1", 5, "o1");
        let batch = provisio_store::AppendBatch {
            events: vec![provisio_store::NewEvent {
                id: "o1".into(),
                source: "urn:ukprn:10006570".into(),
                event_type: "lp.provision.offered.v1".into(),
                body: foreign.to_string(),
                key_id: None,
            }],
            ..Default::default()
        };
        let foreign_position = app.store.append(&batch).await.unwrap().last_written.unwrap();

        let (_, r) = app.post_events(&json!([engineering_offer("10006570", "O2", 7, "o2")])).await;
        let last = r["accepted"][0]["position"].as_i64().unwrap();
        assert!(last > foreign_position);
        let (status, gaps) = app.get(&format!("/v1/partnerships/sunderland/gaps?min_position={last}")).await;
        assert_eq!(status, 200, "{db:?}: {gaps}");
        let row = &gaps["gaps"][0];
        assert_eq!((row["supply"].as_u64(), row["unmet"].as_u64()), (Some(12), Some(38)), "{db:?}: {gaps}");
        assert_eq!(row["offers"].as_array().unwrap().len(), 2, "{db:?}: {gaps}");
        app.stop().await;
    }
}

/// Changes are pushed live before a task of their own records them (ADR 7). A graceful stop
/// must let that task record everything already pushed, so a client that saw a change can
/// resume after it from the history of the next start.
#[tokio::test]
async fn a_graceful_stop_records_every_change_already_pushed() {
    // The test keeps the database: it reads it after the app has stopped.
    let (url, _database) = database(Db::Postgres).await;
    let app = spawn_app_on(url.clone(), None, None).await;
    let (status, _) = app.post_events(&json!([registration(), venue("10006570", "v"), need(50)])).await;
    assert_eq!(status, 202);
    let mut live = Sse::open(&app, "sunderland", None).await;
    let (_, r) = app.post_events(&json!([engineering_offer("10006570", "O1", 5, "o1")])).await;
    let position = r["accepted"][0]["position"].as_i64().unwrap();
    let (kind, id, _) = live.next().await;
    assert_eq!((kind.as_str(), id), ("gap.changed", position));
    // At once: the change may still be queued for recording.
    app.stop().await;

    let store = provisio_store::Store::connect(&url).await.unwrap();
    let recorded = store.read_changes("sunderland", (position - 1, i32::MAX), 100).await.unwrap();
    assert!(recorded.iter().any(|c| c.position == position && c.kind == "gap.changed"), "{recorded:?}");
    assert!(store.checkpoint(provisio_store::PROJECTOR_CHECKPOINT).await.unwrap() >= position as u64);
    store.close().await;
}
