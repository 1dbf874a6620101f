//! The restart phase with engine snapshots (issue 19): the service started by a full replay
//! of the log writes a snapshot at the log's last position; started again, it loads that
//! snapshot instead. Read from the service's `/metrics`; a snapshot not written in time makes
//! these figures "not available" (with the reason) and the phase goes on with the full
//! replay's service.

use crate::figures::Figures;
use crate::servers::{self, Service};
use std::time::{Duration, Instant};

const POSITION: &str = "provisio_snapshot_position";
const BYTES: &str = "provisio_snapshot_bytes";
const WRITE_SECONDS: &str = "provisio_snapshot_write_seconds";
const LOAD_SECONDS: &str = "provisio_snapshot_load_seconds";

/// The value of an unlabelled metric in a Prometheus text exposition.
pub(crate) fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

async fn metrics(http: &reqwest::Client, service: &Service) -> anyhow::Result<String> {
    Ok(http.get(format!("{}/metrics", service.base)).send().await?.text().await?)
}

/// The newest snapshot's figures once its position reaches `last`: (bytes, write seconds),
/// or why there is none.
async fn written(service: &Service, last: i64, timeout: Duration) -> anyhow::Result<Result<(f64, f64), String>> {
    let http = service.http(1)?;
    let deadline = Instant::now() + timeout;
    loop {
        let text = metrics(&http, service).await?;
        if metric(&text, POSITION).is_some_and(|p| p >= last as f64) {
            return Ok(match (metric(&text, BYTES), metric(&text, WRITE_SECONDS)) {
                (Some(bytes), Some(seconds)) if bytes > 0.0 && seconds > 0.0 => Ok((bytes, seconds)),
                other => Err(format!("/metrics has {POSITION} but {BYTES} and {WRITE_SECONDS} are {other:?}")),
            });
        }
        if Instant::now() > deadline {
            let at = metric(&text, POSITION).map_or("none".to_owned(), |p| p.to_string());
            return Ok(Err(format!("no snapshot at position {last} within {} s (newest: {at})", timeout.as_secs())));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts the service on the log of `url` (its last position `last`) by a full replay, then,
/// once it has written a snapshot there, again from that snapshot, both with the postcode
/// file `postcodes`. Answers the service the queries run on (the second when there is one)
/// and the first one's peak and current resident memory.
pub(crate) async fn restart(
    f: &mut Figures,
    url: &str,
    last: i64,
    small: bool,
    postcodes: &std::path::Path,
) -> anyhow::Result<(Service, u64, u64)> {
    let every = u64::try_from(last.max(1))?;
    let full = Service::start(url, None, Some(every), Some(postcodes)).await?;
    let full_s = full.ready_after.as_secs_f64();
    f.add("replay.startup_s", "service start-up, full replay of the log", full_s, "s");
    let (_, idle) = full.memory();
    // Encoding and storing a million offers takes seconds on a busy machine.
    let timeout = Duration::from_secs(if small { 20 } else { 180 });
    let (bytes, write_s) = match written(&full, last, timeout).await? {
        Ok(image) => image,
        Err(why) => {
            for (key, label, unit) in [
                ("snapshot.bytes", "snapshot size", "B"),
                ("snapshot.write_s", "snapshot write time", "s"),
                ("snapshot.startup_s", "service start-up from a snapshot", "s"),
                ("snapshot.load_s", "  of which loading the snapshot (service's own figure)", "s"),
                ("snapshot.startup_ratio", "  start-up from a snapshot / full replay start-up", "×"),
            ] {
                f.missing(key, label, unit, &why);
            }
            let (hwm, _) = full.memory();
            return Ok((full, hwm, idle));
        }
    };
    f.add("snapshot.bytes", "snapshot size", bytes, "B");
    f.add("snapshot.write_s", "snapshot write time", write_s, "s");
    let (hwm, _) = full.memory();
    full.stop();
    servers::quiesce(url).await?;
    let from_snapshot = Service::start(url, None, Some(every), Some(postcodes)).await?;
    let snapshot_s = from_snapshot.ready_after.as_secs_f64();
    println!("  full replay start-up: {full_s:.3} s; start-up from snapshot: {snapshot_s:.3} s");
    f.add("snapshot.startup_s", "service start-up from a snapshot", snapshot_s, "s");
    let text = metrics(&from_snapshot.http(1)?, &from_snapshot).await?;
    match metric(&text, LOAD_SECONDS) {
        Some(s) if s > 0.0 => {
            f.add("snapshot.load_s", "  of which loading the snapshot (service's own figure)", s, "s")
        }
        other => {
            f.missing("snapshot.load_s", "  of which loading the snapshot", "s", &format!("{LOAD_SECONDS}: {other:?}"))
        }
    }
    f.add("snapshot.startup_ratio", "  start-up from a snapshot / full replay start-up", snapshot_s / full_s, "×");
    Ok((from_snapshot, hwm, idle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metric_is_read_by_its_exact_name() {
        let text = "# HELP provisio_snapshot_position The position.\n# TYPE provisio_snapshot_position gauge\n\
                    provisio_snapshot_position_other 3\nprovisio_snapshot_position 1137095\nprovisio_snapshot_bytes 4.5e7\n";
        assert_eq!(metric(text, POSITION), Some(1_137_095.0));
        assert_eq!(metric(text, BYTES), Some(4.5e7));
        assert_eq!(metric(text, LOAD_SECONDS), None);
    }
}
