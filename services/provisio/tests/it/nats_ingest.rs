//! JetStream ingestion against a private nats-server, on PostgreSQL and on SQLite.

use crate::helpers::*;
use async_nats::jetstream;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

async fn publish(js: &jetstream::Context, subject: &str, body: Vec<u8>, msg_id: Option<&str>) {
    let mut m = jetstream::message::PublishMessage::build().payload(body.into());
    if let Some(id) = msg_id {
        m = m.message_id(id);
    }
    js.send_publish(subject.to_owned(), m).await.unwrap().await.unwrap();
}

#[tokio::test]
async fn published_events_are_stored_once_in_order_and_bad_ones_are_answered_without_blocking() {
    for db in BOTH {
        let nats = provisio_testkit::NatsServer::start();
        let app = spawn_app(db, Some(&nats.url)).await;
        let client = async_nats::connect(&nats.url).await.unwrap();
        let mut rejected = client.subscribe("lp.rejected.>").await.unwrap();
        client.flush().await.unwrap();
        let js = jetstream::new(client);

        let a = |i: usize| offer("10006570", &format!("A{i}"), &format!("a-{i}"));
        let b = |i: usize| offer("10000001", &format!("B{i}"), &format!("b-{i}"));
        for i in 0..20 {
            let (ea, eb) = (a(i), b(i));
            publish(&js, &subject_of(&ea), ea.to_string().into_bytes(), Some(ea["id"].as_str().unwrap())).await;
            publish(&js, &subject_of(&eb), eb.to_string().into_bytes(), Some(eb["id"].as_str().unwrap())).await;
            if i == 10 {
                // In the middle: a body that is not JSON, then an event claiming another source.
                publish(&js, "lp.v1.provider.10006570.lp.provision.offered.v1", b"{oops".to_vec(), None).await;
                let mut liar = a(99);
                liar["id"] = json!("liar");
                publish(
                    &js,
                    "lp.v1.provider.10000001.lp.provision.offered.v1",
                    liar.to_string().into_bytes(),
                    Some("liar"),
                )
                .await;
                // A re-send with the same Nats-Msg-Id, and one without it.
                publish(&js, &subject_of(&ea), ea.to_string().into_bytes(), Some(ea["id"].as_str().unwrap())).await;
                publish(&js, &subject_of(&ea), ea.to_string().into_bytes(), None).await;
            }
        }
        let log = app.wait_for_log(40).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let log_after = app.log().await;
        assert_eq!(log_after.len(), 40, "{db:?}: every valid event exactly once");
        assert_eq!(log.len(), 40);
        for prefix in ["a-", "b-"] {
            let order: Vec<usize> = log_after
                .iter()
                .filter_map(|e| e["event"]["id"].as_str().unwrap().strip_prefix(prefix).map(|n| n.parse().unwrap()))
                .collect();
            assert_eq!(order, (0..20).collect::<Vec<_>>(), "{db:?}: one provider's events keep their order");
        }

        let mut answers: Vec<Value> = Vec::new();
        while answers.len() < 2 {
            let m = tokio::time::timeout(Duration::from_secs(10), rejected.next())
                .await
                .expect("rejections are answered")
                .unwrap();
            answers.push(serde_json::from_slice(&m.payload).unwrap());
            if answers.len() == 1 {
                assert_eq!(m.subject.as_str(), "lp.rejected.10006570");
            }
        }
        assert_eq!(answers[0]["id"], Value::Null);
        assert_eq!(answers[0]["errors"][0]["code"], json!("invalid-json"));
        assert_eq!(answers[1]["id"], json!("liar"));
        assert_eq!(answers[1]["subject"], json!("lp.v1.provider.10000001.lp.provision.offered.v1"));
        assert_eq!(answers[1]["errors"][0]["code"], json!("subject-mismatch"));
        app.stop().await;
    }
}

#[tokio::test]
async fn http_events_go_through_jetstream_and_answer_with_durable_positions() {
    let nats = provisio_testkit::NatsServer::start();
    let app = spawn_app(Db::Postgres, Some(&nats.url)).await;
    let events: Vec<Value> = client_types().enumerate().map(|(i, t)| event(t, &format!("h-{i}"))).collect();
    let (status, answer) = app.post_events(&json!(events)).await;
    assert_eq!(status, 202, "{answer}");
    let log = app.log().await;
    assert_eq!(log.len(), events.len(), "positions are given only once the events are in the log");
    let admin_key_id = app.admin_key.split('_').nth(1).unwrap();
    for (a, stored) in answer["accepted"].as_array().unwrap().iter().zip(&log) {
        assert_eq!(a["position"], stored["position"]);
        assert_eq!(a["duplicate"], json!(false));
        assert_eq!(stored["key_id"], json!(admin_key_id), "the submitting key is recorded through JetStream too");
    }
    let (_, again) = app.post_events(&events[3]).await;
    assert_eq!(again["accepted"][0]["duplicate"], json!(true), "{again}");
    assert_eq!(again["accepted"][0]["position"], log[3]["position"]);

    let js = jetstream::new(async_nats::connect(&nats.url).await.unwrap());
    let mut stream = js.get_stream("LP_EVENTS").await.unwrap();
    let info = stream.info().await.unwrap();
    assert_eq!(info.config.subjects, vec!["lp.v1.>".to_owned()]);
    assert_eq!(info.state.messages, events.len() as u64, "HTTP events went through the stream");
    app.stop().await;
}

