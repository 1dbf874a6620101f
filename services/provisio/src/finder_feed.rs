//! Keeps the public finder's index in step with the engine (ADR 0012): every committed batch
//! names the offers its events touch, asked of the engine before the batch (the previous
//! snapshot) and after it (the snapshot that applied it); those offers are refreshed from the
//! newer snapshot. A feed that lagged, and the start, rebuild the index from a snapshot.

use provisio_finder::Finder;
use provisio_ingest::Ingest;
use provisio_projector::{Projection, Snapshot};
use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

/// How long to wait for the projection to apply what was committed before asking again.
const APPLY_WAIT: Duration = Duration::from_secs(5);

pub async fn follow(finder: Arc<RwLock<Finder>>, ingest: Ingest, projection: Projection, shutdown: CancellationToken) {
    let mut feed = ingest.follow();
    while !projection.is_ready() {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    let mut prev = projection.snapshot();
    rebuild(&finder, &prev);
    let mut pending = Vec::new();
    loop {
        let mut lagged = false;
        tokio::select! {
            _ = shutdown.cancelled() => return,
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
            rebuild(&finder, &next);
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
            let mut index = finder.write().unwrap_or_else(|e| e.into_inner());
            if let Err(error) = index.refresh(&next.engine, &offers) {
                tracing::error!(message = "Failed to refresh the course finder; rebuilding it.", %error);
                drop(index);
                rebuild(&finder, &next);
            }
        }
        prev = next;
    }
}

fn rebuild(finder: &RwLock<Finder>, snapshot: &Snapshot) {
    let started = std::time::Instant::now();
    let mut index = finder.write().unwrap_or_else(|e| e.into_inner());
    match index.rebuild(&snapshot.engine) {
        Ok(()) => tracing::info!(
            message = "Course finder built.",
            courses = index.len(),
            position = snapshot.position,
            millis = started.elapsed().as_millis() as u64,
        ),
        Err(error) => tracing::error!(message = "Failed to build the course finder.", %error),
    }
}
