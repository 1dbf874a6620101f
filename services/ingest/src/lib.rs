//! Ingestion: how a valid event becomes durable in the log, exactly once.
//!
//! Two routes, one rule (acknowledge only after the SQL commit):
//! - embedded: HTTP hands events to the in-process appender, which groups requests into one
//!   transaction;
//! - NATS: producers (and HTTP, on their behalf) publish to JetStream; one durable pull
//!   consumer commits batches to SQL with its checkpoint, then acknowledges them.
//!
//! A reader (ADR 0013) writes nothing: it publishes to JetStream for the writer of another
//! process, follows the log that writer appends to, and answers positions as they appear.
//!
//! Architecture invariant: in one process exactly one task writes the log (the appender or
//! the consumer; none in a reader, where the log follower takes its place), and that task is
//! the only one that reports positions as committed and hands the committed events to
//! followers (`Ingest::follow`).

mod decode;
mod follow_log;
mod jetstream;
mod local;
mod metrics;
mod nats_url;
mod waiters;

pub use decode::{
    Candidate, EventLimits, MAX_ECHOED_ID_BYTES, MAX_STORED_BODY_BYTES, Rejection, bounded_prefix, decode, json_depth,
    own_candidate,
};

pub use nats_url::{NatsConnectError, NatsUrl, NatsUrlError, connect_nats, redact_nats_url};

/// The header that carries the submitting API key's id from HTTP through JetStream to the log.
/// A producer publishing straight to NATS could set it too; NATS permissions bound what it may
/// publish, and the header only attributes, it grants nothing.
pub const KEY_ID_HEADER: &str = "Provisio-Key-Id";
/// Header on the events the service publishes itself (`urn:public`): its consumer accepts
/// that source only with the deployment's token, kept in the database (`Store::service_token`)
/// and shared by its writer and readers, so no NATS client can send one.
pub const SERVICE_TOKEN_HEADER: &str = "Provisio-Service-Token";
pub use metrics::Metrics;

use async_nats::jetstream::context::{PublishAckFuture, PublishError, PublishErrorKind};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::publish::PublishAck;
use provisio_events::Event;
use provisio_events::subject_for;
use provisio_events::vocab::Vocab;
use provisio_store::{AppendBatch, AppendOutcome, Appended, CommittedEvents, Store, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use waiters::Waiters;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the event store is unavailable")]
    Unavailable,
    #[error("the events were published but are not durable yet; send them again with the same ids")]
    NotYetDurable,
    #[error("this reader has no NATS to send writes to; give it --nats-url, or send writes to the writer")]
    NoBus,
    #[error("NATS: {0}")]
    Nats(String),
    #[error(transparent)]
    Connect(#[from] NatsConnectError),
    #[error(
        "the stream {stream} cannot have {wanted} replicas (--stream-replicas){}: {reason}; a stream of N \
         replicas needs a JetStream cluster of at least N servers (list them all in --nats-url)",
        .found.map(|f| format!(", it has {f}")).unwrap_or_default(),
        stream = provisio_events::STREAM_NAME
    )]
    StreamReplicas { wanted: usize, found: Option<usize>, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IngestError {
    fn nats(e: impl std::fmt::Display) -> Self {
        IngestError::Nats(e.to_string())
    }
}

/// Commits the feed keeps for a follower that is busy; one that falls further behind reads
/// the log. A batch holds at most `max_batch` events.
const FEED_BATCHES: usize = 32;

#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// `None`: the in-process bus of the embedded default.
    pub nats_url: Option<String>,
    /// The durable JetStream consumer's name; its checkpoint is stored under it.
    pub consumer_name: String,
    /// Most messages committed in one transaction.
    pub max_batch: usize,
    /// How many servers of the JetStream cluster keep each message of the stream.
    pub stream_replicas: usize,
    /// How long an HTTP request waits for JetStream-routed events to become durable.
    pub commit_wait: Duration,
    /// What one event may be: the same limits as over HTTP.
    pub event_limits: EventLimits,
    /// False in a reader: another process writes the log, this one publishes to JetStream
    /// (when it has NATS) and follows the log.
    pub writes_the_log: bool,
    /// How often the writer removes from the stream what its log holds; `None` keeps every
    /// message.
    pub stream_trim: Option<Duration>,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            nats_url: None,
            consumer_name: "provisio".into(),
            max_batch: 1_000,
            stream_replicas: 1,
            commit_wait: Duration::from_secs(30),
            event_limits: EventLimits::default(),
            writes_the_log: true,
            stream_trim: None,
        }
    }
}

