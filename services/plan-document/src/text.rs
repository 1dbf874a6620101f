//! Reading plan fields as the text a reader sees.

use provisio_events::vocab::{SubjectCode, Vocab};
use serde_json::Value;

/// A field as text: strings as they are, numbers as JSON writes them, `null` as a dash.
pub(crate) fn s(v: &Value) -> String {
    match v {
        Value::String(t) => t.clone(),
        Value::Null => "–".into(),
        other => other.to_string(),
    }
}

/// A string field that may be absent or `null`.
pub(crate) fn opt(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

pub(crate) fn count(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

/// A ratio from 0 up (`progress`, `coverage`), 0 when unknown.
pub(crate) fn fraction(v: &Value) -> f64 {
    v.as_f64().filter(|x| x.is_finite()).unwrap_or(0.0).max(0.0)
}

/// A ratio as a whole percentage, a dash when unknown.
pub(crate) fn percent(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x.is_finite() => format!("{:.0}%", x * 100.0),
        _ => "–".into(),
    }
}

/// A subject code with its name: "4.1 Engineering".
pub(crate) fn subject(v: &Value) -> String {
    let code = s(v);
    match SubjectCode::parse(&code) {
        Some(subject) => format!("{code} {}", subject.name()),
        None => code,
    }
}

/// A row key read as a phrase: "2001/02, 4.1 Engineering, level 3, 16-18".
pub(crate) fn key_label(row: &Value) -> String {
    format!(
        "{}, {}, level {}, {}",
        s(&row["academic_year"]),
        subject(&row["subject"]),
        s(&row["level"]),
        s(&row["age_group"])
    )
}