#[tokio::test]
async fn a_restarted_service_resumes_from_its_checkpoint_without_doubling() {
    let nats = provisio_testkit::NatsServer::start();
    let (url, database) = database(Db::Sqlite).await;
    let app = spawn_app_on(url.clone(), None, Some(&nats.url)).await;
    let js = jetstream::new(async_nats::connect(&nats.url).await.unwrap());
    for i in 0..30 {
        let e = offer("10006570", &format!("R{i}"), &format!("r-{i}"));
        publish(&js, &subject_of(&e), e.to_string().into_bytes(), Some(&format!("r-{i}"))).await;
    }
    assert_eq!(app.wait_for_log(30).await.len(), 30);
    app.stop().await;
    for i in 30..40 {
        let e = offer("10006570", &format!("R{i}"), &format!("r-{i}"));
        publish(&js, &subject_of(&e), e.to_string().into_bytes(), Some(&format!("r-{i}"))).await;
    }
    let app = spawn_app_on(url, database, Some(&nats.url)).await;
    let log = app.wait_for_log(40).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.log().await.len(), 40);
    assert_eq!(log.len(), 40);
    app.stop().await;
}

/// The writer trims `LP_EVENTS` behind its log, never past what another consumer of the stream
/// (another deployment's, say) has yet to acknowledge; a restart after a trim resumes from the
/// log's checkpoint and loses nothing.
#[tokio::test]
async fn the_stream_is_trimmed_behind_the_log_and_never_past_another_consumer() {
    let nats = provisio_testkit::NatsServer::start();
    let (url, database) = database(Db::Postgres).await;
    let mut trimming = config(url, Some(&nats.url), provisio_api::Limits::default());
    trimming.stream_trim = Some(Duration::from_millis(100));
    let app = spawn_app_from(trimming.clone(), None).await;
    let js = jetstream::new(async_nats::connect(&nats.url).await.unwrap());
    let stream = js.get_stream("LP_EVENTS").await.unwrap();
    let other: jetstream::consumer::PullConsumer = stream
        .create_consumer(jetstream::consumer::pull::Config {
            durable_name: Some("another-deployment".into()),
            ack_policy: jetstream::consumer::AckPolicy::All,
            ..Default::default()
        })
        .await
        .unwrap();
    let send = |range: std::ops::Range<usize>| {
        let js = js.clone();
        async move {
            for i in range {
                let e = offer("10006570", &format!("T{i}"), &format!("t-{i}"));
                publish(&js, &subject_of(&e), e.to_string().into_bytes(), Some(&format!("t-{i}"))).await;
            }
        }
    };
    send(0..30).await;
    assert_eq!(app.wait_for_log(30).await.len(), 30);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(first_kept(&js).await, 1, "nothing trimmed that another consumer has not acknowledged");

    let mut batch = other.fetch().max_messages(10).messages().await.unwrap();
    let mut last = None;
    while let Some(message) = batch.next().await {
        last = Some(message.unwrap());
    }
    last.expect("ten messages").double_ack().await.unwrap();
    wait_first_kept(&js, 11).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(first_kept(&js).await, 11, "trimmed up to the other consumer's acknowledgement, not past it");

    stream.delete_consumer("another-deployment").await.unwrap();
    wait_first_kept(&js, 31).await;
    app.stop().await;

    send(30..40).await;
    let app = spawn_app_from(trimming, database).await;
    let log = app.wait_for_log(40).await;
    let ids: Vec<&str> = log.iter().map(|e| e["event"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, (0..40).map(|i| format!("t-{i}")).collect::<Vec<_>>(), "every event once, in order");
    wait_first_kept(&js, 41).await;
    app.stop().await;
}

/// The stream sequence of the first message `LP_EVENTS` still holds.
async fn first_kept(js: &jetstream::Context) -> u64 {
    js.get_stream("LP_EVENTS").await.unwrap().info().await.unwrap().state.first_sequence
}

async fn wait_first_kept(js: &jetstream::Context, wanted: u64) {
    for _ in 0..100 {
        if first_kept(js).await >= wanted {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the stream still starts at {} (wanted {wanted})", first_kept(js).await);
}