/// State shared by the writer task and the handles.
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) waiters: Waiters,
    pub(crate) nats: Option<async_nats::Client>,
    pub(crate) event_limits: EventLimits,
    /// Marks the service's own `urn:public` messages on NATS (see `SERVICE_TOKEN_HEADER`).
    pub(crate) service_token: String,
    /// Each commit's new events, for followers that would otherwise read them back.
    feed: broadcast::Sender<Arc<CommittedEvents>>,
    ready: AtomicBool,
}

impl Shared {
    pub(crate) fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Relaxed);
    }

    /// Appends and measures.
    pub(crate) async fn append(&self, batch: &AppendBatch) -> Result<AppendOutcome, StoreError> {
        let started = Instant::now();
        let outcome = self.store.append(batch).await?;
        self.metrics.append(batch.events.len(), started.elapsed());
        Ok(outcome)
    }

    /// Hands the events a commit wrote (duplicates left out) to followers. Sending never
    /// waits: a follower that lags behind the feed's buffer reads the log instead.
    pub(crate) fn hand_over(&self, previous: i64, committed: impl IntoIterator<Item = (Event, Appended)>) {
        let mut events: Vec<(i64, Event)> =
            committed.into_iter().filter(|(_, a)| !a.duplicate).map(|(e, a)| (a.position, e)).collect();
        if events.is_empty() || self.feed.receiver_count() == 0 {
            return;
        }
        events.sort_by_key(|(position, _)| *position);
        let _ = self.feed.send(Arc::new(CommittedEvents { previous, events }));
    }

    pub(crate) fn count(&self, candidates: &[Candidate], appended: &[Appended]) {
        for (c, a) in candidates.iter().zip(appended) {
            if a.duplicate {
                self.metrics.duplicate();
            } else {
                self.metrics.accepted(c.event.event_type());
            }
        }
    }
}

enum Route {
    Local(mpsc::Sender<local::AppendRequest>),
    Nats(Box<async_nats::jetstream::Context>),
    /// A reader without NATS: it cannot send writes anywhere.
    Nowhere,
}

/// A handle for submitting events and following what is committed; cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    shared: Arc<Shared>,
    route: Arc<Route>,
    commit_wait: Duration,
    /// False in a reader (see `IngestConfig::writes_the_log`).
    writes_here: bool,
}

impl Ingest {
    /// Starts the writer task (appender or JetStream consumer) on `tracker`; it stops when
    /// `shutdown` is cancelled, after finishing the batch in hand.
    pub async fn start(
        config: IngestConfig,
        store: Store,
        tracker: &TaskTracker,
        shutdown: CancellationToken,
    ) -> Result<Self, IngestError> {
        let (feed, _) = broadcast::channel(FEED_BATCHES);
        let nats = match &config.nats_url {
            Some(url) => Some(connect_nats(url, "provisio").await?),
            None => None,
        };
        let service_token = store.service_token().await?;
        let shared = Arc::new(Shared {
            store,
            metrics: Arc::new(Metrics::default()),
            waiters: Waiters::default(),
            nats: nats.clone(),
            event_limits: config.event_limits.clone(),
            service_token,
            feed,
            ready: AtomicBool::new(false),
        });
        let writes_here = config.writes_the_log;
        let route = match nats {
            _ if !config.writes_the_log => {
                tracing::info!(message = "Following the log another process writes.");
                tracker.spawn(follow_log::follow_log(shared.clone(), shutdown));
                match shared.nats.clone() {
                    Some(client) => Route::Nats(Box::new(async_nats::jetstream::new(client))),
                    None => Route::Nowhere,
                }
            }
            None => {
                let (tx, rx) = mpsc::channel(1_024);
                tracker.spawn(local::run_appender(shared.clone(), rx, shutdown));
                Route::Local(tx)
            }
            Some(client) => {
                let js = async_nats::jetstream::new(client);
                jetstream::ensure_stream(&js, config.stream_replicas).await?;
                let consumer = jetstream::ConsumerConfig {
                    name: config.consumer_name.clone(),
                    stream_replicas: config.stream_replicas,
                    max_batch: config.max_batch,
                };
                if let Some(every) = config.stream_trim {
                    let trim = jetstream::trim_stream(
                        shared.clone(),
                        js.clone(),
                        config.consumer_name.clone(),
                        every,
                        shutdown.clone(),
                    );
                    tracker.spawn(trim);
                }
                tracker.spawn(jetstream::run_consumer(shared.clone(), js.clone(), consumer, shutdown));
                Route::Nats(Box::new(js))
            }
        };
        Ok(Self { shared, route: Arc::new(route), commit_wait: config.commit_wait, writes_here })
    }

