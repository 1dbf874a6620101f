//! Recording the report changes with the projector's checkpoint, behind the follower.

use crate::Projection;
use provisio_engine::Change;
use provisio_store::StoredChange;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Records the follower's changes in log order with the projector's checkpoint, everything
/// queued so far in one transaction (one commit for many small batches), and tells
/// `wait_recorded` how far it got. A failure is retried, since the engine is already ahead of
/// what is recorded, until shutdown; then the next start replays and records what is missing.
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
        while let Err(error) = inner.store.record_changes(&changes, through).await {
            tracing::warn!(message = "Failed to record report changes; retrying.", %error);
            if shutdown.is_cancelled() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        inner.recorded.send_if_modified(|r| std::mem::replace(r, (*r).max(through as u64)) < through as u64);
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
mod tests {
    use super::*;
    use provisio_store::{PROJECTOR_CHECKPOINT, Store};

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
}
