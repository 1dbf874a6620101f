//! Report answers kept as bytes for the snapshot they were computed from. A snapshot never
//! changes, so an answer stays right until the projection publishes a newer one; planners'
//! dashboards ask the same few reports over and over, and serialising a report costs far
//! more than handing out its bytes (measured by services/bench).

use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most answers kept for one snapshot; when full, the cache starts again.
const MAX_ENTRIES: usize = 1_024;

#[derive(Default)]
pub struct ReportCache {
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    /// The snapshot position the entries belong to.
    position: u64,
    answers: HashMap<String, Bytes>,
}

impl ReportCache {
    /// The answer for `key` at snapshot `position`, computed by `compute` when it is not kept.
    pub(crate) fn get_or_compute<E>(
        &self,
        position: u64,
        key: String,
        compute: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Bytes, E> {
        if let Some(hit) = self.lock().lookup(position, &key) {
            return Ok(hit);
        }
        // Computed without the lock: concurrent misses may compute the same answer twice,
        // which is cheaper than making every reader wait for one.
        let answer = compute()?;
        let mut entries = self.lock();
        if entries.position == position {
            if entries.answers.len() >= MAX_ENTRIES {
                entries.answers.clear();
            }
            entries.answers.insert(key, answer.clone());
        }
        Ok(answer)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Entries {
    /// Forgets older snapshots' answers, and never lets an older snapshot replace newer ones.
    fn lookup(&mut self, position: u64, key: &str) -> Option<Bytes> {
        if position > self.position {
            self.position = position;
            self.answers.clear();
        }
        (position == self.position).then(|| self.answers.get(key).cloned()).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(text: &'static str) -> Result<Bytes, ()> {
        Ok(Bytes::from_static(text.as_bytes()))
    }

    #[test]
    fn an_answer_is_reused_for_its_snapshot_only() {
        let cache = ReportCache::default();
        assert_eq!(cache.get_or_compute(1, "gaps".into(), || answer("one")).unwrap(), "one");
        assert_eq!(cache.get_or_compute(1, "gaps".into(), || answer("again")).unwrap(), "one");
        assert_eq!(cache.get_or_compute(2, "gaps".into(), || answer("two")).unwrap(), "two");
    }

    #[test]
    fn an_older_snapshot_neither_hits_nor_evicts_a_newer_one() {
        let cache = ReportCache::default();
        cache.get_or_compute(5, "gaps".into(), || answer("five")).unwrap();
        assert_eq!(cache.get_or_compute(4, "gaps".into(), || answer("four")).unwrap(), "four");
        assert_eq!(cache.get_or_compute(5, "gaps".into(), || answer("other")).unwrap(), "five");
    }

    #[test]
    fn errors_are_not_kept() {
        let cache = ReportCache::default();
        assert!(cache.get_or_compute(1, "gaps".into(), || Err::<Bytes, _>("no")).is_err());
        assert_eq!(cache.get_or_compute(1, "gaps".into(), || answer("yes")).unwrap(), "yes");
    }
}
