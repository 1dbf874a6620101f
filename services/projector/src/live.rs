//! What live subscribers receive: a batch of report changes, and each partnership's share of
//! it as Server-Sent Events, encoded once for every client that follows that partnership.
//!
//! Encoded per client, 200 clients made 200 copies of every change (the readers' memory swung
//! by gigabytes in the soak of issue 18, and most of their CPU went there); encoded once, a
//! client's backlog is reference counts on shared bytes.

use bytes::Bytes;
use provisio_store::StoredChange;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// One change as pushed to dashboards: the JSON change object and where it belongs.
#[derive(Debug, Clone)]
pub struct LiveChange {
    pub position: i64,
    pub partnership_id: String,
    pub kind: String,
    pub body: Arc<str>,
}

impl From<&StoredChange> for LiveChange {
    fn from(c: &StoredChange) -> Self {
        Self {
            position: c.position,
            partnership_id: c.partnership_id.clone(),
            kind: c.kind.clone(),
            body: c.body.as_str().into(),
        }
    }
}

impl LiveChange {
    /// Appends this change as one Server-Sent Event: its kind, its position as the id (what
    /// a client resumes from with `Last-Event-ID`), and its body as data.
    pub fn write_sse(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(self.kind.as_bytes());
        out.extend_from_slice(b"\nid: ");
        out.extend_from_slice(self.position.to_string().as_bytes());
        out.push(b'\n');
        // A body is compact JSON, one line; a line break would end the event, so each line
        // is a data field of its own (the client joins them again).
        for line in self.body.split('\n') {
            out.extend_from_slice(b"data: ");
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
    }
}

/// The changes of whole positions, as one applied batch made them.
#[derive(Debug, Default)]
pub struct LiveBatch {
    pub changes: Vec<LiveChange>,
    sse: OnceLock<HashMap<String, Bytes>>,
}

impl LiveBatch {
    pub fn new(changes: Vec<LiveChange>) -> Self {
        Self { changes, sse: OnceLock::new() }
    }

    /// Partnership `id`'s changes after position `after` as Server-Sent Events, in order;
    /// `None` when it has none. When every change of the batch is after `after` (all but a
    /// client's first batch), the events are encoded once and shared by every client.
    pub fn sse_after(&self, id: &str, after: i64) -> Option<Bytes> {
        if self.changes.first().is_none_or(|c| c.position > after) {
            return self.shared_sse(id);
        }
        let mut events = Vec::new();
        for c in self.changes.iter().filter(|c| c.position > after && c.partnership_id == id) {
            c.write_sse(&mut events);
        }
        (!events.is_empty()).then(|| Bytes::from(events))
    }

    fn shared_sse(&self, id: &str) -> Option<Bytes> {
        let by_partnership = self.sse.get_or_init(|| {
            let mut encoded: HashMap<&str, Vec<u8>> = HashMap::new();
            for c in &self.changes {
                c.write_sse(encoded.entry(&c.partnership_id).or_default());
            }
            encoded.into_iter().map(|(id, bytes)| (id.to_owned(), Bytes::from(bytes))).collect()
        });
        by_partnership.get(id).cloned()
    }

    /// The batch's last position, if it has a change.
    pub fn last_position(&self) -> Option<i64> {
        self.changes.last().map(|c| c.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(position: i64, partnership: &str, body: &str) -> LiveChange {
        LiveChange { position, partnership_id: partnership.into(), kind: "gap.changed".into(), body: body.into() }
    }

    #[test]
    fn each_partnership_gets_its_own_changes_as_events_in_order() {
        let batch = LiveBatch::new(vec![change(7, "p1", "{\"a\":1}"), change(7, "p2", "{}"), change(8, "p1", "x\ny")]);
        let p1 = batch.sse_after("p1", 0).unwrap();
        assert_eq!(
            std::str::from_utf8(&p1).unwrap(),
            "event: gap.changed\nid: 7\ndata: {\"a\":1}\n\nevent: gap.changed\nid: 8\ndata: x\ndata: y\n\n"
        );
        assert_eq!(&batch.sse_after("p2", 6).unwrap()[..], b"event: gap.changed\nid: 7\ndata: {}\n\n");
        assert_eq!(batch.sse_after("p3", 0), None);
        assert_eq!(batch.last_position(), Some(8));
        assert!(p1.as_ptr() == batch.sse_after("p1", 6).unwrap().as_ptr(), "encoded once, shared");
    }

    #[test]
    fn a_client_further_on_than_the_batch_starts_gets_only_the_later_changes() {
        let batch = LiveBatch::new(vec![change(7, "p1", "{}"), change(8, "p2", "{}"), change(9, "p1", "{}")]);
        assert_eq!(&batch.sse_after("p1", 7).unwrap()[..], b"event: gap.changed\nid: 9\ndata: {}\n\n");
        assert_eq!(&batch.sse_after("p1", 8).unwrap()[..], b"event: gap.changed\nid: 9\ndata: {}\n\n");
        assert_eq!(batch.sse_after("p2", 8), None);
        assert_eq!(batch.sse_after("p1", 9), None);
    }
}
