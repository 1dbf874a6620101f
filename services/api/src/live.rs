//! `GET /v1/partnerships/{id}/live`: Server-Sent Events of report changes. With
//! `Last-Event-ID: N` the stream first replays every recorded change after position N, then
//! goes live. A client too slow to keep up is disconnected (its buffer is bounded) and resumes
//! with `Last-Event-ID`; it never slows the projector.

use crate::auth::Authenticated;
use crate::reports::check_reader;
use crate::{AppState, problem::ApiError};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use provisio_projector::LiveChange;
use std::convert::Infallible;
use tokio::sync::{broadcast, mpsc};
use tracing::Instrument;

/// Events buffered per client before it counts as too slow and is dropped.
const CLIENT_BUFFER: usize = 4_096;
/// Longest a resuming client waits for the changes already sent live to be recorded.
const HISTORY_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// Recorded changes read per query while replaying.
const REPLAY_PAGE: i64 = 1_000;

routes! {
    get "/v1/partnerships/{id}/live" => live,
}

fn to_event(c: &LiveChange) -> Event {
    Event::default().event(&c.kind).id(c.position.to_string()).data(&*c.body)
}

async fn live(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
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
    let events = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// Sends history then live changes until the client goes away or falls behind.
async fn feed(
    state: AppState,
    id: String,
    last_event_id: Option<i64>,
    mut live: broadcast::Receiver<std::sync::Arc<Vec<LiveChange>>>,
    tx: mpsc::Sender<Event>,
) {
    let mut sent_through = state.projection.position() as i64;
    if let Some(n) = last_event_id {
        // Changes are sent live just before they are recorded: read history once they are.
        if !state.projection.wait_recorded(sent_through as u64, HISTORY_WAIT).await {
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
            for c in page.iter().filter(|c| c.position <= sent_through) {
                if tx.send(to_event(&LiveChange::from(c))).await.is_err() {
                    return;
                }
            }
            match page.last() {
                Some(last) if page.len() as i64 == REPLAY_PAGE && last.position <= sent_through => {
                    after = (last.position, last.seq)
                }
                _ => break,
            }
        }
    }
    loop {
        let received = tokio::select! {
            _ = state.shutdown.cancelled() => return,
            r = live.recv() => r,
        };
        match received {
            Ok(batch) => {
                for c in batch.iter().filter(|c| c.partnership_id == id && c.position > sent_through) {
                    if tx.try_send(to_event(c)).is_err() {
                        tracing::info!(message = "Dropped a live client that fell behind or left.", partnership = %id);
                        return;
                    }
                }
                if let Some(last) = batch.last() {
                    sent_through = sent_through.max(last.position);
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
