//! Ingestion metrics in the Prometheus text format, kept with atomics: no registry crate,
//! nothing on the hot path but a few relaxed additions.

use provisio_events::EventType;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A cumulative histogram with fixed bucket bounds.
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    fn observe(&self, value: f64) {
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            if value <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.sum_micros.fetch_add((value * 1e6) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {}", count.load(Ordering::Relaxed));
        }
        let total = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {total}");
        let _ = writeln!(out, "{name}_sum {}", self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {total}");
    }
}

pub struct Metrics {
    accepted: [AtomicU64; EventType::ALL.len()],
    duplicates: AtomicU64,
    /// (transport, type) → count; `type` is "unknown" when the body named none we know.
    rejected: Mutex<BTreeMap<(&'static str, String), u64>>,
    consumer_lag: AtomicU64,
    batch_size: Histogram,
    append_seconds: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            accepted: Default::default(),
            duplicates: AtomicU64::new(0),
            rejected: Mutex::new(BTreeMap::new()),
            consumer_lag: AtomicU64::new(0),
            batch_size: Histogram::new(&[1.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0]),
            append_seconds: Histogram::new(&[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0]),
        }
    }
}

impl Metrics {
    pub(crate) fn accepted(&self, t: EventType) {
        let i = EventType::ALL.iter().position(|x| *x == t).unwrap_or(0);
        self.accepted[i].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn duplicate(&self) {
        self.duplicates.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a refused event; `event_type` is whatever the body claimed.
    pub fn rejected(&self, transport: &'static str, event_type: Option<&str>) {
        let t = event_type.filter(|t| EventType::parse(t).is_some()).unwrap_or("unknown").to_owned();
        *self.rejected.lock().unwrap_or_else(|e| e.into_inner()).entry((transport, t)).or_default() += 1;
    }

    pub(crate) fn consumer_lag(&self, pending: u64) {
        self.consumer_lag.store(pending, Ordering::Relaxed);
    }

    pub(crate) fn append(&self, events: usize, took: Duration) {
        self.batch_size.observe(events as f64);
        self.append_seconds.observe(took.as_secs_f64());
    }

    /// The Prometheus text exposition of every ingestion metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP provisio_events_accepted_total Events stored in the log, by type.\n# TYPE provisio_events_accepted_total counter\n");
        for (t, n) in EventType::ALL.iter().zip(&self.accepted) {
            let _ = writeln!(out, "provisio_events_accepted_total{{type=\"{t}\"}} {}", n.load(Ordering::Relaxed));
        }
        out.push_str("# HELP provisio_events_duplicate_total Events whose id was already stored.\n# TYPE provisio_events_duplicate_total counter\n");
        let _ = writeln!(out, "provisio_events_duplicate_total {}", self.duplicates.load(Ordering::Relaxed));
        out.push_str("# HELP provisio_events_rejected_total Events refused, by transport and claimed type.\n# TYPE provisio_events_rejected_total counter\n");
        for ((transport, t), n) in self.rejected.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(out, "provisio_events_rejected_total{{transport=\"{transport}\",type=\"{t}\"}} {n}");
        }
        out.push_str("# HELP provisio_jetstream_consumer_lag Messages in the stream not yet delivered to the consumer.\n# TYPE provisio_jetstream_consumer_lag gauge\n");
        let _ = writeln!(out, "provisio_jetstream_consumer_lag {}", self.consumer_lag.load(Ordering::Relaxed));
        self.batch_size.render(&mut out, "provisio_append_batch_events", "Events per SQL append transaction.");
        self.append_seconds.render(&mut out, "provisio_append_seconds", "Time to commit one append transaction.");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_counts_what_was_recorded() {
        let m = Metrics::default();
        m.accepted(EventType::TargetSet);
        m.accepted(EventType::TargetSet);
        m.rejected("http", Some("lp.nope.v1"));
        m.append(300, Duration::from_millis(3));
        let text = m.render();
        assert!(text.contains("provisio_events_accepted_total{type=\"lp.target.set.v1\"} 2"), "{text}");
        assert!(text.contains("provisio_events_rejected_total{transport=\"http\",type=\"unknown\"} 1"));
        assert!(text.contains("provisio_append_batch_events_bucket{le=\"250\"} 0"));
        assert!(text.contains("provisio_append_batch_events_bucket{le=\"500\"} 1"));
        assert!(text.contains("provisio_append_seconds_count 1"));
    }
}
