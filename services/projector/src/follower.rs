//! Following the writer: after the start-up replay, applies what the writer hands over (or
//! reads the log when the hand-over does not follow on), pushes the changes live, queues them
//! for the recorder and swaps in snapshots for readers.

use crate::images::ImageSchedule;
use crate::read_ahead::{PAGE, apply_parsed, page_or_panic, parse_page, read_ahead};
use crate::recorder::{await_writers_record, record_queued, to_stored};
use crate::{LiveBatch, LiveChange, Projection};
use provisio_engine::{Change, Engine};
use provisio_events::live_subject;
use provisio_store::{CommittedEvents, StoredChange};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

/// Most handed-over events applied together.
const FEED_GROUP: usize = 5_000;

/// Applied batches whose changes may wait for the recorder before the projector waits for it.
const RECORD_QUEUE: usize = 64;

/// How often readers get a new snapshot: each one makes the next writes copy the engine's
/// shared parts they touch (copy-on-write), which costs more than applying the events when
/// batches are small (measured by services/bench). Caught up, the next snapshot comes at
/// most `SNAPSHOT_EVERY` after a change; behind the log, every `SNAPSHOT_WHILE_BEHIND`.
/// Live changes never wait for a snapshot; `min_position` readers do.
const SNAPSHOT_EVERY: Duration = Duration::from_millis(10);
const SNAPSHOT_WHILE_BEHIND: Duration = Duration::from_millis(50);

/// Where the follower reads next after applying what the writer handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// The hand-over: what it gave followed on from what is applied.
    Feed,
    /// The log: the hand-over skipped a commit, or the recorder has stopped.
    Log,
}

/// Whether settled changes went to the recorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    Queued,
    /// The recorder's queue is closed (shutdown): nothing more can be recorded.
    RecorderStopped,
}

impl Projection {
    /// Runs until `shutdown`: first replays the log up to the recorded checkpoint (its changes
    /// are already recorded), then applies what the writer hands over on `feed` (reading the
    /// log instead whenever the feed does not follow on from what is applied), recording and
    /// pushing new changes. Subscribe `feed` before the writer may commit anything.
    pub async fn run(
        self,
        mut feed: broadcast::Receiver<Arc<CommittedEvents>>,
        nats: Option<async_nats::Client>,
        shutdown: CancellationToken,
    ) {
        let (to_record, queue) = mpsc::channel(RECORD_QUEUE);
        let mut follower = match self.replay().await {
            Ok((engine, projected, image)) => {
                self.inner.recorded.send_replace(projected as u64);
                self.inner.ready.store(true, Ordering::Relaxed);
                Follower {
                    projection: self.clone(),
                    engine,
                    projected,
                    nats,
                    to_record,
                    last_snapshot: Instant::now(),
                    unpublished: false,
                    images: ImageSchedule::new(self.inner.image_settings.clone(), image),
                }
            }
            Err(error) => {
                tracing::error!(message = "Failed to replay the log; the projection stays empty.", %error);
                return;
            }
        };
        let recorder = if self.inner.records {
            tokio::spawn(record_queued(self.clone(), queue, shutdown.clone()))
        } else {
            tokio::spawn(await_writers_record(self.clone(), queue, shutdown.clone()))
        };
        // What was committed before the feed was followed, or appended by another process.
        let mut catch_up = true;
        loop {
            if catch_up {
                if let Err(error) = follower.catch_up(&feed, &shutdown).await {
                    tracing::warn!(message = "Failed to read the log; retrying.", %error);
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = tokio::time::sleep(Duration::from_millis(500)) => continue,
                    }
                }
                catch_up = false;
            }
            let snapshot_due = follower.snapshot_due();
            let next = tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep_until(snapshot_due.unwrap_or_else(tokio::time::Instant::now)), if snapshot_due.is_some() => {
                    follower.publish_snapshot();
                    continue;
                }
                next = feed.recv() => Some(next),
                // Another process may append to the same log (`provisio import` into the
                // database, a second instance): look at the log itself now and then.
                _ = tokio::time::sleep(Duration::from_secs(1)) => None,
            };
            catch_up = match next {
                Some(Ok(first)) => {
                    let mut batches = vec![first];
                    let mut events = batches[0].events.len();
                    let mut lagged = false;
                    while events < FEED_GROUP {
                        match feed.try_recv() {
                            Ok(b) => {
                                events += b.events.len();
                                batches.push(b);
                            }
                            Err(broadcast::error::TryRecvError::Lagged(_)) => {
                                lagged = true;
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    let behind = lagged || !feed.is_empty();
                    follower.apply_committed(&batches, behind).await == Next::Log || lagged
                }
                Some(Err(broadcast::error::RecvError::Lagged(_))) => true,
                Some(Err(broadcast::error::RecvError::Closed)) => break,
                None => {
                    // Quiet for a second: an image may be due by time.
                    follower.images.maybe_write(&self, self.snapshot());
                    self.inner.store.last_position().await.is_ok_and(|last| last > follower.projected)
                }
            };
        }
        let projected = follower.projected;
        // Closing the queue lets the recorder finish what is in it, then stop.
        drop(follower);
        if recorder.await.is_err() {
            tracing::error!(message = "The change recorder failed; the next start records what it had not.");
        }
        tracing::info!(message = "Projector stopped.", position = projected);
    }
}

/// The projector's own state while it follows the log.
struct Follower {
    projection: Projection,
    engine: Engine,
    /// The last log position applied: ahead of `engine.position()` when events were skipped.
    projected: i64,
    nats: Option<async_nats::Client>,
    /// The recorder's queue: (position applied through, the changes up to it).
    to_record: mpsc::Sender<(i64, Vec<StoredChange>)>,
    last_snapshot: Instant,
    /// Applied changes that readers' snapshot does not show yet.
    unpublished: bool,
    /// When the next engine image is written, from a snapshot readers were shown.
    images: ImageSchedule,
}

impl Follower {
    /// Applies the log after `projected` page by page until it is exhausted.
    async fn catch_up(
        &mut self,
        feed: &broadcast::Receiver<Arc<CommittedEvents>>,
        shutdown: &CancellationToken,
    ) -> Result<(), provisio_store::StoreError> {
        let (mut pages, _reader) = read_ahead(self.projection.store().clone(), self.projected, i64::MAX, parse_page);
        while let Some(page) = pages.recv().await {
            let page = page_or_panic(page)?;
            let changes = apply_parsed(&mut self.engine, &page.events);
            let behind = page.events.len() as i64 == PAGE || !feed.is_empty();
            if self.settle(&changes, page.last, behind).await == Settled::RecorderStopped || shutdown.is_cancelled() {
                break;
            }
        }
        Ok(())
    }

