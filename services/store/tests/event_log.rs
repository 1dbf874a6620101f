//! The event log on both engines: positions, idempotency for ever, checkpoints, and readers
//! that never skip an event committed late.

use provisio_store::{AppendBatch, Appended, Checkpoint, LogQuery, NewEvent, NewRejection, Store};
use provisio_testkit::every_backend;

fn event(id: &str, source: &str, ty: &str) -> NewEvent {
    NewEvent {
        id: id.into(),
        source: source.into(),
        event_type: ty.into(),
        body: format!(r#"{{"id":"{id}","source":"{source}","type":"{ty}"}}"#),
        key_id: None,
    }
}

fn batch(events: Vec<NewEvent>) -> AppendBatch {
    AppendBatch { events, ..Default::default() }
}

async fn all(store: &Store) -> Vec<provisio_store::StoredEvent> {
    store.read_log(&LogQuery { after: 0, limit: 10_000, ..Default::default() }).await.unwrap()
}

#[tokio::test]
async fn positions_increase_and_a_resent_id_keeps_its_first_body_and_position() {
    for db in every_backend().await {
        let url = db.url();
        let store = Store::connect(url).await.unwrap();
        let first = store
            .append(&batch(vec![event("a", "urn:ukprn:10000001", "t1"), event("b", "urn:ukprn:10000001", "t2")]))
            .await
            .unwrap();
        let [a, b] = first.appended[..] else { panic!() };
        assert!(!a.duplicate && !b.duplicate && a.position < b.position, "{url}");
        assert_eq!(first.last_written, Some(b.position));

        let mut changed = event("a", "urn:ukprn:10000009", "other");
        changed.body = "{\"changed\":true}".into();
        let again = store.append(&batch(vec![changed, event("c", "urn:lp:hull", "t3")])).await.unwrap();
        assert_eq!(again.appended[0], Appended { position: a.position, duplicate: true }, "{url}");
        assert!(!again.appended[1].duplicate);

        let log = all(&store).await;
        assert_eq!(log.len(), 3, "{url}");
        assert!(log[0].body.contains("\"id\":\"a\""), "the first body is kept: {}", log[0].body);
        store.close().await;
    }
}

#[tokio::test]
async fn an_id_twice_in_one_batch_is_written_once() {
    for db in every_backend().await {
        let url = db.url();
        let store = Store::connect(url).await.unwrap();
        let out =
            store.append(&batch(vec![event("x", "s", "t"), event("y", "s", "t"), event("x", "s", "t")])).await.unwrap();
        assert_eq!(out.appended[2], Appended { position: out.appended[0].position, duplicate: true }, "{url}");
        assert_eq!(all(&store).await.len(), 2);
    }
}

#[tokio::test]
async fn reads_filter_by_source_and_type_and_page_by_position() {
    for db in every_backend().await {
        let url = db.url();
        let store = Store::connect(url).await.unwrap();
        let events = (0..10)
            .map(|i| {
                event(
                    &format!("e{i}"),
                    if i % 2 == 0 { "urn:lp:a" } else { "urn:lp:b" },
                    if i < 5 { "t1" } else { "t2" },
                )
            })
            .collect();
        store.append(&batch(events)).await.unwrap();
        let page = store.read_log(&LogQuery { after: 0, limit: 3, ..Default::default() }).await.unwrap();
        assert_eq!(page.len(), 3);
        let next =
            store.read_log(&LogQuery { after: page[2].position, limit: 100, ..Default::default() }).await.unwrap();
        assert_eq!(next.len(), 7);
        assert!(next[0].position > page[2].position);
        let a_t2 = store
            .read_log(&LogQuery {
                after: 0,
                limit: 100,
                source: Some("urn:lp:a".into()),
                event_type: Some("t2".into()),
            })
            .await
            .unwrap();
        let ids: Vec<String> = a_t2.iter().map(|e| serde_json_id(&e.body)).collect();
        assert_eq!(ids, ["e6", "e8"], "{url}");
        assert_eq!(store.last_position().await.unwrap(), next.last().unwrap().position);
    }
}

fn serde_json_id(body: &str) -> String {
    body.split("\"id\":\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn checkpoints_and_rejections_commit_with_the_batch() {
    for db in every_backend().await {
        let url = db.url();
        let store = Store::connect(url).await.unwrap();
        assert_eq!(store.checkpoint("c1").await.unwrap(), 0);
        let rejection = NewRejection {
            transport: "nats",
            subject: Some("lp.v1.provider.10000001.x".into()),
            stream_sequence: Some(2),
            event_id: None,
            owner: Some("10000001".into()),
            errors: "[]".into(),
            body: "not json".into(),
        };
        let b = AppendBatch {
            events: vec![event("a", "s", "t")],
            rejections: vec![rejection],
            checkpoint: Some(Checkpoint { consumer: "c1".into(), stream_sequence: 2 }),
        };
        store.append(&b).await.unwrap();
        store
            .append(&AppendBatch {
                checkpoint: Some(Checkpoint { consumer: "c1".into(), stream_sequence: 7 }),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(store.checkpoint("c1").await.unwrap(), 7, "{url}");
        // A late batch (from a writer that lost its leadership) is stored, but its checkpoint
        // does not set back the one already there.
        let late = AppendBatch {
            events: vec![event("late", "s", "t")],
            checkpoint: Some(Checkpoint { consumer: "c1".into(), stream_sequence: 5 }),
            ..Default::default()
        };
        assert!(!store.append(&late).await.unwrap().appended[0].duplicate, "{url}");
        assert_eq!(store.checkpoint("c1").await.unwrap(), 7, "{url}: a checkpoint only moves forward");
        let rejected = store.rejections(Some("10000001"), 0, 10).await.unwrap();
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].subject.as_deref(), Some("lp.v1.provider.10000001.x"));
        assert!(store.rejections(Some("10000002"), 0, 10).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_reader_following_positions_never_skips_an_event_under_concurrent_appends() {
    // Two writers append concurrently through separate store handles (as two processes
    // would); a reader follows `position > last seen` and must end up with every event, and
    // each append's `previous` is exactly where the append before it ended (what lets the
    // projector apply a handed-over batch without reading the log).
    let db = provisio_testkit::postgres_database().await;
    let writers: Vec<Store> = vec![Store::connect(&db.url).await.unwrap(), Store::connect(&db.url).await.unwrap()];
    let reader = Store::connect(&db.url).await.unwrap();
    let per_writer = 200;
    let mut tasks = Vec::new();
    for (w, store) in writers.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for i in 0..per_writer {
                let e = event(&format!("w{w}-{i}"), "s", "t");
                let outcome = store.append(&batch(vec![e])).await.unwrap();
                outcomes.push((outcome.previous, outcome.last_written.expect("a new id is written")));
            }
            outcomes
        }));
    }
    let mut seen = Vec::new();
    let mut after = 0;
    while seen.len() < 2 * per_writer {
        let page = reader.read_log(&LogQuery { after, limit: 50, ..Default::default() }).await.unwrap();
        if let Some(last) = page.last() {
            after = last.position;
        }
        seen.extend(page.into_iter().map(|e| e.position));
        if tasks.iter().all(|t| t.is_finished()) && seen.len() < 2 * per_writer {
            // Everything is committed: one more read must find the rest, or an event was skipped.
            let rest = reader.read_log(&LogQuery { after, limit: 10_000, ..Default::default() }).await.unwrap();
            seen.extend(rest.into_iter().map(|e| e.position));
            break;
        }
    }
    let total = all(&reader).await.len();
    assert_eq!(total, 2 * per_writer);
    assert_eq!(seen.len(), total, "the follower skipped an event that committed late");
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.extend(task.await.unwrap());
    }
    outcomes.sort();
    let mut end = 0;
    for (previous, last) in outcomes {
        assert_eq!(previous, end, "an append's previous must be where the one before it ended");
        end = last;
    }
}

