//! The engine as of an earlier position, for reads of the past (as-of reports, changes,
//! history; ADR 0008): the nearest state at or below it (a past engine kept from an earlier
//! request, or a stored image) with the log applied after it.
//!
//! A few past engines are kept by position, and identical requests share one replay: the
//! planners of a meeting asking "as of the last meeting" all at once cost one replay, and
//! then none.

use crate::Projection;
use crate::images::newest_image;
use crate::read_ahead::{ParsedEvents, apply_parsed, page_or_panic, read_ahead};
use provisio_engine::Engine;
use provisio_store::{StoreError, StoredEvent};
use std::sync::{Arc, Mutex};
use tokio::sync::{OnceCell, Semaphore, SemaphorePermit};

/// Past engines kept (each shares most of its state with its neighbours: copy-on-write).
const KEPT: usize = 8;

/// Replays running at once. Each costs a core for as long as its stretch of the log takes to
/// apply, so past that many, reads of the past wait their turn and the live path keeps its CPU.
static REPLAYS: Semaphore = Semaphore::const_new(2);

/// Waits for a turn to replay the log (as-of reads, changes, history).
pub async fn replay_turn() -> SemaphorePermit<'static> {
    // The semaphore is never closed.
    REPLAYS.acquire().await.unwrap_or_else(|_| unreachable!("the replay semaphore is never closed"))
}

type Slot = Arc<OnceCell<Arc<Engine>>>;

/// Past engines by position, least recently used first out.
#[derive(Default)]
pub(crate) struct PastEngines {
    slots: Mutex<Vec<(u64, Slot)>>,
}

impl PastEngines {
    /// The slot of position `n`, made (and the least recently used one dropped) if missing;
    /// the slot moves to the end, the most recently used.
    fn slot(&self, n: u64) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let slot = match slots.iter().position(|(p, _)| *p == n) {
            Some(i) => slots.remove(i).1,
            None => Slot::default(),
        };
        if slots.len() >= KEPT {
            slots.remove(0);
        }
        slots.push((n, slot.clone()));
        slot
    }

    /// The latest ready engine strictly below `n`.
    fn nearest_below(&self, n: u64) -> Option<(u64, Arc<Engine>)> {
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let ready = slots.iter().filter(|(p, _)| *p < n).filter_map(|(p, s)| s.get().map(|e| (*p, e.clone())));
        ready.max_by_key(|(p, _)| *p)
    }
}

impl Projection {
    /// The engine after position `n` was applied (`n` at most the applied position): kept
    /// from an earlier request, or the nearest past engine or stored image below it with the
    /// log after it applied. Concurrent requests for the same `n` share one replay.
    pub async fn engine_at(&self, n: u64) -> Result<Arc<Engine>, StoreError> {
        let slot = self.inner.past.slot(n);
        slot.get_or_try_init(|| self.replay_to(n)).await.cloned()
    }

    async fn replay_to(&self, n: u64) -> Result<Arc<Engine>, StoreError> {
        let _turn = replay_turn().await;
        let store = &self.inner.store;
        let through = i64::try_from(n).unwrap_or(i64::MAX);
        let (mut position, mut start) = self.inner.past.nearest_below(n).unwrap_or_default();
        let newer_image = store.engine_image_positions(through).await?.first().is_some_and(|&p| p as u64 > position);
        if newer_image && let Some((engine, at, _)) = newest_image(store, through).await? {
            (position, start) = (at as u64, Arc::new(engine));
            if position == n {
                return Ok(start);
            }
        }
        let mut engine = (*start).clone();
        let (mut pages, _reader) = read_ahead(store.clone(), position as i64, through, parse_quietly);
        while let Some(page) = pages.recv().await {
            let page = page_or_panic(page)?;
            // Applying is the costly part: off the async workers.
            engine = tokio::task::spawn_blocking(move || {
                apply_parsed(&mut engine, &page.events);
                engine
            })
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        }
        Ok(Arc::new(engine))
    }
}

/// Parses stored events; one that no longer validates is skipped as the projector skips it
/// (which logged it already).
fn parse_quietly(page: &[StoredEvent]) -> ParsedEvents {
    page.iter().map(|stored| (stored.position, stored.parse())).collect()
}

#[cfg(test)]
mod tests {
    use crate::Projection;
    use crate::recorder::tests::append_examples;
    use provisio_engine::Engine;
    use provisio_store::Store;
    use std::sync::Arc;

    /// A meeting's planners asking for the same moment at once cost one replay, kept for the
    /// next; a later moment replays on from it; both equal a replay from the start.
    #[tokio::test]
    async fn identical_reads_of_the_past_share_one_replay_and_the_next_reuses_it() {
        let file = provisio_testkit::sqlite_file();
        let store = Store::connect(&file.url).await.unwrap();
        let events = append_examples(&store).await;
        let replayed = |through: u64| {
            let mut engine = Engine::new();
            events.iter().filter(|(p, _)| *p <= through).for_each(|(p, e)| _ = engine.apply(*p, e));
            engine
        };
        let projection = Projection::new(store.clone());
        let n = events[events.len() / 2].0;
        let mut asks = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let projection = projection.clone();
            asks.spawn(async move { projection.engine_at(n).await.unwrap() });
        }
        let engines = asks.join_all().await;
        assert_eq!(*engines[0], replayed(n));
        assert!(engines.iter().all(|e| Arc::ptr_eq(e, &engines[0])), "one replay, shared by all");
        assert!(Arc::ptr_eq(&projection.engine_at(n).await.unwrap(), &engines[0]), "kept for the next");
        let last = events.last().unwrap().0;
        assert_eq!(*projection.engine_at(last).await.unwrap(), replayed(last));
        store.close().await;
    }
}
