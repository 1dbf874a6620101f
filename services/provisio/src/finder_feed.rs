//! Keeps the public finder's index in step with the engine (ADR 0012): every committed batch
//! names the offers its events touch, asked of the engine before the batch (the previous
//! snapshot) and after it (the snapshot that applied it); those offers are refreshed from the
//! newer snapshot. A feed that lagged, and the start, rebuild the index from a snapshot.
//!
//! Refreshes change what filters and orders see at once; new words become searchable when the
//! word index commits, which writes a segment and costs about as much for one course as for
//! thousands. So it commits at most every [`COMMIT_EVERY`], not per batch: the contract's
//! "within a second" with room for the apply wait.

use provisio_finder::Finder;
use provisio_ingest::Ingest;
use provisio_projector::{Projection, Snapshot};
use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long to wait for the projection to apply what was committed before asking again.
const APPLY_WAIT: Duration = Duration::from_secs(5);
/// How long refreshed words may wait for the word index's commit.
const COMMIT_EVERY: Duration = Duration::from_millis(500);

pub async fn follow(finder: Arc<RwLock<Finder>>, ingest: Ingest, projection: Projection, shutdown: CancellationToken) {
    let mut feed = ingest.follow();
    while !projection.is_ready() {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    let mut prev = projection.snapshot();
    rebuild(&finder, &prev).await;
    let mut pending = Vec::new();
    // When the words refreshed since the last commit must be committed.
    let mut commit_at: Option<Instant> = None;
    loop {
        let mut lagged = false;
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep_until(commit_at.unwrap_or_else(Instant::now)), if commit_at.is_some() => {
                commit_at = None;
                let committed = finder.write().unwrap_or_else(|e| e.into_inner()).commit();
                if let Err(error) = committed {
                    tracing::error!(message = "Failed to commit the course finder; rebuilding it.", %error);
                    rebuild(&finder, &projection.snapshot()).await;
                }
                continue;
            }
            received = feed.recv() => match received {
                Ok(batch) => pending.push(batch),
                Err(RecvError::Lagged(_)) => lagged = true,
                Err(RecvError::Closed) => return,
            }
        }
        // Whatever else is already committed goes in the same refresh.
        loop {
            match feed.try_recv() {
                Ok(batch) => pending.push(batch),
                Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => lagged = true,
                Err(_) => break,
            }
        }
        let through = pending.iter().map(|b| b.last()).max().unwrap_or(0);
        if !projection.wait_for(through.max(0) as u64, APPLY_WAIT).await && !lagged {
            continue; // not applied yet: keep the batches and wait for more
        }
        let next = projection.snapshot();
        if lagged {
            rebuild(&finder, &next).await;
            pending.clear();
        } else {
            let mut offers = BTreeSet::new();
            for batch in &pending {
                let applied =
                    |(p, _): &&(i64, provisio_events::Event)| *p > prev.position as i64 && *p <= next.position as i64;
                for (_, event) in batch.events.iter().filter(applied) {
                    offers.extend(prev.engine.courses_touched_by(event));
                    offers.extend(next.engine.courses_touched_by(event));
                }
            }
            pending.retain(|b| b.last() > next.position as i64);
            let offers: Vec<_> = offers.into_iter().collect();
            let refreshed = finder.write().unwrap_or_else(|e| e.into_inner()).refresh(&next.engine, &offers);
            if let Err(error) = refreshed {
                tracing::error!(message = "Failed to refresh the course finder; rebuilding it.", %error);
                rebuild(&finder, &next).await;
            } else if commit_at.is_none() {
                commit_at = Some(Instant::now() + COMMIT_EVERY);
            }
        }
        prev = next;
    }
}

/// Builds a new index from `snapshot` beside the one searches read, then puts it in its
/// place: searches go on (on the old index) for the seconds a million courses take, on a
/// thread of their own rather than one of the runtime's.
async fn rebuild(finder: &Arc<RwLock<Finder>>, snapshot: &Snapshot) {
    let (finder, snapshot) = (finder.clone(), snapshot.clone());
    if let Err(error) = tokio::task::spawn_blocking(move || build(&finder, &snapshot)).await {
        tracing::error!(message = "The course finder's build stopped.", %error);
    }
}

fn build(finder: &RwLock<Finder>, snapshot: &Snapshot) {
    let started = std::time::Instant::now();
    let postcodes = finder.read().unwrap_or_else(|e| e.into_inner()).postcodes();
    let built = Finder::new(postcodes).and_then(|mut fresh| fresh.rebuild(&snapshot.engine).map(|()| fresh));
    match built {
        Ok(fresh) => {
            tracing::info!(
                message = "Course finder built.",
                courses = fresh.len(),
                position = snapshot.position,
                millis = started.elapsed().as_millis() as u64,
            );
            *finder.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        }
        Err(error) => tracing::error!(message = "Failed to build the course finder.", %error),
    }
}