/// A commit whose answer is lost (the connection dies after COMMIT) is retried by the
/// recorder with the very same changes: the retry finds them recorded and succeeds, one
/// statement or several (more than 5,000 changes) alike.
#[tokio::test]
async fn recording_the_same_changes_again_succeeds_and_keeps_one_copy() {
    for db in every_backend().await {
        let url = db.url();
        let store = Store::connect(url).await.unwrap();
        for (through, count) in [(3, 3), (7_000, 6_000)] {
            let changes: Vec<provisio_store::StoredChange> = (0..count)
                .map(|i| provisio_store::StoredChange {
                    position: through - i64::from(i) / 2,
                    seq: i % 2,
                    partnership_id: "hull".into(),
                    kind: "gap.changed".into(),
                    body: format!("{{\"n\":{i}}}"),
                })
                .rev()
                .collect();
            store.record_changes(&changes, through).await.unwrap();
            store.record_changes(&changes, through).await.expect("the retry of a recorded batch succeeds");
            assert_eq!(store.checkpoint(provisio_store::PROJECTOR_CHECKPOINT).await.unwrap(), through as u64, "{url}");
        }
        store.record_changes(&[], 3).await.unwrap();
        assert_eq!(store.checkpoint(provisio_store::PROJECTOR_CHECKPOINT).await.unwrap(), 7_000, "{url}: forward only");
        let recorded = store.read_changes("hull", (0, -1), 100_000).await.unwrap();
        assert_eq!(recorded.len(), 3 + 6_000, "{url}: each change once");
        store.close().await;
    }
}

