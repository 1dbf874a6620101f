//! The figures a run measured, and how they are printed and written out.

use crate::cpu;
use serde_json::{Value, json};

/// One figure: its key in the JSON, its label, its value (None when this build or run
/// cannot measure it: printed "not available", never a made-up zero) and its unit.
pub(crate) struct Figure {
    pub(crate) key: String,
    pub(crate) label: String,
    pub(crate) value: Option<f64>,
    pub(crate) unit: &'static str,
    /// Why the value is missing.
    pub(crate) why: Option<String>,
}

/// The figures, in order.
#[derive(Default)]
pub(crate) struct Figures(pub(crate) Vec<Figure>);

impl Figures {
    pub(crate) fn add(&mut self, key: &str, label: &str, value: f64, unit: &'static str) {
        println!("  {label}: {value:.3} {unit}");
        self.0.push(Figure { key: key.to_owned(), label: label.to_owned(), value: Some(value), unit, why: None });
    }

    /// A figure this run could not measure, and why.
    pub(crate) fn missing(&mut self, key: &str, label: &str, unit: &'static str, why: &str) {
        println!("  {label}: not available ({why})");
        let why = Some(why.to_owned());
        self.0.push(Figure { key: key.to_owned(), label: label.to_owned(), value: None, unit, why });
    }

    /// The value, NaN when missing or never measured.
    pub(crate) fn get(&self, key: &str) -> f64 {
        self.0.iter().find(|f| f.key == key).and_then(|f| f.value).unwrap_or(f64::NAN)
    }
}

/// A value as the tables print it; a missing one (NaN) is "not available".
pub(crate) fn pretty(v: f64) -> String {
    if v.is_nan() {
        "not available".to_owned()
    } else if v.is_infinite() {
        "∞ (requests refused)".to_owned()
    } else if v.abs() >= 1_000.0 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_figure_reads_as_nan_and_prints_as_not_available() {
        let mut f = Figures::default();
        f.add("a", "a figure", 1_234_567.0, "B");
        f.missing("b", "a figure this build lacks", "s", "no metric");
        assert_eq!(f.get("a"), 1_234_567.0);
        assert!(f.get("b").is_nan() && f.get("never").is_nan());
        assert_eq!((pretty(f.get("a")), pretty(f.get("b"))), ("1,234,567".to_owned(), "not available".to_owned()));
    }
}
