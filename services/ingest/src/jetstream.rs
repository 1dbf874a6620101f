//! JetStream ingestion: the stream `LP_EVENTS`, a durable pull consumer read in batches,
//! each batch committed to SQL with the consumer's checkpoint before any message is acked.
//!
//! The SQL checkpoint, not the server's memory, says where the consumer resumes: at start
//! the consumer is recreated from `checkpoint + 1`, so after a crash every message is
//! delivered again in stream order, and a redelivered message at or below the checkpoint is
//! only acknowledged. Together with the log's unique ids this gives no loss, no double.

use crate::decode::{MAX_STORED_BODY_BYTES, bounded_prefix, decode};
use crate::{Candidate, IngestError, Shared};
use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
use provisio_events::vocab::Vocab;
use provisio_events::{STREAM_NAME, STREAM_SUBJECTS, rejected_subject, subject_owner};
use provisio_store::{AppendBatch, Checkpoint, NewRejection};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

/// Creates the stream if it is absent, or brings its subjects, storage and replicas back to
/// the contract's and `--stream-replicas`. A replica count the servers cannot give (more than
/// the cluster has, or any above one on a single server) is refused with the server's reason:
/// running on fewer copies than asked would be a silent loss of the durability asked for.
pub(crate) async fn ensure_stream(js: &jetstream::Context, replicas: usize) -> Result<(), IngestError> {
    let config = stream::Config {
        name: STREAM_NAME.to_owned(),
        subjects: vec![STREAM_SUBJECTS.to_owned()],
        storage: stream::StorageType::File,
        num_replicas: replicas,
        ..Default::default()
    };
    let mut existing =
        js.get_or_create_stream(config.clone()).await.map_err(|e| refused_replicas(e, replicas, None))?;
    let info = existing.info().await.map_err(IngestError::nats)?;
    let found = info.config.num_replicas.max(1);
    if info.config.subjects != config.subjects || info.config.storage != config.storage || found != replicas {
        tracing::warn!(
            message = "Updating the stream to the contract's subjects and storage and to --stream-replicas.",
            stream = STREAM_NAME,
            replicas_found = found,
            replicas_wanted = replicas,
        );
        js.update_stream(config).await.map_err(|e| refused_replicas(e, replicas, Some(found)))?;
    }
    Ok(())
}

/// The server's refusal to create or change the stream, worded for `--stream-replicas` when
/// it answered (rather than timed out) and more than one replica was asked for or found.
fn refused_replicas(error: jetstream::context::CreateStreamError, wanted: usize, found: Option<usize>) -> IngestError {
    let answered = matches!(error.kind(), jetstream::context::CreateStreamErrorKind::JetStream(_));
    if answered && (wanted > 1 || found.is_some_and(|f| f != wanted)) {
        IngestError::StreamReplicas { wanted, found, reason: error.to_string() }
    } else {
        IngestError::nats(error)
    }
}

/// Removes from the stream, every `every`, the messages that the SQL log holds and that every
/// consumer of the stream has acknowledged. The log, not the stream, is the record (ADR 0002);
/// a stream kept whole grows with it on the servers' disks. Another deployment's consumer
/// on the same stream keeps what it has not acknowledged yet, and a checkpoint that cannot be
/// read (the database away) trims nothing.
pub(crate) async fn trim_stream(
    shared: Arc<Shared>,
    js: jetstream::Context,
    consumer: String,
    every: Duration,
    shutdown: CancellationToken,
) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    ticks.tick().await;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = ticks.tick() => {}
        }
        match trim_once(&shared, &js, &consumer).await {
            Ok(0) => {}
            Ok(purged) => tracing::debug!(message = "Trimmed the stream behind the SQL log.", purged),
            Err(error) => {
                tracing::warn!(message = "Could not trim the stream; it keeps its messages until the next try.", %error)
            }
        }
    }
}

