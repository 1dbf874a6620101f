//! The projection: follows the log after each commit, applies every stored event to the
//! planning engine, records the report changes with its checkpoint in one transaction, then
//! pushes them to dashboards (in-process for SSE, and core NATS `lp.live.<id>.<kind>`).
//!
//! Readers never wait for the projector: they take an `Arc` snapshot of the engine, swapped
//! in after each applied batch, so a report is always consistent with one position.

use provisio_engine::{Change, Engine};
use provisio_events::validate;
use provisio_store::{LogQuery, Store, StoredChange, StoredEvent, PROJECTOR_CHECKPOINT};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

/// Events read from the log per step.
const PAGE: i64 = 1_000;

/// While the projector is behind the log, a new snapshot at most this often: each snapshot
/// makes the next writes copy the engine's shared shards (copy-on-write), which cost more
/// than applying the events when batches are small (measured by services/bench).
const SNAPSHOT_WHILE_BEHIND: Duration = Duration::from_millis(50);

/// One change as pushed to dashboards: the JSON change object and where it belongs.
#[derive(Debug, Clone)]
pub struct LiveChange {
    pub position: i64,
    pub partnership_id: String,
    pub kind: String,
    pub body: Arc<str>,
}

impl From<StoredChange> for LiveChange {
    fn from(c: StoredChange) -> Self {
        Self { position: c.position, partnership_id: c.partnership_id, kind: c.kind, body: c.body.into() }
    }
}

/// The engine as of one applied position.
#[derive(Clone)]
pub struct Snapshot {
    pub engine: Arc<Engine>,
    /// The last log position applied to it.
    pub position: u64,
}

struct Inner {
    snapshot: RwLock<Snapshot>,
    position: watch::Sender<u64>,
    live: broadcast::Sender<Arc<Vec<LiveChange>>>,
    ready: AtomicBool,
    /// The last position whose changes are recorded; ahead of the snapshot while behind.
    recorded: AtomicU64,
    store: Store,
}

/// A handle on the projection; cheap to clone.
#[derive(Clone)]
pub struct Projection {
    inner: Arc<Inner>,
}

impl Projection {
    pub fn new(store: Store) -> Self {
        let (position, _) = watch::channel(0);
        let (live, _) = broadcast::channel(1_024);
        Self {
            inner: Arc::new(Inner { snapshot: RwLock::new(Snapshot { engine: Arc::new(Engine::new()), position: 0 }), position, live, ready: AtomicBool::new(false), recorded: AtomicU64::new(0), store }),
        }
    }