    /// Applies batches handed over by the writer; answers [`Next::Log`] when they do not
    /// follow on from what is applied (or the recorder has stopped), and the log must be read.
    async fn apply_committed(&mut self, batches: &[Arc<CommittedEvents>], behind: bool) -> Next {
        let mut changes = Vec::new();
        let mut through = self.projected;
        for batch in batches {
            if batch.last() <= through {
                continue; // read from the log already
            }
            if batch.previous > through {
                // A commit this follower never saw (lagged, or another writer) comes first.
                self.settle(&changes, through, true).await;
                return Next::Log;
            }
            for (position, event) in batch.events.iter().filter(|(p, _)| *p > through) {
                changes.extend(self.engine.apply(*position as u64, event));
            }
            through = batch.last();
        }
        match self.settle(&changes, through, behind).await {
            Settled::Queued => Next::Feed,
            Settled::RecorderStopped => Next::Log,
        }
    }

    /// Shows the changes made up to `through` to live subscribers, queues them for the
    /// recorder, then shows readers a new snapshot when one is due (see `SNAPSHOT_EVERY`).
    /// [`Settled::RecorderStopped`] only at shutdown.
    ///
    /// Live changes go out before they are recorded: they follow from events already durable
    /// in the log, so after a crash the replay records exactly the same changes under the
    /// same positions, and a client resuming from any id it was sent misses nothing. That
    /// keeps a second synchronous commit off the live path: the recorder commits while the
    /// next batches are applied.
    async fn settle(&mut self, changes: &[Change], through: i64, behind: bool) -> Settled {
        if through == self.projected {
            return Settled::Queued;
        }
        let stored = to_stored(changes);
        let inner = &self.projection.inner;
        let live = Arc::new(LiveBatch::new(stored.iter().map(LiveChange::from).collect()));
        // Before the send: a subscriber that misses it reads these changes as history.
        inner.sent.fetch_max(through as u64, Ordering::AcqRel);
        if !live.changes.is_empty() {
            // No subscriber is fine: nobody is watching.
            let _ = inner.live.send(live.clone());
        }
        if let Some(client) = &self.nats {
            for c in &live.changes {
                let subject = live_subject(&c.partnership_id, &c.kind);
                if let Err(error) = client.publish(subject, c.body.as_bytes().to_vec().into()).await {
                    tracing::warn!(message = "Failed to publish a live change.", %error);
                }
            }
        }
        // Waits only when the recorder is `RECORD_QUEUE` batches behind.
        if self.to_record.send((through, stored)).await.is_err() {
            return Settled::RecorderStopped;
        }
        self.projected = through;
        self.unpublished = true;
        if self.last_snapshot.elapsed() >= if behind { SNAPSHOT_WHILE_BEHIND } else { SNAPSHOT_EVERY } {
            self.publish_snapshot();
        }
        Settled::Queued
    }

    /// When the snapshot readers see is due, if it lags what is applied.
    fn snapshot_due(&self) -> Option<tokio::time::Instant> {
        self.unpublished.then(|| (self.last_snapshot + SNAPSHOT_EVERY).into())
    }

    fn publish_snapshot(&mut self) {
        self.projection.publish_snapshot(&self.engine, self.projected);
        self.last_snapshot = Instant::now();
        self.unpublished = false;
        self.images.maybe_write(&self.projection, self.projection.snapshot());
    }
}