/// How many messages one trim removed.
async fn trim_once(shared: &Shared, js: &jetstream::Context, consumer: &str) -> Result<u64, IngestError> {
    let mut floor = shared.store.checkpoint(consumer).await?;
    let mut stream = js.get_stream(STREAM_NAME).await.map_err(IngestError::nats)?;
    let mut consumers = stream.consumers();
    while let Some(info) = consumers.next().await {
        floor = floor.min(info.map_err(IngestError::nats)?.ack_floor.stream_sequence);
    }
    // Not left to the server: asked to purge below sequence 1, the stream's first (nothing
    // acknowledged yet), it emptied the whole stream in the trim test.
    let first = stream.info().await.map_err(IngestError::nats)?.state.first_sequence;
    if floor < first {
        return Ok(0);
    }
    // "Up to but not including" the sequence given.
    Ok(stream.purge().sequence(floor + 1).await.map_err(IngestError::nats)?.purged)
}

pub(crate) struct ConsumerConfig {
    pub(crate) name: String,
    pub(crate) stream_replicas: usize,
    pub(crate) max_batch: usize,
}

/// Runs the consumer until shutdown, recreating it from the SQL checkpoint after any error.
pub(crate) async fn run_consumer(
    shared: Arc<Shared>,
    js: jetstream::Context,
    config: ConsumerConfig,
    shutdown: CancellationToken,
) {
    while !shutdown.is_cancelled() {
        match consume(&shared, &js, &config, &shutdown).await {
            Ok(()) => break,
            Err(error) => {
                shared.set_ready(false);
                shared.waiters.fail_all();
                tracing::warn!(message = "JetStream consumer failed; resuming from the SQL checkpoint.", %error);
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
    }
    tracing::info!(message = "JetStream consumer stopped.");
}

async fn consume(
    shared: &Arc<Shared>,
    js: &jetstream::Context,
    config: &ConsumerConfig,
    shutdown: &CancellationToken,
) -> Result<(), IngestError> {
    ensure_stream(js, config.stream_replicas).await?;
    let mut checkpoint = shared.store.checkpoint(&config.name).await?;
    let stream = js.get_stream(STREAM_NAME).await.map_err(IngestError::nats)?;
    // The server's idea of what was acked may be ahead of or behind SQL; SQL wins.
    let _ = stream.delete_consumer(&config.name).await;
    let deliver_policy = match checkpoint {
        0 => consumer::DeliverPolicy::All,
        n => consumer::DeliverPolicy::ByStartSequence { start_sequence: n + 1 },
    };
    let consumer: consumer::PullConsumer = stream
        .create_consumer(consumer::pull::Config {
            durable_name: Some(config.name.clone()),
            deliver_policy,
            // Batches commit in stream order, so one ack of a batch's last message covers it.
            ack_policy: consumer::AckPolicy::All,
            ack_wait: Duration::from_secs(60),
            max_ack_pending: 20_000,
            ..Default::default()
        })
        .await
        .map_err(IngestError::nats)?;
    let messages = consumer
        .stream()
        .max_messages_per_batch(config.max_batch)
        .heartbeat(Duration::from_secs(5))
        .messages()
        .await
        .map_err(IngestError::nats)?;
    shared.set_ready(true);
    tracing::info!(message = "JetStream consumer started.", consumer = %config.name, checkpoint);

    // Two stages: while one batch commits, the receiver goes on receiving and decoding the
    // messages behind it; the next batch is whatever it has decoded by then (up to
    // `max_batch`), so batches grow with the load and a quiet stream commits each message at
    // once. A dropped receiver task (error, shutdown) loses nothing: nothing it holds was
    // acknowledged.
    let (decoded_tx, mut decoded_rx) = mpsc::channel(config.max_batch);
    let receiver = AbortOnDropHandle::new(tokio::spawn(receive(
        shared.clone(),
        messages,
        checkpoint,
        decoded_tx,
        shutdown.clone(),
    )));
    while let Some(first) = decoded_rx.recv().await {
        let mut batch = Prepared::default();
        batch.add(first?);
        // What came before an error is committed first: after a gap (see `receive`), the
        // consumer made again starts right after the last message before it.
        let mut failed = None;
        while batch.len < config.max_batch {
            match decoded_rx.try_recv() {
                Ok(Ok(next)) => batch.add(next),
                Ok(Err(error)) => {
                    failed = Some(error);
                    break;
                }
                Err(_) => break,
            }
        }
        // Once started, a batch is finished even when shutdown is asked for meanwhile.
        checkpoint = commit(shared, config, checkpoint, batch).await?;
        if let Some(error) = failed {
            return Err(error);
        }
    }
    drop(receiver);
    Ok(())
}

/// One message, decoded.
struct Decoded {
    message: jetstream::Message,
    sequence: u64,
    outcome: Outcome,
}

// `Valid` is what nearly every message is: boxing it would allocate once per event on the
// ingest path to make the rare rejections' slot smaller.
#[allow(clippy::large_enum_variant)]
enum Outcome {
    Valid(Candidate),
    /// The rejection to store and the answer to publish on `subject`.
    Rejected {
        rejection: NewRejection,
        subject: String,
        answer: Vec<u8>,
    },
    /// At or below a sequence already in hand or committed: delivered again.
    Again,
}

/// A batch of decoded messages, waiting for its commit.
#[derive(Default)]
struct Prepared {
    len: usize,
    candidates: Vec<Candidate>,
    rejections: Vec<NewRejection>,
    /// Rejection answers to publish once the batch is committed: (subject, body).
    answers: Vec<(String, Vec<u8>)>,
    /// The highest stream sequence in the batch.
    last_sequence: u64,
    /// Acknowledging it acknowledges the whole batch (`AckPolicy::All`).
    last_message: Option<jetstream::Message>,
}

impl Prepared {
    fn add(&mut self, d: Decoded) {
        self.len += 1;
        self.last_sequence = self.last_sequence.max(d.sequence);
        self.last_message = Some(d.message);
        match d.outcome {
            Outcome::Valid(candidate) => self.candidates.push(candidate),
            Outcome::Rejected { rejection, subject, answer } => {
                self.rejections.push(rejection);
                self.answers.push((subject, answer));
            }
            Outcome::Again => {}
        }
    }
}

/// Receives and decodes messages until shutdown or an error, which it passes on.
///
/// The consumer reads the whole stream, so after its first message (the first the stream
/// holds from the checkpoint on) sequences follow one another. A sequence further on means
/// messages were lost in delivery, as when the node serving the consumer dies while they
/// are on their way: acknowledging what follows would acknowledge them too (`AckPolicy::All`)
/// and they would never come back. So it is an error, and the consumer is made again from
/// the SQL checkpoint, which the messages before the gap reach.
async fn receive(
    shared: Arc<Shared>,
    mut messages: consumer::pull::Stream,
    mut seen: u64,
    out: mpsc::Sender<Result<Decoded, IngestError>>,
    shutdown: CancellationToken,
) {
    let mut first = true;
    loop {
        let next = tokio::select! {
            _ = shutdown.cancelled() => return,
            m = messages.next() => m,
        };
        let decoded = match next {
            Some(Ok(message)) => decode_message(&shared, &mut seen, message, first),
            Some(Err(error)) => Err(IngestError::nats(error)),
            None => Err(IngestError::Nats("the message stream ended".into())),
        };
        let failed = decoded.is_err();
        first = false;
        if out.send(decoded).await.is_err() || failed {
            return;
        }
    }
}

/// Decodes one message. One at or below `seen` was delivered again while its batch was in
/// hand or after it was committed: it is only acknowledged, with the batch it lands in. One
/// past `seen + 1`, unless it is the consumer's `first`, is a gap in delivery (see `receive`).
fn decode_message(
    shared: &Shared,
    seen: &mut u64,
    message: jetstream::Message,
    first: bool,
) -> Result<Decoded, IngestError> {
    let info = message.info().map_err(IngestError::nats)?;
    shared.metrics.consumer_lag(info.pending);
    let sequence = info.stream_sequence;
    if sequence <= *seen {
        return Ok(Decoded { message, sequence, outcome: Outcome::Again });
    }
    if !first && sequence > *seen + 1 {
        return Err(IngestError::Nats(format!(
            "stream messages {} to {} were not delivered (the next was {sequence})",
            *seen + 1,
            sequence - 1
        )));
    }
    *seen = sequence;
    let subject = message.subject.as_str();
    let body = String::from_utf8_lossy(&message.payload);
    let headers = message.headers.as_ref();
    let own =
        headers.and_then(|h| h.get(crate::SERVICE_TOKEN_HEADER)).is_some_and(|t| t.as_str() == shared.service_token);
    let decode = if own { crate::decode::decode_own } else { decode };
    let outcome = match decode(&body, Some(subject), &shared.event_limits) {
        Ok(mut candidate) => {
            candidate.key_id =
                message.headers.as_ref().and_then(|h| h.get(crate::KEY_ID_HEADER)).map(|v| v.as_str().to_owned());
            Outcome::Valid(candidate)
        }
        Err(rejection) => {
            let claimed_type = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("type")?.as_str().map(str::to_owned));
            shared.metrics.rejected("nats", claimed_type.as_deref());
            let errors = serde_json::to_string(&rejection.errors).unwrap_or_default();
            let answer = serde_json::json!({"id": rejection.id, "subject": subject, "errors": rejection.errors});
            Outcome::Rejected {
                subject: rejected_subject(subject),
                answer: serde_json::to_vec(&answer).unwrap_or_default(),
                rejection: NewRejection {
                    transport: "nats",
                    subject: Some(subject.to_owned()),
                    stream_sequence: Some(sequence),
                    event_id: rejection.id,
                    owner: subject_owner(subject).map(str::to_owned),
                    errors,
                    body: bounded_prefix(&body, MAX_STORED_BODY_BYTES).into_owned(),
                },
            }
        }
    };
    Ok(Decoded { message, sequence, outcome })
}

/// Commits a prepared batch with the checkpoint, hands its events to followers, then
/// acknowledges it and publishes its rejection answers; answers the new checkpoint.
async fn commit(
    shared: &Shared,
    config: &ConsumerConfig,
    checkpoint: u64,
    prepared: Prepared,
) -> Result<u64, IngestError> {
    let Prepared { candidates, rejections, answers, last_sequence, last_message, .. } = prepared;
    if last_sequence > checkpoint {
        let append = AppendBatch {
            events: candidates.iter().map(Candidate::to_new_event).collect(),
            rejections,
            checkpoint: Some(Checkpoint { consumer: config.name.clone(), stream_sequence: last_sequence }),
        };
        let started = Instant::now();
        let outcome = shared.append(&append).await?;
        tracing::debug!(
            message = "Committed a batch.",
            events = append.events.len(),
            took_ms = started.elapsed().as_millis() as u64
        );
        shared.count(&candidates, &outcome.appended);
        for (c, a) in candidates.iter().zip(&outcome.appended) {
            shared.waiters.resolve(c.event.id.as_str(), *a);
        }
        shared.hand_over(outcome.previous, candidates.into_iter().map(|c| c.event).zip(outcome.appended));
    }
    if let Some(message) = last_message
        && let Err(error) = message.ack().await
    {
        // Harmless: the messages come back and are skipped as at or below the checkpoint.
        tracing::warn!(message = "Failed to acknowledge a batch.", %error);
    }
    if let Some(client) = &shared.nats {
        for (subject, body) in answers {
            if let Err(error) = client.publish(subject, body.into()).await {
                tracing::warn!(message = "Failed to publish a rejection.", %error);
            }
        }
    }
    Ok(last_sequence.max(checkpoint))
}
