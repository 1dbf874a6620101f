//! Engine images (ADR 0009): written in the background from a reader's snapshot every so many
//! events or minutes, and read back at start-up (and by reads of the past) so that only the
//! log after them is replayed.

use crate::{Projection, Snapshot};
use provisio_engine::Engine;
use provisio_store::{Store, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// When images are written and how many are kept.
#[derive(Debug, Clone)]
pub struct ImageSettings {
    /// Write one once this many events were applied since the last (0: never by count).
    pub every_events: u64,
    /// Write one once this long has passed since the last and something was applied
    /// (zero: never by time).
    pub every: Duration,
    /// Images kept: reads of the past start from the newest one at or below their position.
    pub keep: usize,
    /// Holds each write's transaction open this long before committing: zero but in the
    /// crash test, which kills the process in the middle of a write.
    pub hold_write: Duration,
}

impl Default for ImageSettings {
    fn default() -> Self {
        Self { every_events: 100_000, every: Duration::from_secs(600), keep: 4, hold_write: Duration::ZERO }
    }
}

impl ImageSettings {
    fn enabled(&self) -> bool {
        self.every_events > 0 || !self.every.is_zero()
    }
}

/// What `/metrics` shows of images; durations in microseconds.
#[derive(Debug, Default)]
pub(crate) struct ImageGauges {
    position: AtomicU64,
    bytes: AtomicU64,
    write_micros: AtomicU64,
    load_micros: AtomicU64,
}

/// The image figures of `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageFigures {
    /// Position of the last image written or loaded (0: none).
    pub position: u64,
    /// Its size.
    pub bytes: u64,
    /// How long the last write took (encoding and storing), in seconds.
    pub write_seconds: f64,
    /// How long reading and decoding the image at start-up took, in seconds (0: none loaded).
    pub load_seconds: f64,
}

impl Projection {
    pub fn image_figures(&self) -> ImageFigures {
        let g = &self.inner.image_gauges;
        ImageFigures {
            position: g.position.load(Ordering::Relaxed),
            bytes: g.bytes.load(Ordering::Relaxed),
            write_seconds: g.write_micros.load(Ordering::Relaxed) as f64 / 1e6,
            load_seconds: g.load_micros.load(Ordering::Relaxed) as f64 / 1e6,
        }
    }

    /// The start-up state: the newest usable image at or below the recorded checkpoint (its
    /// changes are recorded, so nothing after it is skipped), or an empty engine at 0.
    pub(crate) async fn start_from_image(&self, checkpoint: i64) -> Result<(Engine, i64), StoreError> {
        let started = Instant::now();
        let Some((engine, position, bytes)) = newest_image(&self.inner.store, checkpoint).await? else {
            return Ok((Engine::new(), 0));
        };
        let g = &self.inner.image_gauges;
        g.load_micros.store(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        g.position.store(position as u64, Ordering::Relaxed);
        g.bytes.store(bytes as u64, Ordering::Relaxed);
        tracing::info!(
            message = "Engine image loaded.",
            position,
            bytes,
            took_ms = started.elapsed().as_millis() as u64
        );
        Ok((engine, position))
    }
}

/// The newest image at or below `at` that this build reads, decoded, with its position and
/// size. An image of another version or a corrupt one is skipped with a warning that says why;
/// none left is `None` (a full replay).
pub(crate) async fn newest_image(store: &Store, at: i64) -> Result<Option<(Engine, i64, usize)>, StoreError> {
    for position in store.engine_image_positions(at).await? {
        let Some(bytes) = store.engine_image(position).await? else { continue }; // pruned meanwhile
        let size = bytes.len();
        let decoded = tokio::task::spawn_blocking(move || Engine::decode(&bytes))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        match decoded {
            Ok(engine) => return Ok(Some((engine, position, size))),
            Err(reason) => tracing::warn!(
                message = "Engine image ignored; replaying the log instead.",
                position,
                %reason
            ),
        }
    }
    Ok(None)
}

/// When the follower writes the next image.
pub(crate) struct ImageSchedule {
    settings: ImageSettings,
    /// Position of the last image written or loaded.
    last_position: i64,
    last_at: Instant,
    writing: Option<tokio::task::JoinHandle<()>>,
}

impl ImageSchedule {
    pub(crate) fn new(settings: ImageSettings, loaded: i64) -> Self {
        Self { settings, last_position: loaded, last_at: Instant::now(), writing: None }
    }

    /// Starts writing an image of `snapshot` in the background if one is due and none is
    /// being written. The snapshot is the one readers hold: taking it copies nothing and
    /// never pauses the projector.
    pub(crate) fn maybe_write(&mut self, projection: &Projection, snapshot: Snapshot) {
        let s = &self.settings;
        let position = snapshot.position as i64;
        let applied = position - self.last_position;
        let by_count = s.every_events > 0 && applied >= s.every_events as i64;
        let by_time = !s.every.is_zero() && applied > 0 && self.last_at.elapsed() >= s.every;
        let busy = self.writing.as_ref().is_some_and(|w| !w.is_finished());
        if !s.enabled() || busy || !(by_count || by_time) {
            return;
        }
        self.last_position = position;
        self.last_at = Instant::now();
        self.writing = Some(tokio::spawn(write(projection.clone(), snapshot, s.clone())));
    }
}

/// How long a write waits for the recorder to cover the image's position.
const RECORDED_WAIT: Duration = Duration::from_secs(60);

/// Encodes and stores one image, once the changes up to its position are recorded: an image
/// is only ever loaded at or below the recorded checkpoint, so one ahead of it is no use.
async fn write(projection: Projection, snapshot: Snapshot, settings: ImageSettings) {
    let position = snapshot.position;
    if !projection.wait_recorded(position, RECORDED_WAIT).await {
        tracing::warn!(message = "Engine image not written: the recorder is behind.", position);
        return;
    }
    let started = Instant::now();
    let engine: Arc<Engine> = snapshot.engine;
    let Ok(bytes) = tokio::task::spawn_blocking(move || engine.encode()).await else { return };
    let keep = settings.keep.max(1) as i64;
    let store = projection.store();
    if let Err(error) = store.put_engine_image(position as i64, &bytes, keep, settings.hold_write).await {
        tracing::warn!(message = "Failed to write an engine image.", position, %error);
        return;
    }
    let g = &projection.inner.image_gauges;
    g.write_micros.store(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    g.position.store(position, Ordering::Relaxed);
    g.bytes.store(bytes.len() as u64, Ordering::Relaxed);
    tracing::info!(
        message = "Engine image written.",
        position,
        bytes = bytes.len(),
        took_ms = started.elapsed().as_millis() as u64
    );
}