    /// Submits valid events and answers, for each in order, its position once it is durable.
    pub async fn submit(&self, events: Vec<Candidate>) -> Result<Vec<Appended>, IngestError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        match self.route.as_ref() {
            Route::Local(tx) => {
                let (reply, rx) = oneshot::channel();
                tx.send(local::AppendRequest { events, reply }).await.map_err(|_| IngestError::Unavailable)?;
                rx.await.map_err(|_| IngestError::Unavailable)?
            }
            // A consumer that is not running (the database away, say) would leave the request
            // waiting for a commit that cannot come: refuse at once, to be sent again.
            Route::Nats(_) if !self.is_ready() => Err(IngestError::Unavailable),
            Route::Nats(js) => self.submit_via_jetstream(js, events).await,
            Route::Nowhere => Err(IngestError::NoBus),
        }
    }

    async fn submit_via_jetstream(
        &self,
        js: &async_nats::jetstream::Context,
        events: Vec<Candidate>,
    ) -> Result<Vec<Appended>, IngestError> {
        if !self.writes_here {
            return self.submit_from_reader(js, events).await;
        }
        self.publish_and_wait(js, events).await
    }

    /// A reader's submission: the events the log holds already are answered from it (the
    /// writer's consumer would store nothing for them, so the log follower would never see
    /// them arrive); the others are published and answered as they appear in the log.
    async fn submit_from_reader(
        &self,
        js: &async_nats::jetstream::Context,
        events: Vec<Candidate>,
    ) -> Result<Vec<Appended>, IngestError> {
        let ids: Vec<String> = events.iter().map(|c| c.event.id.to_string()).collect();
        let stored = self.shared.store.positions_of(&ids).await?;
        let (known, fresh): (Vec<_>, Vec<_>) =
            events.into_iter().partition(|c| stored.contains_key(c.event.id.as_str()));
        let mut published = self.publish_and_wait(js, fresh).await?.into_iter();
        let mut known = known.into_iter().peekable();
        Ok(ids
            .iter()
            .map(|id| match known.next_if(|c| c.event.id.as_str() == id) {
                Some(_) => Appended { position: stored[id], duplicate: true },
                None => published.next().expect("one answer per published event"),
            })
            .collect())
    }

    /// Publishes the events to JetStream and waits until each is durable in the log.
    async fn publish_and_wait(
        &self,
        js: &async_nats::jetstream::Context,
        events: Vec<Candidate>,
    ) -> Result<Vec<Appended>, IngestError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = events.iter().map(|c| c.event.id.to_string()).collect();
        // Register before publishing, so a commit cannot slip between the two.
        let receivers: Vec<_> = ids.iter().map(|id| self.shared.waiters.register(id)).collect();
        let mut messages = Vec::with_capacity(events.len());
        for (c, id) in events.iter().zip(&ids) {
            let subject = subject_for(&c.event.source, c.event.event_type());
            let mut publish = PublishMessage::build().payload(c.raw.clone().into()).message_id(id);
            if let Some(key_id) = &c.key_id {
                publish = publish.header(KEY_ID_HEADER, key_id.as_str());
            }
            // Only `own_candidate` makes such a candidate: `decode` refuses the source.
            if c.event.source == provisio_events::Source::Public {
                publish = publish.header(SERVICE_TOKEN_HEADER, self.shared.service_token.as_str());
            }
            messages.push((subject, publish));
        }
        let mut acks = Vec::with_capacity(events.len());
        for (subject, message) in &messages {
            acks.push(js.send_publish(subject.clone(), message.clone()).await);
        }
        let deadline = tokio::time::Instant::now() + self.commit_wait;
        // Awaited together: a server's death loses every acknowledgement in flight, and each
        // times out on its own (the context's 5 s), so awaiting them in turn took 5 s per event.
        let acknowledgements = futures_util::future::join_all(
            acks.into_iter()
                .zip(&messages)
                .map(|(ack, (subject, message))| acknowledged(js, ack, subject, message, deadline)),
        )
        .await;
        // The receivers are dropped when this block ends: on a failure every id's abandoned
        // waiter is then forgotten (a commit that never comes would leave it behind).
        let answers = async {
            let mut out = Vec::with_capacity(events.len());
            for ((acknowledgement, rx), id) in acknowledgements.into_iter().zip(receivers).zip(&ids) {
                let (ack, republished) = acknowledgement?;
                let answer = tokio::time::timeout_at(deadline, async {
                    // Published again, a duplicate is most likely the first copy, stored though
                    // its acknowledgement was lost: its commit answers, as for a new event.
                    if ack.duplicate && !republished {
                        // JetStream dropped it as a re-send within its window: the first copy is
                        // either stored already or on its way to the store.
                        if let Some(p) = self.shared.store.positions_of(std::slice::from_ref(id)).await?.get(id) {
                            return Ok(Appended { position: *p, duplicate: true });
                        }
                        let a = rx.await.map_err(|_| IngestError::Unavailable)?;
                        return Ok(Appended { position: a.position, duplicate: true });
                    }
                    rx.await.map_err(|_| IngestError::Unavailable)
                })
                .await;
                out.push(answer.map_err(|_| IngestError::NotYetDurable)??);
            }
            Ok(out)
        }
        .await;
        if answers.is_err() {
            for id in &ids {
                self.shared.waiters.forget_abandoned(id);
            }
        }
        answers
    }

    /// The events of every commit from now on, parsed, in commit order.
    pub fn follow(&self) -> broadcast::Receiver<Arc<CommittedEvents>> {
        self.shared.feed.subscribe()
    }

    /// True once the writer task runs (for the NATS route: stream and consumer are set up).
    pub fn is_ready(&self) -> bool {
        self.shared.ready.load(Ordering::Relaxed)
    }

    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// The core NATS connection, when the service runs with one.
    pub fn nats(&self) -> Option<&async_nats::Client> {
        self.shared.nats.as_ref()
    }

    /// Whether the NATS connection is up right now; `None` without NATS (in-process bus).
    pub fn nats_connected(&self) -> Option<bool> {
        self.nats().map(|c| c.connection_state() == async_nats::connection::State::Connected)
    }
}

