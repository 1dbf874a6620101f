//! The projection: applies every committed event to the planning engine (as the writer hands
//! it over, or read from the log), pushes the report changes to dashboards (in-process for
//! SSE, and core NATS `lp.live.<id>.<kind>`), then hands them to a recorder task that records
//! them with its checkpoint, whatever has queued up in one transaction (ADR 7).
//!
//! Readers never wait for the projector: they take an `Arc` snapshot of the engine, swapped
//! in after each applied batch, so a report is always consistent with one position.

use provisio_engine::{Change, Engine};
use provisio_events::{Event, live_subject, validate};
use provisio_store::{CommittedEvents, LogQuery, PROJECTOR_CHECKPOINT, Store, StoredChange, StoredEvent};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

/// Events read from the log per page.
const PAGE: i64 = 5_000;

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
    /// The last position whose changes were sent to live subscribers; ahead of `recorded`
    /// by at most the batches queued for the recorder.
    sent: AtomicU64,
    /// The last position whose changes are recorded.
    recorded: watch::Sender<u64>,
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
            inner: Arc::new(Inner {
                snapshot: RwLock::new(Snapshot { engine: Arc::new(Engine::new()), position: 0 }),
                position,
                live,
                ready: AtomicBool::new(false),
                sent: AtomicU64::new(0),
                recorded: watch::channel(0).0,
                store,
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
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Vec<LiveChange>>> {
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
            Ok((engine, projected)) => {
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
                }
            }
            Err(error) => {
                tracing::error!(message = "Failed to replay the log; the projection stays empty.", %error);
                return;
            }
        };
        let recorder = tokio::spawn(record_queued(self.clone(), queue, shutdown.clone()));
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
                    !follower.apply_committed(&batches, behind).await || lagged
                }
                Some(Err(broadcast::error::RecvError::Lagged(_))) => true,
                Some(Err(broadcast::error::RecvError::Closed)) => break,
                None => self.inner.store.last_position().await.is_ok_and(|last| last > follower.projected),
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

    /// Forgets the read model and builds it again from the whole log, calling `progress` with
    /// (events recorded, events in the log) as it goes. Run it with the service stopped.
    ///
    /// Three stages overlap: reading and parsing the log, applying it, and recording the
    /// changes (each stage waits on the others' I/O or CPU otherwise).
    pub async fn rebuild(&self, mut progress: impl FnMut(i64, i64)) -> Result<i64, provisio_store::StoreError> {
        let store = self.inner.store.clone();
        let total = store.last_position().await?;
        store.reset_projection().await?;
        let (mut pages, _reader) = read_ahead(store.clone(), 0, i64::MAX, parse_page);
        let (to_record, mut recording) = mpsc::channel::<(i64, Vec<Change>)>(2);
        let mut recorded = self.inner.recorded.subscribe();
        let projection = self.clone();
        let recorder = AbortOnDropHandle::new(tokio::spawn(async move {
            while let Some((through, changes)) = recording.recv().await {
                store.record_changes(&to_stored(&changes), through).await?;
                projection.inner.recorded.send_replace(through as u64);
            }
            Ok::<_, provisio_store::StoreError>(())
        }));
        let mut engine = Engine::new();
        let mut through = 0;
        while let Some(page) = pages.recv().await {
            let page = page_or_panic(page)?;
            let changes = apply_parsed(&mut engine, &page.events);
            through = page.last;
            if to_record.send((through, changes)).await.is_err() {
                break; // the recorder failed: its error is answered below
            }
            if recorded.has_changed().unwrap_or(false) {
                progress(*recorded.borrow_and_update() as i64, total);
            }
        }
        drop(to_record);
        match recorder.await {
            Ok(result) => result?,
            // Nothing aborts the recorder here, so this is its panic: pass it on.
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
        progress(through, total);
        self.publish_snapshot(&engine, through);
        Ok(through)
    }

    /// Applies the log up to the recorded checkpoint without recording anything; answers the
    /// engine and the position reached.
    async fn replay(&self) -> Result<(Engine, i64), provisio_store::StoreError> {
        let checkpoint = self.inner.store.checkpoint(PROJECTOR_CHECKPOINT).await? as i64;
        let started = Instant::now();
        let mut engine = Engine::new();
        let (mut through, mut applied) = (0i64, 0usize);
        let (mut pages, _reader) = read_ahead(self.inner.store.clone(), 0, checkpoint, parse_page);
        while let Some(page) = pages.recv().await {
            let page = page_or_panic(page)?;
            apply_parsed(&mut engine, &page.events);
            through = page.last;
            applied += page.events.len();
        }
        self.publish_snapshot(&engine, through);
        tracing::info!(
            message = "Projection replayed.",
            events = applied,
            position = through,
            took_ms = started.elapsed().as_millis() as u64
        );
        Ok((engine, through))
    }
}

