//! The projection: applies every committed event to the planning engine (as the writer hands
//! it over, or read from the log), pushes the report changes to dashboards (in-process for
//! SSE, and core NATS `lp.live.<id>.<kind>`), then hands them to a recorder task that records
//! them with its checkpoint, whatever has queued up in one transaction (ADR 7).
//!
//! In a reader process (ADR 0013) the projection follows the log another process writes:
//! it pushes the changes to its own live subscribers, and records nothing and writes no
//! engine image; the writer does, and the reader only waits for the writer's record.
//!
//! Readers never wait for the projector: they take an `Arc` snapshot of the engine, swapped
//! in after each applied batch, so a report is always consistent with one position.
//!
//! Modules by concern: this one is the handle readers and the API hold; `follower` applies
//! what the writer commits; `read_ahead` reads and parses the log ahead of whoever applies it;
//! `rebuild` replays it at start and rebuilds the read model; `recorder` records the changes;
//! `images` writes and loads engine images (ADR 0009); `live` is what live subscribers
//! receive; `past` answers the engine as of an earlier position.

mod follower;
mod images;
mod live;
mod past;
mod read_ahead;
mod rebuild;
mod recorder;

pub use images::{ImageFigures, ImageSettings};
pub use live::{LiveBatch, LiveChange};
pub use past::replay_turn;
pub use read_ahead::read_whole_log;

use provisio_engine::Engine;
use provisio_store::Store;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

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
    live: broadcast::Sender<Arc<LiveBatch>>,
    ready: AtomicBool,
    /// The last position whose changes were sent to live subscribers; ahead of `recorded`
    /// by at most the batches queued for the recorder.
    sent: AtomicU64,
    /// The last position whose changes are recorded.
    recorded: watch::Sender<u64>,
    /// The recorder's last attempt failed: it is retrying and reports fall behind meanwhile.
    recorder_failing: AtomicBool,
    /// False in a reader process: the writer records the changes and writes the images.
    records: bool,
    store: Store,
    image_settings: images::ImageSettings,
    image_gauges: images::ImageGauges,
    past: past::PastEngines,
}

/// How many applied batches the live channel holds. Its only subscribers are the SSE
/// clients' forwarders, which move each batch at once into their client's own bounded queue;
/// the channel drops a batch once every subscriber has taken it, so only a forwarder that
/// falls behind keeps up to this many (with their encoded events) alive, and batches grow
/// when a reader falls behind.
const LIVE_BATCHES: usize = 128;

/// A handle on the projection; cheap to clone.
#[derive(Clone)]
pub struct Projection {
    inner: Arc<Inner>,
}

impl Projection {
    /// A projection that writes engine images as [`ImageSettings::default`] says.
    pub fn new(store: Store) -> Self {
        Self::with_images(store, ImageSettings::default())
    }

    pub fn with_images(store: Store, image_settings: ImageSettings) -> Self {
        Self::build(store, image_settings, true)
    }

    /// The projection of a reader process: it follows the log, loads engine images, and
    /// writes nothing (ADR 0013).
    pub fn reader(store: Store) -> Self {
        let never = ImageSettings { every_events: 0, every: Duration::ZERO, ..ImageSettings::default() };
        Self::build(store, never, false)
    }

    fn build(store: Store, image_settings: ImageSettings, records: bool) -> Self {
        let (position, _) = watch::channel(0);
        let (live, _) = broadcast::channel(LIVE_BATCHES);
        Self {
            inner: Arc::new(Inner {
                snapshot: RwLock::new(Snapshot { engine: Arc::new(Engine::new()), position: 0 }),
                position,
                live,
                ready: AtomicBool::new(false),
                sent: AtomicU64::new(0),
                recorded: watch::channel(0).0,
                recorder_failing: AtomicBool::new(false),
                records,
                store,
                image_settings,
                image_gauges: Default::default(),
                past: Default::default(),
            }),
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
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveBatch>> {
        self.inner.live.subscribe()
    }

    /// The last position whose changes were sent to live subscribers: a subscriber taken
    /// before this call receives every later change live, and reads the earlier ones as
    /// history once `wait_recorded` says they are recorded.
    pub fn position(&self) -> u64 {
        self.inner.sent.load(Ordering::Acquire).max(*self.inner.position.borrow())
    }

    /// Waits until the changes through position `n` are recorded, at most `timeout`; false
    /// when they were not.
    pub async fn wait_recorded(&self, n: u64, timeout: Duration) -> bool {
        let mut rx = self.inner.recorded.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|p| *p >= n)).await.is_ok_and(|r| r.is_ok())
    }

    /// The last position whose changes are recorded.
    pub fn recorded_position(&self) -> u64 {
        *self.inner.recorded.borrow()
    }

    /// True while the recorder cannot record (its last attempt failed): the reports read
    /// from the record, and `min_position` reads, fall behind until it succeeds.
    pub fn recorder_is_failing(&self) -> bool {
        self.inner.recorder_failing.load(Ordering::Relaxed)
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
        let previous =
            std::mem::replace(&mut *self.inner.snapshot.write().unwrap_or_else(|e| e.into_inner()), snapshot);
        self.inner.position.send_replace(through as u64);
        // Freeing what only the previous snapshot held takes a while: not under the lock.
        drop(previous);
    }
}