/// Pause between attempts to publish a message whose acknowledgement failed.
const REPUBLISH_PAUSE: Duration = Duration::from_millis(250);

/// The acknowledgement of a publish, and whether it took more than one attempt. One that
/// fails because its server died or the stream is electing a leader is published again, with
/// the same `Nats-Msg-Id`, until `deadline`: JetStream drops the copy when the first was stored
/// after all, and the log's unique ids catch a copy sent after JetStream's window.
async fn acknowledged(
    js: &async_nats::jetstream::Context,
    first: Result<PublishAckFuture, PublishError>,
    subject: &str,
    message: &PublishMessage,
    deadline: tokio::time::Instant,
) -> Result<(PublishAck, bool), IngestError> {
    let (mut attempt, mut republished) = (first, false);
    loop {
        let error = match attempt {
            Ok(ack) => match tokio::time::timeout_at(deadline, ack).await {
                Ok(Ok(ack)) => return Ok((ack, republished)),
                Ok(Err(error)) => error,
                Err(_) => return Err(IngestError::NotYetDurable),
            },
            Err(error) => error,
        };
        let hopeless = matches!(
            error.kind(),
            PublishErrorKind::MaxPayloadExceeded
                | PublishErrorKind::WrongLastMessageId
                | PublishErrorKind::WrongLastSequence
        );
        if hopeless || tokio::time::Instant::now() + REPUBLISH_PAUSE >= deadline {
            return Err(IngestError::nats(error));
        }
        tracing::debug!(message = "Publishing again after a failed acknowledgement.", %error);
        tokio::time::sleep(REPUBLISH_PAUSE).await;
        attempt = js.send_publish(subject.to_owned(), message.clone()).await;
        republished = true;
    }
}
