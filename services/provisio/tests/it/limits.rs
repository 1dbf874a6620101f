//! One set of event limits for every way in: the same depth, size and id limits over HTTP and
//! NATS, and rejections that keep and echo a bounded prefix only.

use crate::helpers::*;
use async_nats::jetstream;
use futures_util::StreamExt;
use provisio_testkit::TestDatabase;
use serde_json::{Value, json};
use sqlx::Connection;
use std::time::Duration;

const SUBJECT: &str = "lp.v1.provider.10006570.lp.provision.offered.v1";

/// An offer whose `data` carries a value nested `depth` arrays deep.
fn deep_offer(id: &str, depth: usize) -> Value {
    let mut deep = json!(1);
    for _ in 0..depth {
        deep = json!([deep]);
    }
    let mut e = offer("10006570", "D", id);
    e["data"]["extra"] = deep;
    e
}

/// An offer whose description makes its JSON longer than `bytes`.
fn long_offer(id: &str, bytes: usize) -> Value {
    let mut e = offer("10006570", "L", id);
    e["data"]["description"] = json!("x".repeat(bytes));
    e
}

#[tokio::test]
async fn http_and_nats_refuse_the_same_events_and_keep_only_a_bounded_prefix_of_them() {
    let nats = provisio_testkit::NatsServer::start();
    let database = provisio_testkit::postgres_database().await;
    let database_url = database.url.clone();
    let events = provisio_ingest::EventLimits { max_event_bytes: 100_000, max_json_depth: 64 };
    let limits = provisio_api::Limits { events, ..Default::default() };
    let app =
        spawn_app_with(database_url.clone(), Some(TestDatabase::Postgres(database)), Some(&nats.url), limits).await;
    let client = async_nats::connect(&nats.url).await.unwrap();
    let mut answers = client.subscribe("lp.rejected.10006570").await.unwrap();
    client.flush().await.unwrap();
    let js = jetstream::new(client);

    let long_id = "i".repeat(50_000);
    let mut with_long_id = offer("10006570", "I", "x");
    with_long_id["id"] = json!(long_id);
    let refused = [
        (deep_offer("deep", 100), "too-deep"),
        (long_offer("long", 200_000), "too-large"),
        (with_long_id, "invalid-value"),
    ];

    // Over HTTP: each is refused, and the long id comes back cut.
    for (event, code) in &refused {
        let r = app.post_raw(event.to_string()).await;
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert!(text.len() < 10_000, "a refusal is short, not an echo: {} bytes", text.len());
        let answer: Value = serde_json::from_str(&text).unwrap();
        match *code {
            "too-deep" => assert_eq!((status, answer["code"].as_str()), (400, Some("too-deep")), "{answer}"),
            _ => {
                assert_eq!(status, 202, "{answer}");
                assert_eq!(answer["rejected"][0]["errors"][0]["code"], json!(code), "{answer}");
            }
        }
    }
    // Over NATS: the same three are refused, with the same codes, and answered briefly.
    for (event, _) in &refused {
        let m = jetstream::message::PublishMessage::build().payload(event.to_string().into());
        js.send_publish(SUBJECT.to_owned(), m).await.unwrap().await.unwrap();
    }
    let valid = [offer("10006570", "V1", "valid-http"), offer("10006570", "V2", "valid-nats")];
    assert_eq!(app.post_events(&valid[0]).await.0, 202);
    let m = jetstream::message::PublishMessage::build().payload(valid[1].to_string().into());
    js.send_publish(SUBJECT.to_owned(), m).await.unwrap().await.unwrap();

    for (_, code) in &refused {
        let m = tokio::time::timeout(Duration::from_secs(10), answers.next()).await.expect("answered").unwrap();
        assert!(m.payload.len() < 10_000, "a NATS answer is short: {} bytes", m.payload.len());
        let answer: Value = serde_json::from_slice(&m.payload).unwrap();
        assert_eq!(answer["errors"][0]["code"], json!(code), "{answer}");
        if *code == "invalid-value" {
            let echoed = answer["id"].as_str().unwrap();
            assert!(echoed.ends_with('…') && echoed.len() <= provisio_ingest::MAX_ECHOED_ID_BYTES + 3, "{echoed}");
            assert!(long_id.starts_with(echoed.trim_end_matches('…')));
        }
    }

    // The log holds the two valid events only; the rejections list the three, bounded.
    let log = app.wait_for_log(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ids: Vec<&Value> = log.iter().map(|e| &e["event"]["id"]).collect();
    assert_eq!(ids, [&json!("valid-http"), &json!("valid-nats")]);
    let (status, listed) = app.get("/v1/providers/10006570/rejections").await;
    assert_eq!(status, 200, "{listed}");
    let listed = listed["rejections"].as_array().unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(listed.iter().all(|r| r["id"].as_str().is_none_or(|id| id.len() <= 259)));
    let mut db = sqlx::PgConnection::connect(&database_url).await.unwrap();
    let stored: Vec<(String,)> =
        sqlx::query_as("select body from rejections order by seq").fetch_all(&mut db).await.unwrap();
    for ((body,), (event, _)) in stored.iter().zip(&refused) {
        let sent = event.to_string();
        assert!(body.len() <= provisio_ingest::MAX_STORED_BODY_BYTES + 3, "stored {} bytes", body.len());
        if sent.len() > provisio_ingest::MAX_STORED_BODY_BYTES {
            assert!(body.ends_with('…') && sent.starts_with(body.trim_end_matches('…')), "a cut body is marked");
        } else {
            assert_eq!(body, &sent);
        }
    }
    app.stop().await;
}
