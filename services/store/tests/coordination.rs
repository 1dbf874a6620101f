//! What processes sharing one PostgreSQL log tell each other (ADR 13): one writer's lock at
//! a time, released with its session; notices of appends; one service token per database.

use provisio_store::{AppendBatch, Lead, NewEvent, Store};
use std::time::Duration;

#[tokio::test]
async fn one_session_leads_and_the_lock_passes_on_when_it_ends() {
    let database = provisio_testkit::postgres_database().await;
    let (first, second) = (Store::connect(&database.url).await.unwrap(), Store::connect(&database.url).await.unwrap());
    let Lead::Led(leader) = first.try_lead().await.unwrap() else { panic!("a free lock is taken") };
    match second.try_lead().await.unwrap() {
        Lead::HeldBy(pid) => assert_eq!(pid, leader.pid(), "the holder is named"),
        Lead::Led(_) => panic!("two leaders"),
    }
    drop(leader);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Lead::Led(_) = second.try_lead().await.unwrap() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the lock was not released with its session");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_append_by_another_store_is_noticed_and_both_share_one_service_token() {
    let database = provisio_testkit::postgres_database().await;
    let (writer, reader) = (Store::connect(&database.url).await.unwrap(), Store::connect(&database.url).await.unwrap());
    let mut notices = reader.append_notices().await.unwrap();
    let event = NewEvent {
        id: "e1".into(),
        source: "urn:lp:sunderland".into(),
        event_type: "lp.need.identified.v1".into(),
        body: "{}".into(),
        key_id: None,
    };
    writer.append(&AppendBatch { events: vec![event], ..Default::default() }).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), notices.next()).await.expect("a notice").unwrap();
    assert_eq!(reader.last_position().await.unwrap(), 1);

    let token = writer.service_token().await.unwrap();
    assert!(token.len() >= 60, "{token}");
    assert_eq!(reader.service_token().await.unwrap(), token);
    let file = provisio_testkit::sqlite_file();
    let sqlite = Store::connect(&file.url).await.unwrap();
    assert_ne!(sqlite.service_token().await.unwrap(), token, "one per database");
    assert!(sqlite.try_lead().await.is_err(), "SQLite has no writer's lock: one process owns the file");
}