#[tokio::test]
async fn an_instant_resolves_to_the_last_position_recorded_at_or_before_it() {
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    for db in every_backend().await {
        let url = db.url();
        let store = Store::connect(url).await.unwrap();
        assert_eq!(store.position_at(OffsetDateTime::now_utc()).await.unwrap(), 0, "an empty log");
        let mut batches = Vec::new();
        for b in 0..4 {
            let events = (0..3).map(|i| event(&format!("b{b}-{i}"), "urn:ukprn:10000001", "t")).collect();
            batches.push(store.append(&batch(events)).await.unwrap().last_written.unwrap());
            tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        }
        let log = all(&store).await;
        let recorded = |p: i64| {
            let e = log.iter().find(|e| e.position == p).unwrap();
            OffsetDateTime::parse(&e.recorded_at, &Rfc3339).unwrap()
        };
        for &last in &batches {
            assert_eq!(store.position_at(recorded(last)).await.unwrap(), last, "{url}");
        }
        let first = recorded(batches[0]);
        assert_eq!(store.position_at(first - time::Duration::milliseconds(1)).await.unwrap(), 0);
        let between = recorded(batches[1]) + time::Duration::microseconds(1);
        assert_eq!(store.position_at(between).await.unwrap(), batches[1], "{url}");
        assert_eq!(store.position_at(OffsetDateTime::now_utc()).await.unwrap(), batches[3]);
        store.close().await;
    }
}

#[tokio::test]
async fn recorded_at_never_goes_back_when_the_clock_does() {
    for db in every_backend().await {
        let url = db.url();
        let store = Store::connect(url).await.unwrap();
        store.append(&batch(vec![event("early", "urn:ukprn:10000001", "t")])).await.unwrap();
        // The clock stepped back: the last entry seems to come from an hour ahead of it.
        let ahead = "2999-01-01T10:00:00.123456Z";
        let moved = "update events set recorded_at = $1 where id = 'early'";
        if url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query(moved).bind(ahead).execute(&pool).await.unwrap();
            pool.close().await;
        } else {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            sqlx::query(moved).bind(ahead).execute(&pool).await.unwrap();
            pool.close().await;
        }
        store.append(&batch(vec![event("late", "urn:ukprn:10000001", "t")])).await.unwrap();
        let log = all(&store).await;
        assert_eq!(log[1].recorded_at, ahead, "{url}: the later entry is not recorded before the earlier one");
        store.close().await;
    }
}

/// Images come back byte for byte (PostgreSQL's are sent in pieces of 1 MiB: this one is three),
/// a second image at the same position leaves the first, only the newest `keep` stay, and
/// PostgreSQL stores them as they are: compressing a big image cost seconds of the database's
/// CPU per write and part of every start-up's read.
#[tokio::test]
async fn engine_images_come_back_as_written_and_postgres_keeps_them_uncompressed() {
    use sqlx::Connection;
    let image: Vec<u8> = (0..2_500_000u32).map(|i| (i % 7) as u8).collect();
    let zero = std::time::Duration::ZERO;
    for db in every_backend().await {
        let url = db.url();
        let store = Store::connect(url).await.unwrap();
        store.put_engine_image(42, &image, 2, zero).await.unwrap();
        assert_eq!(store.engine_image(42).await.unwrap().as_deref(), Some(image.as_slice()), "{url}");
        store.put_engine_image(42, b"another", 2, zero).await.unwrap();
        assert_eq!(store.engine_image(42).await.unwrap().as_deref(), Some(image.as_slice()), "{url}: the first stays");
        store.put_engine_image(43, b"newer", 2, zero).await.unwrap();
        store.put_engine_image(44, b"newest", 2, zero).await.unwrap();
        assert_eq!(store.engine_image_positions(100).await.unwrap(), [44, 43], "{url}");
        assert_eq!(store.engine_image(44).await.unwrap().as_deref(), Some(&b"newest"[..]), "{url}");
        store.put_engine_image(45, &image, 2, zero).await.unwrap();
        assert_eq!(store.engine_image(45).await.unwrap().as_deref(), Some(image.as_slice()), "{url}");
        if let provisio_testkit::TestDatabase::Postgres(_) = db {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            let stored: i32 = sqlx::query_scalar("select pg_column_size(image) from engine_images where position = 45")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert_eq!(stored as usize, image.len(), "stored uncompressed (this image compresses well)");
        }
        store.close().await;
    }
}
