//! JetStream ingestion: the stream `LP_EVENTS`, a durable pull consumer read in batches,
//! each batch committed to SQL with the consumer's checkpoint before any message is acked.
//!
//! The SQL checkpoint, not the server's memory, says where the consumer resumes: at start
//! the consumer is recreated from `checkpoint + 1`, so after a crash every message is
//! delivered again in stream order, and a redelivered message at or below the checkpoint is
//! only acknowledged. Together with the log's unique ids this gives no loss, no double.

use crate::decode::decode;
use crate::{Candidate, IngestError, Shared};
use provisio_events::vocab::Vocab;
use async_nats::jetstream::{self, consumer, stream};
use futures_util::{FutureExt, StreamExt};
use provisio_events::{rejected_subject, subject_owner, STREAM_NAME, STREAM_SUBJECTS};
use provisio_store::{AppendBatch, Checkpoint, NewRejection};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Creates the stream if it is absent, or brings its subjects and storage back to the contract's.
pub(crate) async fn ensure_stream(js: &jetstream::Context) -> Result<(), IngestError> {
    let config = stream::Config {
        name: STREAM_NAME.to_owned(),
        subjects: vec![STREAM_SUBJECTS.to_owned()],
        storage: stream::StorageType::File,
        ..Default::default()
    };
    let mut existing = js.get_or_create_stream(config.clone()).await.map_err(IngestError::nats)?;
    let info = existing.info().await.map_err(IngestError::nats)?;
    if info.config.subjects != config.subjects || info.config.storage != config.storage {
        tracing::warn!(message = "Updating the stream to the contract's subjects and storage.", stream = STREAM_NAME);
        js.update_stream(config).await.map_err(IngestError::nats)?;
    }
    Ok(())
}

/// Longest a batch waits for messages the server reports as pending.
const FILL_WAIT: Duration = Duration::from_millis(5);

pub(crate) struct ConsumerConfig {
    pub(crate) name: String,
    pub(crate) max_batch: usize,
}

/// Runs the consumer until shutdown, recreating it from the SQL checkpoint after any error.
pub(crate) async fn run_consumer(shared: Arc<Shared>, js: jetstream::Context, config: ConsumerConfig, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        match consume(&shared, &js, &config, &shutdown).await {
            Ok(()) => break,
            Err(error) => {
                shared.set_ready(false);
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

async fn consume(shared: &Shared, js: &jetstream::Context, config: &ConsumerConfig, shutdown: &CancellationToken) -> Result<(), IngestError> {
    ensure_stream(js).await?;
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
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: Duration::from_secs(60),
            max_ack_pending: 20_000,
            ..Default::default()
        })
        .await
        .map_err(IngestError::nats)?;
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(config.max_batch)
        .heartbeat(Duration::from_secs(5))
        .messages()
        .await
        .map_err(IngestError::nats)?;
    shared.set_ready(true);
    tracing::info!(message = "JetStream consumer started.", consumer = %config.name, checkpoint);

    loop {
        let first = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            m = messages.next() => m,
        };
        let first = first.ok_or_else(|| IngestError::Nats("the message stream ended".into()))?.map_err(IngestError::nats)?;
        let mut batch = vec![first];
        // Take what is already here: low latency when quiet. When the server says more are
        // pending, wait a moment for them, so a backlog commits in full batches instead of
        // paying a commit per few dozen events (measured by services/bench).
        while batch.len() < config.max_batch {
            let next = match messages.next().now_or_never() {
                Some(next) => next,
                None => {
                    let pending = batch.last().and_then(|m| m.info().ok()).map_or(0, |i| i.pending);
                    if pending == 0 {
                        break;
                    }
                    match tokio::time::timeout(FILL_WAIT, messages.next()).await {
                        Ok(next) => next,
                        Err(_) => break,
                    }
                }
            };
            match next {
                Some(Ok(m)) => batch.push(m),
                Some(Err(error)) => {
                    tracing::warn!(message = "Error while reading a batch.", %error);
                    break;
                }
                None => break,
            }
        }
        // Once started, a batch is finished even when shutdown is asked for meanwhile.
        checkpoint = process_batch(shared, config, checkpoint, batch).await?;
    }
}

async fn process_batch(shared: &Shared, config: &ConsumerConfig, checkpoint: u64, batch: Vec<jetstream::Message>) -> Result<u64, IngestError> {
    let mut append = AppendBatch::default();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut answers: Vec<(String, Vec<u8>)> = Vec::new();
    let mut last = checkpoint;
    for msg in &batch {
        let info = msg.info().map_err(IngestError::nats)?;
        shared.metrics.consumer_lag(info.pending);
        if info.stream_sequence <= checkpoint {
            continue; // delivered again after its batch was committed: acknowledge only
        }
        last = last.max(info.stream_sequence);
        let subject = msg.subject.as_str();
        let body = String::from_utf8_lossy(&msg.payload);
        match decode(&body, Some(subject)) {
            Ok(mut candidate) => {
                candidate.key_id = msg.headers.as_ref().and_then(|h| h.get(crate::KEY_ID_HEADER)).map(|v| v.as_str().to_owned());
                candidates.push(candidate);
            }
            Err(rejection) => {
                let claimed_type = serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|v| v.get("type")?.as_str().map(str::to_owned));
                shared.metrics.rejected("nats", claimed_type.as_deref());
                let errors = serde_json::to_string(&rejection.errors).unwrap_or_default();
                let answer = serde_json::json!({"id": rejection.id, "subject": subject, "errors": rejection.errors});
                answers.push((rejected_subject(subject), serde_json::to_vec(&answer).unwrap_or_default()));
                append.rejections.push(NewRejection {
                    transport: "nats",
                    subject: Some(subject.to_owned()),
                    stream_sequence: Some(info.stream_sequence),
                    event_id: rejection.id,
                    owner: subject_owner(subject).map(str::to_owned),
                    errors,
                    body: body.into_owned(),
                });
            }
        }
    }
    if last > checkpoint {
        append.events = candidates.iter().map(Candidate::to_new_event).collect();
        append.checkpoint = Some(Checkpoint { consumer: config.name.clone(), stream_sequence: last });
        let started = Instant::now();
        let outcome = shared.append(&append).await?;
        tracing::debug!(message = "Committed a batch.", events = append.events.len(), took_ms = started.elapsed().as_millis() as u64);
        shared.count(&candidates, &outcome.appended);
        for (c, a) in candidates.iter().zip(&outcome.appended) {
            shared.waiters.resolve(c.event.id.as_str(), *a);
        }
    }
    for msg in &batch {
        if let Err(error) = msg.ack().await {
            // Harmless: the message comes back and is skipped as at or below the checkpoint.
            tracing::warn!(message = "Failed to acknowledge a message.", %error);
        }
    }
    if let Some(client) = &shared.nats {
        for (subject, body) in answers {
            if let Err(error) = client.publish(subject, body.into()).await {
                tracing::warn!(message = "Failed to publish a rejection.", %error);
            }
        }
    }
    Ok(last)
}
