//! The in-process bus of the embedded default: one appender task owns the write path and
//! groups whatever requests are waiting into one transaction (group commit).

use crate::{Candidate, IngestError, Shared};
use provisio_store::{AppendBatch, Appended};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

pub(crate) struct AppendRequest {
    pub(crate) events: Vec<Candidate>,
    pub(crate) reply: oneshot::Sender<Result<Vec<Appended>, IngestError>>,
}

/// Most events one transaction takes; one request is never split across transactions.
const MAX_GROUP_EVENTS: usize = 2_000;

pub(crate) async fn run_appender(
    shared: Arc<Shared>,
    mut requests: mpsc::Receiver<AppendRequest>,
    shutdown: CancellationToken,
) {
    shared.set_ready(true);
    loop {
        let first = tokio::select! {
            _ = shutdown.cancelled() => break,
            r = requests.recv() => match r { Some(r) => r, None => break },
        };
        let mut group = vec![first];
        let mut total = group[0].events.len();
        while total < MAX_GROUP_EVENTS {
            match requests.try_recv() {
                Ok(r) => {
                    total += r.events.len();
                    group.push(r);
                }
                Err(_) => break,
            }
        }
        commit_group(&shared, group).await;
    }
    tracing::info!(message = "Appender stopped.");
}

async fn commit_group(shared: &Shared, group: Vec<AppendRequest>) {
    let batch = AppendBatch {
        events: group.iter().flat_map(|r| r.events.iter().map(Candidate::to_new_event)).collect(),
        ..Default::default()
    };
    match shared.append(&batch).await {
        Ok(outcome) => {
            let mut appended = outcome.appended.into_iter();
            let mut committed = Vec::with_capacity(batch.events.len());
            let mut replies = Vec::with_capacity(group.len());
            for request in group {
                let mine: Vec<Appended> = appended.by_ref().take(request.events.len()).collect();
                shared.count(&request.events, &mine);
                committed.extend(request.events.into_iter().map(|c| c.event).zip(mine.iter().copied()));
                replies.push((request.reply, mine));
            }
            shared.hand_over(outcome.previous, committed);
            for (reply, mine) in replies {
                let _ = reply.send(Ok(mine));
            }
        }
        Err(error) => {
            tracing::error!(message = "Failed to append events.", %error, events = batch.events.len());
            for request in group {
                let _ = request.reply.send(Err(IngestError::Unavailable));
            }
        }
    }
}
