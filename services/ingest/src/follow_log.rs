//! A reader's ingestion (ADR 0013): another process writes the log, this one follows it by
//! position. Woken by the append notices (and looking anyway every second, since a notice
//! can be missed while the listening connection is re-established), it reads what is new,
//! hands it to followers as the writer hands over its commits, and answers the requests
//! waiting for those events' positions.

use crate::Shared;
use provisio_events::vocab::Vocab;
use provisio_store::{AppendNotices, Appended, LogQuery, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Most events read from the log at once.
const PAGE: i64 = 1_000;

/// How often the log is looked at with no notice.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// How long to wait after the database failed before trying again.
const RETRY_AFTER: Duration = Duration::from_millis(500);

pub(crate) async fn follow_log(shared: Arc<Shared>, shutdown: CancellationToken) {
    let mut notices: Option<AppendNotices> = None;
    // What was in the log before is the projection's start-up replay; the follower starts
    // at its end. `None` until that end is known.
    let mut last: Option<i64> = None;
    while !shutdown.is_cancelled() {
        match follow_once(&shared, &mut notices, &mut last).await {
            Ok(()) => shared.set_ready(true),
            Err(error) => {
                shared.set_ready(false);
                shared.waiters.fail_all();
                notices = None;
                tracing::warn!(message = "Failed to follow the log; retrying.", %error);
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(RETRY_AFTER) => {}
                }
                continue;
            }
        }
        let notices = notices.as_mut().expect("listening once `follow_once` succeeded");
        tokio::select! {
            _ = shutdown.cancelled() => break,
            // An error shows at the next read.
            _ = notices.next() => {}
            _ = tokio::time::sleep(LOOK_EVERY) => {}
        }
    }
    tracing::info!(message = "Log follower stopped.");
}

/// Listens (first, so that no commit slips between a read and the listening), then reads
/// and hands over everything after `last`.
async fn follow_once(
    shared: &Shared,
    notices: &mut Option<AppendNotices>,
    last: &mut Option<i64>,
) -> Result<(), StoreError> {
    if notices.is_none() {
        *notices = Some(shared.store.append_notices().await?);
    }
    let mut after = match *last {
        Some(after) => after,
        None => *last.insert(shared.store.last_position().await?),
    };
    loop {
        let page = shared.store.read_log(&LogQuery { after, limit: PAGE, ..Default::default() }).await?;
        let Some(end) = page.last().map(|e| e.position) else {
            return Ok(());
        };
        let mut events = Vec::with_capacity(page.len());
        for stored in &page {
            match stored.parse() {
                Some(event) => {
                    let appended = Appended { position: stored.position, duplicate: false };
                    shared.waiters.resolve(event.id.as_str(), appended);
                    events.push((event, appended));
                }
                None => {
                    tracing::error!(message = "A stored event does not validate; skipped.", position = stored.position)
                }
            }
        }
        shared.hand_over(after, events);
        after = end;
        *last = Some(end);
        if (page.len() as i64) < PAGE {
            return Ok(());
        }
    }
}