/// Reads the whole log as replay and `rebuild` do, parsing each event when `parse` is set,
/// and applies nothing; answers the number of events read. The benchmark's measure of what
/// replay would reach if applying cost nothing.
pub async fn read_whole_log(store: Store, parse: bool) -> Result<usize, provisio_store::StoreError> {
    let unparsed: fn(&[StoredEvent]) -> ParsedEvents = |page| page.iter().map(|e| (e.position, None)).collect();
    let (mut pages, _reader) = read_ahead(store, 0, i64::MAX, if parse { parse_page } else { unparsed });
    let mut read = 0;
    while let Some(page) = pages.recv().await {
        read += page_or_panic(page)?.events.len();
    }
    Ok(read)
}

/// Events by position: `None` for a stored event that no longer validates.
type ParsedEvents = Vec<(i64, Option<Event>)>;

/// A page of the log, parsed.
struct ParsedPage {
    last: i64,
    events: ParsedEvents,
}

/// Why the read-ahead stopped before the end of what it was asked for.
enum ReadAheadError {
    Store(provisio_store::StoreError),
    /// A page's parser panicked (a bug): passed on to whoever applies the pages, so that a
    /// replay never stops short as if it had reached the end of the log.
    Panicked(Box<dyn std::any::Any + Send>),
}

/// A page from [`read_ahead`], or the store's error; a parser's panic is resumed here.
fn page_or_panic(item: Result<ParsedPage, ReadAheadError>) -> Result<ParsedPage, provisio_store::StoreError> {
    match item {
        Ok(page) => Ok(page),
        Err(ReadAheadError::Store(error)) => Err(error),
        Err(ReadAheadError::Panicked(panic)) => std::panic::resume_unwind(panic),
    }
}

