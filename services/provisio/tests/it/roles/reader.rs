//! Readers: each serves what the writer serves at the same position, a write POSTed to one
//! lands in the log through JetStream and is answered with its position, and live clients of
//! a killed reader resume on another with `Last-Event-ID` and miss nothing.

use super::start_role;
use crate::crash::{all_reports, log_count, wait_ready};
use crate::reports::Sse;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// POSTs `chunk` to the service at `base`; answers the positions it was given.
async fn post(client: &reqwest::Client, base: &str, chunk: &[Value]) -> Vec<(i64, bool)> {
    let r = client.post(format!("{base}/v1/events")).json(&chunk).send().await.unwrap();
    let status = r.status();
    let answer: Value = r.json().await.unwrap();
    assert_eq!(status, 202, "{answer}");
    answer["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["position"].as_i64().unwrap(), a["duplicate"].as_bool().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_reader_serves_the_writers_reports_and_its_writes_land_with_their_positions() {
    let nats = provisio_testkit::NatsServer::start();
    let database = provisio_testkit::postgres_database().await;
    let client = reqwest::Client::new();
    let writer = start_role(&database.url, Some(&nats.url), "writer");
    wait_ready(&client, &writer.base).await;
    let reader = start_role(&database.url, Some(&nats.url), "reader");
    wait_ready(&client, &reader.base).await;

    let events = provisio::demo::generate(7);
    let mut last = 0;
    for chunk in events.chunks(50) {
        let answered = post(&client, &reader.base, chunk).await;
        assert!(answered.iter().all(|(p, duplicate)| *p > 0 && !duplicate), "new events: {answered:?}");
        last = last.max(answered.iter().map(|(p, _)| *p).max().unwrap());
    }
    // The positions a reader answered are the log's.
    let log = log_count(&client, &writer.base).await.unwrap();
    assert_eq!(log.len(), events.len());
    assert_eq!(log.last().unwrap()["position"].as_i64().unwrap(), last);
    // Sent again through the reader: the same positions, as duplicates, and nothing new.
    let again = post(&client, &reader.base, &events[..10]).await;
    let first: Vec<(i64, bool)> = log[..10].iter().map(|e| (e["position"].as_i64().unwrap(), true)).collect();
    assert_eq!(again, first);

    // The reader's lag: from the writer's answer to the reader's engine at that position
    // (`min_position` waits for it there), HTTP included. Printed; speed is not asserted.
    let mut lags = Vec::new();
    for i in 0..50 {
        let event = crate::helpers::offer("10006570", &format!("LAG{i}"), &format!("roles-lag-{i}"));
        let position = post(&client, &writer.base, &[event]).await[0].0;
        let answered = Instant::now();
        let r = client.get(format!("{}/v1/partnerships?min_position={position}", reader.base)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        lags.push(answered.elapsed());
        last = position;
    }
    lags.sort();
    println!(
        "reader lag behind the writer's answer: median {:?}, max {:?}",
        lags[lags.len() / 2],
        lags[lags.len() - 1]
    );

    let from_writer = all_reports(&client, &writer.base, last).await;
    let from_reader = all_reports(&client, &reader.base, last).await;
    assert!(from_writer.as_object().unwrap().len() >= 12, "three partnerships, four reports each");
    assert_eq!(from_reader, from_writer, "a reader serves the writer's reports at the same position");

    // The service's own events (a learner's interest, `urn:public`) sent by a reader pass the
    // writer's check: the token that marks them is the database's, not one process's.
    let interest = json!({"subject": "4.1", "level": "3", "age_group": "19+", "academic_year": "2026/27",
                          "area": "E08000024"});
    let r = client.post(format!("{}/v1/public/interest", reader.base)).json(&interest).send().await.unwrap();
    let status = r.status();
    let answer: Value = r.json().await.unwrap();
    assert_eq!(status, 202, "{answer}");
    let log = log_count(&client, &writer.base).await.unwrap();
    assert_eq!(log.last().unwrap()["event"]["source"], "urn:public", "stored by the writer");
}

/// A need in Sunderland no demo event names: it opens (or moves) a gap, so its position
/// carries a change every Sunderland live client receives.
fn final_need() -> Value {
    json!({"specversion": "1.0", "id": "roles-final-need", "source": "urn:lp:sunderland", "type": "lp.need.identified.v1",
           "time": "2026-09-01T09:00:00Z",
           "data": {"partnership_id": "sunderland", "need_id": "ROLES-FINAL", "subject": "4.1", "level": "3",
                    "age_group": "16-18", "academic_year": "2026/27", "learners": 97, "evidence": "employer-survey"}})
}

/// The positions of the changes `stream` sends, through `end`.
async fn positions_through(stream: &mut Sse, end: i64, seen: &mut BTreeSet<i64>) {
    while seen.last().is_none_or(|last| *last < end) {
        seen.insert(stream.next().await.1);
    }
}

#[tokio::test]
async fn live_clients_of_a_killed_reader_resume_on_another_and_miss_nothing() {
    let nats = provisio_testkit::NatsServer::start();
    let database = provisio_testkit::postgres_database().await;
    let client = reqwest::Client::new();
    let writer = start_role(&database.url, Some(&nats.url), "writer");
    wait_ready(&client, &writer.base).await;
    let mut first = start_role(&database.url, Some(&nats.url), "reader");
    let second = start_role(&database.url, Some(&nats.url), "reader");
    wait_ready(&client, &first.base).await;
    wait_ready(&client, &second.base).await;

    let events = provisio::demo::generate(3);
    let (opening, rest) = events.split_at(events.len() / 3);
    let mut start = 0;
    for chunk in opening.chunks(50) {
        start = post(&client, &writer.base, chunk).await.iter().map(|(p, _)| *p).max().unwrap();
    }
    let partnership = "sunderland";
    for base in [&first.base, &second.base] {
        let r = client.get(format!("{base}/v1/partnerships/{partnership}/gaps?min_position={start}")).send().await;
        assert_eq!(r.unwrap().status(), 200, "the reader reached the opening's position");
    }
    // Every stream starts from the same position, whatever its reader had applied.
    let reference = Sse::open_at(&client, &writer.base, partnership, Some(start)).await;
    let mut streams = Vec::new();
    for _ in 0..3 {
        streams.push(Sse::open_at(&client, &first.base, partnership, Some(start)).await);
    }
    let writes = {
        let (client, base, rest) = (client.clone(), writer.base.clone(), rest.to_vec());
        tokio::spawn(async move {
            for chunk in rest.chunks(20) {
                post(&client, &base, chunk).await;
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            post(&client, &base, &[final_need()]).await[0].0
        })
    };

    // The reader dies while the changes flow, once a client has the first; each client
    // reads what it got until then.
    let (_, first_change, _) = streams[0].next().await;
    first.child.kill().unwrap(); // SIGKILL
    first.child.wait().unwrap();
    let mut received = Vec::new();
    for (i, mut stream) in streams.into_iter().enumerate() {
        let mut seen: BTreeSet<i64> = (i == 0).then_some(first_change).into_iter().collect();
        while let Some((_, id, _)) = stream.next_or_end().await {
            seen.insert(id);
        }
        received.push(seen);
    }
    let end = writes.await.unwrap();

    let mut expected = BTreeSet::new();
    let mut reference = reference;
    positions_through(&mut reference, end, &mut expected).await;
    assert!(expected.len() > 3, "the writes made changes: {expected:?}");
    for mut seen in received {
        assert!(seen.last().is_none_or(|last| *last < end), "the reader died before the last change");
        let resume_from = seen.last().copied().unwrap_or(start);
        let mut resumed = Sse::open_at(&client, &second.base, partnership, Some(resume_from)).await;
        positions_through(&mut resumed, end, &mut seen).await;
        assert_eq!(seen, expected, "every change's position, before and after the move to another reader");
    }
}
