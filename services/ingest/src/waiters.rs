//! HTTP requests waiting for their events to become durable when ingestion goes through
//! JetStream: the consumer resolves them by event id after each commit.

use provisio_store::Appended;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::oneshot;

#[derive(Default)]
pub(crate) struct Waiters {
    by_id: Mutex<HashMap<String, Vec<oneshot::Sender<Appended>>>>,
}

impl Waiters {
    pub(crate) fn register(&self, id: &str) -> oneshot::Receiver<Appended> {
        let (tx, rx) = oneshot::channel();
        self.lock().entry(id.to_owned()).or_default().push(tx);
        rx
    }

    /// Answers everyone waiting for `id`.
    pub(crate) fn resolve(&self, id: &str, appended: Appended) {
        if let Some(senders) = self.lock().remove(id) {
            for tx in senders {
                // A waiter that gave up has dropped its receiver; nothing to tell it.
                let _ = tx.send(appended);
            }
        }
    }

    /// Drops the entries of waiters that gave up, so a consumer outage cannot grow the map.
    pub(crate) fn forget_abandoned(&self, id: &str) {
        let mut map = self.lock();
        if let Some(senders) = map.get_mut(id) {
            senders.retain(|tx| !tx.is_closed());
            if senders.is_empty() {
                map.remove(id);
            }
        }
    }

    /// Tells everyone waiting that their events are not coming (the consumer failed, say the
    /// database is away): they answer at once, to be sent again, instead of waiting it out.
    pub(crate) fn fail_all(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<oneshot::Sender<Appended>>>> {
        // A panic while holding this lock cannot leave the map inconsistent; keep serving.
        self.by_id.lock().unwrap_or_else(|e| e.into_inner())
    }
}