/// Reads and parses the log after `after` up to `until` on a task of its own, a couple of
/// pages ahead of whoever applies them; dropping the handle stops it. Each page is parsed
/// (by `parse`, [`parse_page`] but in a test) on a blocking thread while the next one is
/// read, so reading, parsing and applying overlap.
fn read_ahead(
    store: Store,
    after: i64,
    until: i64,
    parse: fn(&[StoredEvent]) -> ParsedEvents,
) -> (mpsc::Receiver<Result<ParsedPage, ReadAheadError>>, AbortOnDropHandle<()>) {
    let (tx, rx) = mpsc::channel(2);
    let (parsing_tx, mut parsing) = mpsc::channel::<tokio::task::JoinHandle<ParsedPage>>(2);
    let reader = tokio::spawn(async move {
        let mut after = after;
        while after < until {
            let page = store.read_log(&LogQuery { after, limit: PAGE, ..Default::default() }).await?;
            let page: Vec<StoredEvent> = page.into_iter().take_while(|e| e.position <= until).collect();
            let Some(last) = page.last().map(|e| e.position) else { break };
            after = last;
            // Parsing is the costly part: off the async workers, beside the reading.
            let parse = tokio::task::spawn_blocking(move || ParsedPage { last, events: parse(&page) });
            if parsing_tx.send(parse).await.is_err() {
                break;
            }
        }
        Ok(())
    });
    let task = tokio::spawn(async move {
        let reader = AbortOnDropHandle::new(reader);
        while let Some(parse) = parsing.recv().await {
            let page = match parse.await {
                Ok(page) => Ok(page),
                Err(error) if error.is_panic() => Err(ReadAheadError::Panicked(error.into_panic())),
                Err(_) => return, // cancelled: the runtime is shutting down
            };
            let failed = page.is_err();
            if tx.send(page).await.is_err() || failed {
                return;
            }
        }
        // The pages ran out: the reader finished, or failed and says why.
        if let Ok(Err(error)) = reader.await {
            let _ = tx.send(Err(ReadAheadError::Store(error))).await;
        }
    });
    (rx, AbortOnDropHandle::new(task))
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
            if !self.settle(&changes, page.last, behind).await || shutdown.is_cancelled() {
                break;
            }
        }
        Ok(())
    }

    /// Applies batches handed over by the writer; false when they do not follow on from what
    /// is applied (or the recorder has stopped), and the log must be read instead.
    async fn apply_committed(&mut self, batches: &[Arc<CommittedEvents>], behind: bool) -> bool {
        let mut changes = Vec::new();
        let mut through = self.projected;
        for batch in batches {
            if batch.last() <= through {
                continue; // read from the log already
            }
            if batch.previous > through {
                // A commit this follower never saw (lagged, or another writer) comes first.
                self.settle(&changes, through, true).await;
                return false;
            }
            for (position, event) in batch.events.iter().filter(|(p, _)| *p > through) {
                changes.extend(self.engine.apply(*position as u64, event));
            }
            through = batch.last();
        }
        self.settle(&changes, through, behind).await
    }

    /// Shows the changes made up to `through` to live subscribers, queues them for the
    /// recorder, then shows readers a new snapshot when one is due (see `SNAPSHOT_EVERY`).
    /// False only when the recorder has stopped (shutdown).
    ///
    /// Live changes go out before they are recorded: they follow from events already durable
    /// in the log, so after a crash the replay records exactly the same changes under the
    /// same positions, and a client resuming from any id it was sent misses nothing. That
    /// keeps a second synchronous commit off the live path: the recorder commits while the
    /// next batches are applied.
    async fn settle(&mut self, changes: &[Change], through: i64, behind: bool) -> bool {
        if through == self.projected {
            return true;
        }
        let stored = to_stored(changes);
        let inner = &self.projection.inner;
        let live: Arc<Vec<LiveChange>> = Arc::new(stored.iter().map(LiveChange::from).collect());
        // Before the send: a subscriber that misses it reads these changes as history.
        inner.sent.fetch_max(through as u64, Ordering::AcqRel);
        if !live.is_empty() {
            // No subscriber is fine: nobody is watching.
            let _ = inner.live.send(live.clone());
        }
        if let Some(client) = &self.nats {
            for c in live.iter() {
                let subject = live_subject(&c.partnership_id, &c.kind);
                if let Err(error) = client.publish(subject, c.body.as_bytes().to_vec().into()).await {
                    tracing::warn!(message = "Failed to publish a live change.", %error);
                }
            }
        }
        // Waits only when the recorder is `RECORD_QUEUE` batches behind.
        if self.to_record.send((through, stored)).await.is_err() {
            return false;
        }
        self.projected = through;
        self.unpublished = true;
        if self.last_snapshot.elapsed() >= if behind { SNAPSHOT_WHILE_BEHIND } else { SNAPSHOT_EVERY } {
            self.publish_snapshot();
        }
        true
    }

    /// When the snapshot readers see is due, if it lags what is applied.
    fn snapshot_due(&self) -> Option<tokio::time::Instant> {
        self.unpublished.then(|| (self.last_snapshot + SNAPSHOT_EVERY).into())
    }

    fn publish_snapshot(&mut self) {
        self.projection.publish_snapshot(&self.engine, self.projected);
        self.last_snapshot = Instant::now();
        self.unpublished = false;
    }
}

