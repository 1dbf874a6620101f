//! Recording the report changes with the projector's checkpoint, behind the follower.

use crate::Projection;
use provisio_engine::Change;
use provisio_store::{PROJECTOR_CHECKPOINT, StoredChange};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Records the follower's changes in log order with the projector's checkpoint, everything
/// queued so far in one transaction (one commit for many small batches), and tells
/// `wait_recorded` how far it got. A failure is retried, since the engine is already ahead of
/// what is recorded, until shutdown (then the next start replays and records what is
/// missing); meanwhile `recorder_is_failing` says so, for readiness and the metrics.
pub(crate) async fn record_queued(
    projection: Projection,
    mut queue: mpsc::Receiver<(i64, Vec<StoredChange>)>,
    shutdown: CancellationToken,
) {
    let inner = &projection.inner;
    while let Some((mut through, mut changes)) = queue.recv().await {
        while let Ok((next, more)) = queue.try_recv() {
            through = next;
            changes.extend(more);
        }
        // Recording is idempotent, so a retry after a commit whose answer was lost succeeds.
        while let Err(error) = inner.store.record_changes(&changes, through).await {
            inner.recorder_failing.store(true, Ordering::Relaxed);
            tracing::warn!(message = "Failed to record report changes; retrying.", %error, through);
            if shutdown.is_cancelled() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        inner.recorder_failing.store(false, Ordering::Relaxed);
        inner.recorded.send_if_modified(|r| std::mem::replace(r, (*r).max(through as u64)) < through as u64);
    }
}

/// How often a reader looks at the writer's record while it waits for it.
const WRITERS_RECORD_POLL: Duration = Duration::from_millis(20);

/// A reader's stand-in for the recorder (ADR 0013): the writer records the same changes (the
/// same positions make the same changes), so this records nothing and only waits until the
/// writer's checkpoint reaches what the follower applied; `wait_recorded` (SSE history, which
/// reads the record) then never runs ahead of the record.
pub(crate) async fn await_writers_record(
    projection: Projection,
    mut queue: mpsc::Receiver<(i64, Vec<StoredChange>)>,
    shutdown: CancellationToken,
) {
    let inner = &projection.inner;
    while let Some((mut through, _)) = queue.recv().await {
        while let Ok((next, _)) = queue.try_recv() {
            through = next;
        }
        loop {
            match inner.store.checkpoint(PROJECTOR_CHECKPOINT).await {
                Ok(recorded) => {
                    inner.recorded.send_if_modified(|r| std::mem::replace(r, (*r).max(recorded)) < recorded);
                    if recorded >= through as u64 {
                        break;
                    }
                }
                Err(error) => tracing::warn!(message = "Failed to read the writer's record; retrying.", %error),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(WRITERS_RECORD_POLL) => {}
            }
        }
    }
}

/// The changes as stored, numbered from 0 within each position.
pub(crate) fn to_stored(changes: &[Change]) -> Vec<StoredChange> {
    let mut seq = 0;
    changes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            seq = if i > 0 && changes[i - 1].position == c.position { seq + 1 } else { 0 };
            StoredChange {
                position: c.position as i64,
                seq,
                partnership_id: c.partnership_id.to_string(),
                kind: c.kind.as_str().to_owned(),
                body: serde_json::to_string(c).unwrap_or_default(),
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use provisio_store::Store;

    fn change(position: i64, seq: i32) -> StoredChange {
        StoredChange { position, seq, partnership_id: "p".into(), kind: "gap.changed".into(), body: "{}".into() }
    }

    /// Shutdown closes the queue while changes already pushed live may wait in it: they are
    /// still recorded, with the checkpoint, before the recorder stops.
    #[tokio::test]
    async fn the_recorder_records_what_is_queued_when_the_queue_closes_at_shutdown() {
        let file = provisio_testkit::sqlite_file();
        let store = Store::connect(&file.url).await.unwrap();
        let projection = Projection::new(store.clone());
        let (to_record, queue) = mpsc::channel(8);
        to_record.send((1, vec![change(1, 0)])).await.unwrap();
        to_record.send((3, vec![change(2, 0), change(2, 1), change(3, 0)])).await.unwrap();
        drop(to_record);
        let shutdown = CancellationToken::new();
        shutdown.cancel();

        record_queued(projection.clone(), queue, shutdown).await;

        assert!(projection.wait_recorded(3, Duration::ZERO).await);
        let recorded = store.read_changes("p", (0, -1), 10).await.unwrap();
        let keys: Vec<(i64, i32)> = recorded.iter().map(|c| (c.position, c.seq)).collect();
        assert_eq!(keys, [(1, 0), (2, 0), (2, 1), (3, 0)]);
        assert_eq!(store.checkpoint(PROJECTOR_CHECKPOINT).await.unwrap(), 3);
        store.close().await;
    }

    /// The example events, the need early so that the first half already makes changes,
    /// appended to the log; answers them by position, parsed.
    pub(crate) async fn append_examples(store: &Store) -> Vec<(u64, provisio_events::Event)> {
        use provisio_events::EventType;
        let mut types = EventType::ALL.to_vec();
        types.retain(|t| *t != EventType::NeedIdentified);
        types.insert(1, EventType::NeedIdentified);
        let mut events = Vec::new();
        for (i, t) in types.into_iter().enumerate() {
            let mut json = provisio_events::example::example_json(t);
            json["id"] = format!("e{i}").into();
            let new = provisio_store::NewEvent {
                id: format!("e{i}"),
                source: json["source"].as_str().unwrap().into(),
                event_type: t.as_str().into(),
                body: json.to_string(),
                key_id: None,
            };
            let batch = provisio_store::AppendBatch { events: vec![new], ..Default::default() };
            let position = store.append(&batch).await.unwrap().appended[0].position;
            events.push((position as u64, provisio_events::validate_stored(&json).unwrap()));
        }
        events
    }

    /// A commit whose answer the recorder never got (the connection died after COMMIT) is
    /// retried with the same changes: the recorder finds them recorded and moves on, and the
    /// record then equals a rebuild from the log.
    #[tokio::test]
    async fn after_a_commit_whose_answer_was_lost_the_recorder_moves_on_and_matches_a_rebuild() {
        let database = provisio_testkit::postgres_database().await;
        let store = Store::connect(&database.url).await.unwrap();
        let events = append_examples(&store).await;
        let mut engine = provisio_engine::Engine::new();
        let mut halves = events.chunks(events.len() / 2).map(|half| {
            let changes: Vec<Change> = half.iter().flat_map(|(p, e)| engine.apply(*p, e)).collect();
            (half.last().unwrap().0 as i64, to_stored(&changes))
        });
        let (first, second) = (halves.next().unwrap(), halves.next().unwrap());
        assert!(!first.1.is_empty(), "the first half makes changes, so a retry meets them");
        // The commit whose answer was lost: the changes are there, the recorder does not know.
        store.record_changes(&first.1, first.0).await.unwrap();
        let projection = Projection::new(store.clone());
        let (to_record, queue) = mpsc::channel(8);
        to_record.send(first.clone()).await.unwrap();
        to_record.send(second.clone()).await.unwrap();
        drop(to_record);

        let recording = record_queued(projection.clone(), queue, CancellationToken::new());
        tokio::time::timeout(Duration::from_secs(10), recording).await.expect("the recorder moves on");

        assert!(!projection.recorder_is_failing());
        assert_eq!(projection.recorded_position(), second.0 as u64);
        let recorded = store.read_changes("sunderland", (0, -1), 1_000).await.unwrap();
        assert_eq!(recorded.len(), first.1.len() + second.1.len(), "each change once");
        projection.rebuild(|_, _| {}).await.unwrap();
        assert_eq!(store.read_changes("sunderland", (0, -1), 1_000).await.unwrap(), recorded, "equal to a rebuild");
        store.close().await;
    }
}
