//! CPU time by process over a phase, from `/proc`: where the machine's cores went. NATS,
//! PostgreSQL, the service and the load generator share the same cores, so a throughput
//! figure alone does not say which of them limits it.

use std::time::Instant;

/// Linux reports process times in clock ticks of 1/100 s (`USER_HZ`) on every architecture
/// this runs on.
const TICKS_PER_SECOND: f64 = 100.0;

/// User plus system CPU seconds of one process, 0 when it is gone.
fn seconds_of(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    // utime and stime are fields 14 and 15 of the line: 12 and 13 after the name.
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / TICKS_PER_SECOND
}

/// CPU seconds of every PostgreSQL process (server, backends, WAL writer, checkpointer). A
/// backend that exits between two readings takes its time with it: read while the
/// connections being measured are open.
pub(crate) fn postgres_seconds() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0.0 };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres"))
        .map(seconds_of)
        .sum()
}

/// The machine's cores, as the four processes share them.
pub(crate) fn cores() -> f64 {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as f64
}

/// CPU seconds so far of each party.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    at: Instant,
    service: f64,
    postgres: f64,
    nats: f64,
    bench: f64,
}

impl Sample {
    pub(crate) fn take(service: u32, nats: u32) -> Self {
        Self {
            at: Instant::now(),
            service: seconds_of(service),
            postgres: postgres_seconds(),
            nats: seconds_of(nats),
            bench: seconds_of(std::process::id()),
        }
    }

    /// Microseconds of CPU per event since `earlier`, for (service, PostgreSQL, NATS, load
    /// generator), and the share of the machine's cores they kept busy together.
    pub(crate) fn per_event_since(&self, earlier: &Sample, events: usize) -> CpuPerEvent {
        let per = |now: f64, then: f64| (now - then).max(0.0) * 1e6 / events.max(1) as f64;
        let wall = self.at.duration_since(earlier.at).as_secs_f64();
        let cores = cores();
        let busy = (self.service - earlier.service)
            + (self.postgres - earlier.postgres)
            + (self.nats - earlier.nats)
            + (self.bench - earlier.bench);
        CpuPerEvent {
            service: per(self.service, earlier.service),
            postgres: per(self.postgres, earlier.postgres),
            nats: per(self.nats, earlier.nats),
            bench: per(self.bench, earlier.bench),
            busy: if wall > 0.0 { busy / (wall * cores) } else { 0.0 },
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuPerEvent {
    pub(crate) service: f64,
    pub(crate) postgres: f64,
    pub(crate) nats: f64,
    pub(crate) bench: f64,
    /// 0 to 1: CPU seconds of all four over wall seconds times cores.
    pub(crate) busy: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_spent_cpu_and_a_missing_one_none() {
        let spin = Instant::now();
        while spin.elapsed().as_millis() < 30 {
            std::hint::black_box(0u64);
        }
        assert!(seconds_of(std::process::id()) > 0.0);
        assert_eq!(seconds_of(u32::MAX), 0.0);
    }
}