/// Records the follower's changes in log order with the projector's checkpoint, everything
/// queued so far in one transaction (one commit for many small batches), and tells
/// `wait_recorded` how far it got. A failure is retried, since the engine is already ahead of
/// what is recorded, until shutdown; then the next start replays and records what is missing.
async fn record_queued(
    projection: Projection,
    mut queue: mpsc::Receiver<(i64, Vec<StoredChange>)>,
    shutdown: CancellationToken,
) {
    let inner = &projection.inner;
    while let Some((mut through, mut changes)) = queue.recv().await {
        while let Ok((next, more)) = queue.try_recv() {
            through = next;
            changes.extend(more);
        }
        while let Err(error) = inner.store.record_changes(&changes, through).await {
            tracing::warn!(message = "Failed to record report changes; retrying.", %error);
            if shutdown.is_cancelled() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        inner.recorded.send_if_modified(|r| std::mem::replace(r, (*r).max(through as u64)) < through as u64);
    }
}

/// Parses stored events; one that no longer validates is logged and left as `None` (the log
/// only holds validated events, so this means a changed contract).
fn parse_page(page: &[StoredEvent]) -> ParsedEvents {
    page.iter()
        .map(|stored| {
            let parsed = serde_json::from_str(&stored.body).ok().and_then(|v| validate(&v).ok());
            if parsed.is_none() {
                tracing::error!(message = "A stored event does not validate; skipped.", position = stored.position);
            }
            (stored.position, parsed)
        })
        .collect()
}

/// Applies parsed events in order, skipping those that did not parse.
fn apply_parsed(engine: &mut Engine, events: &[(i64, Option<Event>)]) -> Vec<Change> {
    let mut changes = Vec::new();
    for (position, event) in events {
        if let Some(event) = event {
            changes.extend(engine.apply(*position as u64, event));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn change(position: i64, seq: i32) -> StoredChange {
        StoredChange { position, seq, partnership_id: "p".into(), kind: "gap.changed".into(), body: "{}".into() }
    }

    /// A parser that panics (a bug) makes the replay fail loudly instead of ending it early
    /// as if the log ended there.
    #[tokio::test]
    async fn a_page_parser_that_panics_is_not_taken_for_the_end_of_the_log() {
        let file = provisio_testkit::sqlite_file();
        let store = Store::connect(&file.url).await.unwrap();
        let event = |id: &str| provisio_store::NewEvent {
            id: id.into(),
            source: "s".into(),
            event_type: "t".into(),
            body: "{}".into(),
            key_id: None,
        };
        store
            .append(&provisio_store::AppendBatch { events: vec![event("a"), event("b")], ..Default::default() })
            .await
            .unwrap();
        let (mut pages, _reader) = read_ahead(store.clone(), 0, i64::MAX, |_| panic!("a bug in the parser"));

        let item = pages.recv().await.expect("the panic is passed on, not an end of pages");
        let resumed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| page_or_panic(item)));
        let panic = resumed.err().expect("the parser's panic is resumed by whoever applies the pages");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"a bug in the parser"));
        store.close().await;
    }

    /// Shutdown closes the queue while changes already pushed live may wait in it: they are
    /// still recorded, with the checkpoint, before the recorder stops.
    #[tokio::test]
    async fn the_recorder_records_what_is_queued_when_the_queue_closes_at_shutdown() {
        let file = provisio_testkit::sqlite_file();
        let store = Store::connect(&file.url).await.unwrap();
        let projection = Projection::new(store.clone());
        let (to_record, queue) = mpsc::channel(RECORD_QUEUE);
        to_record.send((1, vec![change(1, 0)])).await.unwrap();
        to_record.send((3, vec![change(2, 0), change(2, 1), change(3, 0)])).await.unwrap();
        drop(to_record);
        let shutdown = CancellationToken::new();
        shutdown.cancel();

        record_queued(projection.clone(), queue, shutdown).await;

        assert!(projection.wait_recorded(3, Duration::ZERO).await);
        let recorded = store.read_changes("p", (0, -1), 10).await.unwrap();
        let keys: Vec<(i64, i32)> = recorded.iter().map(|c| (c.position, c.seq)).collect();
        assert_eq!(keys, [(1, 0), (2, 0), (2, 1), (3, 0)]);
        assert_eq!(store.checkpoint(PROJECTOR_CHECKPOINT).await.unwrap(), 3);
        store.close().await;
    }
}
