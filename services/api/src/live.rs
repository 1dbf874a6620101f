//! `GET /v1/partnerships/{id}/live`: Server-Sent Events of report changes. With
//! `Last-Event-ID: N` the stream first replays every recorded change after position N, then
//! goes live. A client too slow to keep up is disconnected (its buffer is bounded) and resumes
//! with `Last-Event-ID`; it never slows the projector.

use crate::auth::Authenticated;
use crate::reports::check_reader;
use crate::{AppState, problem::ApiError};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::stream;
use provisio_projector::{LiveBatch, LiveChange};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tracing::Instrument;

/// Chunks (a live batch's events, or a page of history) buffered per client before it counts
/// as too slow and is dropped. The chunks are shared with every other client.
const CLIENT_BUFFER: usize = 4_096;
/// Longest a resuming client waits for the changes already sent live to be recorded.
const HISTORY_WAIT: Duration = Duration::from_secs(10);
/// Recorded changes read per query while replaying.
const REPLAY_PAGE: i64 = 1_000;
/// How long a stream stays silent before a comment line keeps proxies from closing it.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

routes! {
    get "/v1/partnerships/{id}/live" => live,
}

async fn live(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_reader(&caller, &id)?;
    if state.projection.snapshot().engine.partnership(&id).is_none() {
        return Err(ApiError::PartnershipNotFound(id));
    }
    let slot = state.access.usage.open_stream(&state.access.limits, &caller.key_id)?;
    let last_event_id =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
    // Subscribe before reading history, so nothing falls between the two.
    let live = state.projection.subscribe();
    let (tx, rx) = mpsc::channel(CLIENT_BUFFER);
    // The stream outlives the handler: its log lines stay in the request's span.
    tokio::spawn(
        async move {
            feed(state, id, last_event_id, live, tx).await;
            drop(slot);
        }
        .in_current_span(),
    );
    // The events are written as they are encoded (`LiveBatch::sse_after`), once for all clients.
    let chunks = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (Ok::<_, Infallible>(c), rx)) });
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    Ok((headers, Body::from_stream(chunks)).into_response())
}

/// Sends history then live changes until the client goes away or falls behind.
async fn feed(
    state: AppState,
    id: String,
    last_event_id: Option<i64>,
    mut live: broadcast::Receiver<Arc<LiveBatch>>,
    tx: mpsc::Sender<Bytes>,
) {
    let applied = state.projection.position() as i64;
    if let Some(n) = last_event_id {
        // Changes are sent live just before they are recorded: read history once they are.
        if !state.projection.wait_recorded(applied as u64, HISTORY_WAIT).await {
            tracing::warn!(message = "Report changes are not recorded in time; ending a live stream.", partnership = %id);
            return;
        }
        let mut after = (n, i32::MAX);
        loop {
            if state.shutdown.is_cancelled() {
                return;
            }
            let page = match state.projection.store().read_changes(&id, after, REPLAY_PAGE).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::warn!(message = "Failed to replay changes to a live client.", %error);
                    return;
                }
            };
            let mut chunk = Vec::new();
            for c in page.iter().filter(|c| c.position <= applied) {
                LiveChange::from(c).write_sse(&mut chunk);
            }
            if !chunk.is_empty() && tx.send(Bytes::from(chunk)).await.is_err() {
                return;
            }
            match page.last() {
                Some(last) if page.len() as i64 == REPLAY_PAGE && last.position <= applied => {
                    after = (last.position, last.seq)
                }
                _ => break,
            }
        }
    }
    // A client may resume from further on than this process has applied (it followed a
    // process further ahead, or its events were durable in the log before they were applied
    // here): the first live batches may hold changes it has.
    let mut sent_through = applied.max(last_event_id.unwrap_or(i64::MIN));
    let mut quiet_since = tokio::time::Instant::now();
    loop {
        let received = tokio::select! {
            _ = state.shutdown.cancelled() => return,
            r = live.recv() => r,
            _ = tokio::time::sleep_until(quiet_since + KEEP_ALIVE) => {
                if tx.try_send(Bytes::from_static(b":\n\n")).is_err() {
                    return;
                }
                quiet_since = tokio::time::Instant::now();
                continue;
            }
        };
        match received {
            Ok(batch) => {
                let Some(last) = batch.last_position() else { continue };
                if last > sent_through {
                    if let Some(events) = batch.sse_after(&id, sent_through) {
                        if tx.try_send(events).is_err() {
                            tracing::info!(message = "Dropped a live client that fell behind or left.", partnership = %id);
                            return;
                        }
                        quiet_since = tokio::time::Instant::now();
                    }
                    sent_through = last;
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {
                tracing::info!(message = "Dropped a live client that fell behind.", partnership = %id);
                return;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
