//! `provisio rebuild`: the report read models built again from the log, with progress.

use anyhow::Context;
use provisio_projector::Projection;
use provisio_store::{Store, redact_url};
use std::io::{IsTerminal, Write};
use std::time::Instant;

pub async fn run(database_url: &str) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await.with_context(|| format!("opening {}", redact_url(database_url)))?;
    let projection = Projection::new(store.clone());
    let started = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let mut last_line = Instant::now();
    let through = projection
        .rebuild(|done, total| {
            // A bar on a terminal; a line every few seconds in logs.
            if terminal {
                let width = 40;
                let filled = if total > 0 { (done * width / total) as usize } else { width as usize };
                eprint!(
                    "\r[{}{}] {done}/{total} events",
                    "#".repeat(filled),
                    " ".repeat(width as usize - filled.min(width as usize))
                );
                let _ = std::io::stderr().flush();
            } else if last_line.elapsed().as_secs() >= 5 || done == total {
                eprintln!("rebuild: {done}/{total} events");
                last_line = Instant::now();
            }
        })
        .await?;
    if terminal {
        eprintln!();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Rebuilt the read models through position {through} in {secs:.1} s ({:.0} events/s).",
        through as f64 / secs.max(1e-9)
    );
    store.close().await;
    Ok(())
}
