//! What-if (CONTRACT section 10): the state the reports would reach if draft events were
//! applied after the current one, on a clone that shares everything the drafts do not touch
//! (copy-on-write), so the current state and every snapshot of it stay as they are.

use crate::Engine;
use crate::diff::{Changes, Reports};
use provisio_events::Event;

impl Engine {
    /// The changes of partnership `id`'s reports if `drafts` were applied now, in order, after
    /// the last applied position; `self` is left untouched and the clone is dropped.
    pub fn what_if<'a>(&self, id: &str, drafts: impl IntoIterator<Item = &'a Event>) -> Changes {
        self.what_if_from(id, &Reports::of(self, id), drafts)
    }

    /// [`Engine::what_if`] with the current rows already read (`now`); without drafts nothing
    /// is cloned nor read again.
    pub(crate) fn what_if_from<'a>(
        &self,
        id: &str,
        now: &Reports,
        drafts: impl IntoIterator<Item = &'a Event>,
    ) -> Changes {
        let mut drafts = drafts.into_iter().peekable();
        if drafts.peek().is_none() {
            return Changes::from_reports(self.position, now, None, now);
        }
        let mut imagined = self.clone();
        for (n, draft) in (1..).zip(drafts) {
            imagined.apply_reports(self.position + n, draft);
        }
        Changes::from_reports(self.position, now, None, &Reports::of(&imagined, id))
    }
}
