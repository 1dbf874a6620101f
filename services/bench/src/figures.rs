//! The figures a run measured, the goals of issue 7 they are held to, and how they are printed
//! and written out.

use crate::cpu;
use serde_json::{Value, json};

/// The figures, in order, as (key, label, value, unit).
#[derive(Default)]
pub(crate) struct Figures(pub(crate) Vec<(String, String, f64, &'static str)>);

impl Figures {
    pub(crate) fn add(&mut self, key: &str, label: &str, value: f64, unit: &'static str) {
        println!("  {label}: {value:.3} {unit}");
        self.0.push((key.to_owned(), label.to_owned(), value, unit));
    }
    pub(crate) fn get(&self, key: &str) -> f64 {
        self.0.iter().find(|f| f.0 == key).map(|f| f.2).unwrap_or(f64::NAN)
    }
}

/// A goal: what it asks, what was measured, whether it is met, and the bound this run
/// measured for it (a ceiling or a floor that the service cannot pass on this machine).
pub(crate) struct Goal {
    pub(crate) goal: &'static str,
    pub(crate) target: &'static str,
    pub(crate) measured: f64,
    pub(crate) met: bool,
    pub(crate) bound: Option<f64>,
}

pub(crate) fn goals(f: &Figures) -> Vec<Goal> {
    let goal = |goal, target, measured, met, bound| Goal { goal, target, measured, met, bound };
    let ingest = f.get("ingest.events_per_s");
    let ratio = f.get("ingest.ratio_to_postgres");
    let ceiling = f.get("ingest.ceiling");
    let p99 = f.get("live.p99");
    let replay = f.get("replay.events_per_s");
    let gap_p99 = f.get("query.gaps.p99");
    let gap_ratio = f.get("query.gaps.ratio_to_sql");
    let per_offer = f.get("memory.peak_bytes_per_offer");
    vec![
        goal("end-to-end ingest", "≥ 50,000 events/s", ingest, ingest >= 50_000.0, Some(ceiling)),
        goal(
            "ingest / raw PostgreSQL append",
            "≥ 0.7",
            ratio,
            ratio >= 0.7,
            Some(ceiling / f.get("baseline.postgres_append")),
        ),
        goal("publish→SSE p99", "≤ 10 ms", p99, p99 <= 10.0, Some(f.get("baseline.live_floor_p99"))),
        goal("replay", "≥ 300,000 events/s", replay, replay >= 300_000.0, Some(f.get("replay.parse_per_s"))),
        goal("gap report p99", "≤ 5 ms", gap_p99, gap_p99 <= 5.0, None),
        goal("gap report / plain SQL", "≥ 10×", gap_ratio, gap_ratio >= 10.0, None),
        goal("peak RSS per live offer", "≤ 1,024 B", per_offer, per_offer <= 1024.0, None),
    ]
}

pub(crate) fn pretty(v: f64) -> String {
    if v.abs() >= 1_000.0 {
        let s = format!("{:.0}", v);
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 && c != '-' {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

pub(crate) fn machine() -> Value {
    let cores = cpu::cores() as u64;
    let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let total_kb = mem
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    json!({"cores": cores, "memory_gib": total_kb as f64 / 1_048_576.0, "cpu": model})
}
