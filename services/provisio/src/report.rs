//! `provisio report REPORT --partnership ID [--as-of …]`: one report of a running service, now
//! or as it was at an earlier moment, as a table for people or as the service's JSON.

use crate::cli::{ReportArgs, ReportKind};
use crate::client::Service;
use provisio_events::vocab::{SubjectCode, Vocab};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The RFC 3339 instant `text` names: a bare date is the start of that day, UTC.
pub(crate) fn instant(flag: &str, text: &str) -> anyhow::Result<String> {
    let start_of_day = format!("{text}T00:00:00Z");
    if text.len() == "2001-09-01".len() && OffsetDateTime::parse(&start_of_day, &Rfc3339).is_ok() {
        return Ok(start_of_day);
    }
    match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(_) => Ok(text.to_owned()),
        Err(_) => anyhow::bail!(
            "--{flag}: {text:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 instant (such as 2001-09-01T09:30:00Z)"
        ),
    }
}

pub async fn run(args: ReportArgs) -> anyhow::Result<()> {
    let mut query: Vec<(&str, String)> = Vec::new();
    if let Some(text) = &args.as_of {
        query.push(("as_of", instant("as-of", text)?));
    }
    if let Some(position) = args.as_of_position {
        query.push(("as_of_position", position.to_string()));
    }
    for (name, value) in [
        ("academic_year", &args.academic_year),
        ("subject", &args.subject),
        ("level", &args.level),
        ("age_group", &args.age_group),
    ] {
        if let Some(v) = value {
            query.push((name, v.clone()));
        }
    }
    let service = Service::new(&args.remote.server, args.remote.key.as_deref());
    let path = format!("/v1/partnerships/{}/{}", args.partnership, args.report.name());
    let answer = service.get_json(&path, &query).await?;
    if args.json {
        print(&(serde_json::to_string_pretty(&answer)? + "\n"))
    } else {
        print(&table(args.report, &answer))
    }
}

/// Writes `text` to standard output; a reader that stopped early (`| head`) is no error.
pub(crate) fn print(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// A JSON value as a cell: strings bare, fractions to two places, null as "-".
pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => format!("{:.2}", n.as_f64().unwrap_or(0.0)),
        other => other.to_string(),
    }
}

/// A subject code with its official name, as "4.1 Engineering".
pub(crate) fn subject(value: &Value) -> String {
    match value.as_str().and_then(SubjectCode::parse) {
        Some(code) => format!("{} {}", code.as_str(), code.name()),
        None => text(value),
    }
}

impl ReportKind {
    /// The report's name in the API path and in its answer.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gaps => "gaps",
            Self::Duplications => "duplications",
            Self::Coverage => "coverage",
            Self::Targets => "targets",
        }
    }
}

/// The fields each report shows, in order, and the key of its rows in the answer.
fn columns(report: ReportKind) -> (&'static str, &'static [&'static str]) {
    match report {
        ReportKind::Gaps => {
            ("gaps", &["academic_year", "subject", "level", "age_group", "demand", "supply", "unmet", "severity"])
        }
        ReportKind::Duplications => (
            "duplications",
            &[
                "academic_year",
                "subject",
                "level",
                "age_group",
                "mode",
                "providers",
                "supply",
                "demand",
                "surplus",
                "fill_rate",
                "severity",
            ],
        ),
        ReportKind::Coverage => ("cells", &["subject", "level", "age_group", "demand", "supply"]),
        ReportKind::Targets => (
            "targets",
            &["target_id", "academic_year", "measure", "subject", "level", "age_group", "value", "current", "progress"],
        ),
    }
}

/// One cell: a subject with its name, the providers side by side, any other field as text.
fn cell(row: &Value, field: &str) -> String {
    match field {
        "subject" => subject(&row[field]),
        "providers" => {
            row[field].as_array().map(|p| p.iter().map(text).collect::<Vec<_>>().join(" ")).unwrap_or_default()
        }
        _ => text(&row[field]),
    }
}

/// The report as a table with aligned columns, under a line saying the position it answers at.
fn table(report: ReportKind, answer: &Value) -> String {
    let (rows_key, fields) = columns(report);
    let year = match &answer["academic_year"] {
        Value::String(year) => format!(", {year}"),
        _ => String::new(),
    };
    let mut out = format!(
        "{} of {}{year}, at position {}\n",
        report.name(),
        text(&answer["partnership_id"]),
        text(&answer["position"])
    );
    let rows = answer[rows_key].as_array().cloned().unwrap_or_default();
    if rows.is_empty() {
        return out + "(none)\n";
    }
    let headings: Vec<String> = fields.iter().map(|f| f.replace('_', " ").to_uppercase()).collect();
    let cells: Vec<Vec<String>> = rows.iter().map(|row| fields.iter().map(|f| cell(row, f)).collect()).collect();
    let widths: Vec<usize> = (0..fields.len())
        .map(|i| cells.iter().map(|r| r[i].chars().count()).chain([headings[i].len()]).max().unwrap_or(0))
        .collect();
    for line in std::iter::once(&headings).chain(&cells) {
        let padded: Vec<String> = line.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out += padded.join("  ").trim_end();
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::instant;

    #[test]
    fn a_bare_date_is_the_start_of_that_day_in_utc_and_an_instant_is_kept() {
        assert_eq!(instant("as-of", "2001-09-01").unwrap(), "2001-09-01T00:00:00Z");
        assert_eq!(instant("as-of", "2001-09-01T09:30:00+01:00").unwrap(), "2001-09-01T09:30:00+01:00");
        for bad in ["yesterday", "2001-13-01", "2001-9-1", "2001-09-01T09:30"] {
            let error = instant("as-of", bad).unwrap_err().to_string();
            assert!(error.starts_with("--as-of: ") && error.contains("neither a date"), "{bad}: {error}");
        }
    }
}