    /// The engine as of the last applied batch.
    pub fn snapshot(&self) -> Snapshot {
        self.inner.snapshot.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until position `n` is applied, at most `timeout`; false when it was not.
    pub async fn wait_for(&self, n: u64, timeout: Duration) -> bool {
        let mut rx = self.inner.position.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|p| *p >= n)).await.is_ok_and(|r| r.is_ok())
    }

    /// Live changes from now on, in batches of whole positions.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Vec<LiveChange>>> {
        self.inner.live.subscribe()
    }

    /// The last position whose changes are recorded, hence sent to live subscribers from
    /// now on; the snapshot may lag it by up to `SNAPSHOT_WHILE_BEHIND` while behind.
    pub fn position(&self) -> u64 {
        self.inner.recorded.load(Ordering::Acquire).max(*self.inner.position.borrow())
    }

    /// True once the engine has caught up with the read model recorded before start.
    pub fn is_ready(&self) -> bool {
        self.inner.ready.load(Ordering::Relaxed)
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    fn publish_snapshot(&self, engine: &Engine, through: i64) {
        let snapshot = Snapshot { engine: Arc::new(engine.clone()), position: through as u64 };
        *self.inner.snapshot.write().unwrap_or_else(|e| e.into_inner()) = snapshot;
        self.inner.position.send_replace(through as u64);
    }

    /// Runs until `shutdown`: first replays the log up to the recorded checkpoint (its changes
    /// are already recorded), then follows `committed`, recording and pushing new changes.
    pub async fn run(self, mut committed: watch::Receiver<i64>, nats: Option<async_nats::Client>, shutdown: CancellationToken) {
        let mut engine = Engine::new();
        // The last log position applied: ahead of `engine.position()` when events were skipped.
        let mut projected = match self.replay(&mut engine).await {
            Ok(through) => {
                self.inner.ready.store(true, Ordering::Relaxed);
                through
            }
            Err(error) => {
                tracing::error!(message = "Failed to replay the log; the projection stays empty.", %error);
                return;
            }
        };
        let mut last_snapshot = Instant::now();
        loop {
            if *committed.borrow_and_update() <= projected {
                let polled = tokio::select! {
                    _ = shutdown.cancelled() => break,
                    changed = committed.changed() => if changed.is_err() { break } else { false },
                    // Another process may append to the same log (`provisio import` into the
                    // database, a second instance): look at the log itself now and then.
                    _ = tokio::time::sleep(Duration::from_secs(1)) => true,
                };
                let appended_elsewhere = polled && self.inner.store.last_position().await.is_ok_and(|last| last > projected);
                if !appended_elsewhere {
                    continue;
                }
            }
            let (through, stored) = match self.step(&mut engine, projected).await {
                Ok(Some(step)) => step,
                Ok(None) => continue,
                Err(error) => {
                    tracing::warn!(message = "Failed to read the log; retrying.", %error);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            // The in-memory engine is ahead until this commits: retry rather than diverge.
            while let Err(error) = self.inner.store.record_changes(&stored, through).await {
                tracing::warn!(message = "Failed to record report changes; retrying.", %error);
                if shutdown.is_cancelled() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            projected = through;
            self.inner.recorded.fetch_max(through as u64, Ordering::AcqRel);
            // Caught up: readers see this batch at once. Behind: they see one soon, and
            // `min_position` waits for it.
            if *committed.borrow() <= through || last_snapshot.elapsed() >= SNAPSHOT_WHILE_BEHIND {
                self.publish_snapshot(&engine, through);
                last_snapshot = Instant::now();
            }
            let live: Vec<LiveChange> = stored.into_iter().map(LiveChange::from).collect();
            if let Some(client) = &nats {
                for c in &live {
                    let subject = format!("lp.live.{}.{}", c.partnership_id, c.kind);
                    if let Err(error) = client.publish(subject, c.body.as_bytes().to_vec().into()).await {
                        tracing::warn!(message = "Failed to publish a live change.", %error);
                    }
                }
            }
            if !live.is_empty() {
                // No subscriber is fine: nobody is watching.
                let _ = self.inner.live.send(Arc::new(live));
            }
        }
        tracing::info!(message = "Projector stopped.", position = projected);
    }

    /// Applies the next page of the log after `after`; answers the last position read and the
    /// changes made, or `None` when there was nothing to read.
    async fn step(&self, engine: &mut Engine, after: i64) -> Result<Option<(i64, Vec<StoredChange>)>, provisio_store::StoreError> {
        let page = self.inner.store.read_log(&LogQuery { after, limit: PAGE, ..Default::default() }).await?;
        let Some(through) = page.last().map(|e| e.position) else { return Ok(None) };
        Ok(Some((through, to_stored(&apply_page(engine, &page)))))
    }

    /// Forgets the read model and builds it again from the whole log, calling `progress` with
    /// (events applied, events in the log) after each page. Run it with the service stopped.
    pub async fn rebuild(&self, mut progress: impl FnMut(i64, i64)) -> Result<i64, provisio_store::StoreError> {
        let store = &self.inner.store;
        let total = store.last_position().await?;
        store.reset_projection().await?;
        let mut engine = Engine::new();
        let mut through = 0;
        while let Some((last, changes)) = self.step(&mut engine, through).await? {
            store.record_changes(&changes, last).await?;
            through = last;
            progress(through, total);
        }
        self.publish_snapshot(&engine, through);
        Ok(through)
    }

    /// Applies the log up to the recorded checkpoint without recording anything; answers the
    /// position reached.
    async fn replay(&self, engine: &mut Engine) -> Result<i64, provisio_store::StoreError> {
        let checkpoint = self.inner.store.checkpoint(PROJECTOR_CHECKPOINT).await? as i64;
        let started = Instant::now();
        let (mut through, mut applied) = (0i64, 0usize);
        while through < checkpoint {
            let page = self.inner.store.read_log(&LogQuery { after: through, limit: PAGE, ..Default::default() }).await?;
            let page: Vec<StoredEvent> = page.into_iter().take_while(|e| e.position <= checkpoint).collect();
            let Some(last) = page.last() else { break };
            through = last.position;
            applied += page.len();
            apply_page(engine, &page);
        }
        self.publish_snapshot(engine, through);
        tracing::info!(message = "Projection replayed.", events = applied, position = through, took_ms = started.elapsed().as_millis() as u64);
        Ok(through)
    }
}

/// Applies stored events in order; a stored event that no longer validates is skipped and
/// logged (the log only holds validated events, so this means a changed contract).
fn apply_page(engine: &mut Engine, page: &[StoredEvent]) -> Vec<Change> {
    let mut changes = Vec::new();
    for stored in page {
        let parsed = serde_json::from_str(&stored.body).ok().and_then(|v| validate(&v).ok());
        match parsed {
            Some(event) => changes.extend(engine.apply(stored.position as u64, &event)),
            None => tracing::error!(message = "A stored event does not validate; skipped.", position = stored.position),
        }
    }
    changes
}

/// The changes as stored, numbered from 0 within each position.
fn to_stored(changes: &[Change]) -> Vec<StoredChange> {
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
