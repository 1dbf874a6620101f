//! What-if (CONTRACT section 10): the state the reports would reach if draft events were
//! applied after the current one, on a clone that shares everything the drafts do not touch
//! (copy-on-write), so the current state and every snapshot of it stay as they are.

use crate::Engine;
use crate::diff::Changes;
use provisio_events::Event;

impl Engine {
    /// The changes of partnership `id`'s reports if `drafts` were applied now, in order, after
    /// the last applied position; `self` is left untouched and the clone is dropped.
    pub fn what_if<'a>(&self, id: &str, drafts: impl IntoIterator<Item = &'a Event>) -> Changes {
        let mut imagined = self.clone();
        for (n, draft) in (1..).zip(drafts) {
            imagined.apply_reports(self.position + n, draft);
        }
        Changes::between(id, (self.position, self), (None, &imagined))
    }
}
