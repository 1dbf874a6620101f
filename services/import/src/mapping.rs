//! The mapping file: subject codes of other schemes to SSA tier 2, and free-text modes and
//! levels to the contract's vocabularies.
//!
//! Feeds describe subjects in JACS3, learndirect (LDCS) or plain words, and modes and levels
//! in whatever words their systems use. Rather than guess, the importer looks them up here.
//! The starter mapping ships inside the crate; a college's own file is merged over it.

use provisio_events::vocab::{Level, Mode, SubjectCode, Vocab};
use serde_json::Value;
use std::collections::HashMap;

/// The starter mapping, as shipped (see its `about` text).
pub const STARTER_MAPPING_JSON: &str = include_str!("starter-mapping.json");

/// A problem with a mapping file, naming the entry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MappingError {
    #[error("the mapping file is not JSON: {0}")]
    Json(String),
    #[error("the mapping file must be a JSON object with `subjects`, `modes` and `levels`")]
    NotAnObject,
    #[error("the mapping file has an unknown section {0:?} (expected subjects, modes or levels)")]
    UnknownSection(String),
    #[error("`{section}` in the mapping file must be an object of strings")]
    NotAMap { section: String },
    #[error("`{section}.{key}` in the mapping file: {value:?} is not {expected}")]
    InvalidValue { section: String, key: String, value: String, expected: &'static str },
}

/// Lookups from other schemes and from free text to the contract's vocabularies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    subjects: HashMap<String, SubjectCode>,
    modes: HashMap<String, Mode>,
    levels: HashMap<String, Level>,
}

impl Mapping {
    /// The mapping shipped with the crate.
    pub fn starter() -> Self {
        // A test proves the shipped file parses, so the fallback is never taken.
        Self::from_json(STARTER_MAPPING_JSON).unwrap_or_default()
    }

    /// Reads a mapping file. Keys `about` and any key starting with `_` are comments.
    pub fn from_json(text: &str) -> Result<Self, MappingError> {
        let value: Value = serde_json::from_str(text).map_err(|e| MappingError::Json(e.to_string()))?;
        let Value::Object(sections) = value else { return Err(MappingError::NotAnObject) };
        let mut mapping = Mapping::default();
        for (section, entries) in &sections {
            match section.as_str() {
                "subjects" => {
                    for (key, value) in entries_of(section, entries)? {
                        let code = SubjectCode::parse(value.trim()).or_else(|| SubjectCode::from_name(value));
                        let code = code.ok_or_else(|| invalid(section, key, value, "an SSA tier 2 code or name"))?;
                        mapping.subjects.insert(code_key(key), code);
                    }
                }
                "modes" => {
                    for (key, value) in entries_of(section, entries)? {
                        let mode =
                            Mode::parse(value.trim()).ok_or_else(|| invalid(section, key, value, Mode::EXPECTED))?;
                        mapping.modes.insert(phrase_key(key), mode);
                    }
                }
                "levels" => {
                    for (key, value) in entries_of(section, entries)? {
                        let level =
                            Level::parse(value.trim()).ok_or_else(|| invalid(section, key, value, Level::EXPECTED))?;
                        mapping.levels.insert(phrase_key(key), level);
                    }
                }
                "about" => {}
                other if other.starts_with('_') => {}
                other => return Err(MappingError::UnknownSection(other.to_owned())),
            }
        }
        Ok(mapping)
    }

    /// Adds `other`'s entries, which win over this mapping's own.
    pub fn merge(&mut self, other: Mapping) {
        self.subjects.extend(other.subjects);
        self.modes.extend(other.modes);
        self.levels.extend(other.levels);
    }

    /// The SSA code of `code` in `scheme` (`JACS3`, `LDCS`, ...). Exact keys win over
    /// prefix keys (`H3*`), and longer prefixes over shorter; scheme-qualified keys over bare
    /// ones. Without a scheme, a letter and three digits is read as JACS3 and two letters with
    /// an optional `.n` as LDCS.
    pub fn subject_for_code(&self, scheme: Option<&str>, code: &str) -> Option<SubjectCode> {
        let code = code.trim().trim_end_matches('.').to_ascii_uppercase();
        if code.is_empty() {
            return None;
        }
        let scheme = scheme.map(normal_scheme).or_else(|| inferred_scheme(&code));
        let qualified = |key: &str| scheme.as_ref().map(|s| format!("{s}:{key}"));
        let find = |key: String| {
            qualified(&key).and_then(|q| self.subjects.get(&q).copied()).or_else(|| self.subjects.get(&key).copied())
        };
        find(code.clone()).or_else(|| {
            (1..=code.len())
                .rev()
                .filter(|&n| code.is_char_boundary(n))
                .find_map(|n| find(format!("{}*", code[..n].trim_end_matches('.'))))
        })
    }

    /// The SSA code a subject written in words stands for: an SSA code or official name, a
    /// `SCHEME: CODE` text such as `LDCS1: DB.`, or a mapping key written out.
    pub fn subject_for_text(&self, text: &str) -> Option<SubjectCode> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        SubjectCode::parse(t)
            .or_else(|| SubjectCode::from_name(t))
            .or_else(|| {
                let (scheme, code) = t.split_once(':')?;
                let scheme = scheme.trim();
                (!scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric()))
                    .then(|| self.subject_for_code(Some(scheme), code))
                    .flatten()
            })
            .or_else(|| self.subjects.get(&code_key(t)).copied())
    }

    pub fn mode_for_phrase(&self, text: &str) -> Option<Mode> {
        self.modes.get(&phrase_key(text)).copied()
    }

    pub fn level_for_phrase(&self, text: &str) -> Option<Level> {
        self.levels.get(&phrase_key(text)).copied()
    }
}

fn entries_of<'a>(section: &str, value: &'a Value) -> Result<Vec<(&'a String, &'a String)>, MappingError> {
    let not_a_map = || MappingError::NotAMap { section: section.to_owned() };
    let Value::Object(map) = value else { return Err(not_a_map()) };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            _ => Err(not_a_map()),
        })
        .collect()
}

fn invalid(section: &str, key: &str, value: &str, expected: &'static str) -> MappingError {
    MappingError::InvalidValue { section: section.to_owned(), key: key.to_owned(), value: value.to_owned(), expected }
}

/// Subject keys: upper case, single spaces, the scheme spelled one way.
fn code_key(key: &str) -> String {
    let key = key.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase();
    match key.split_once(':') {
        Some((scheme, code)) => format!("{}:{}", normal_scheme(scheme), code.trim()),
        None => key,
    }
}

/// JACS versions share their codes for what the starter maps; LDCS feeds write `LDCS1`.
fn normal_scheme(scheme: &str) -> String {
    let s = scheme.rsplit(':').next().unwrap_or(scheme).trim().to_ascii_uppercase();
    match s.as_str() {
        "JACS" | "JACS2" | "JACS3" => "JACS3".into(),
        "LDCS" | "LDCS1" | "LEARNDIRECT" => "LDCS".into(),
        _ => s,
    }
}

fn inferred_scheme(code: &str) -> Option<String> {
    let b = code.as_bytes();
    let jacs = b.len() == 4 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit);
    let ldcs = b.len() >= 2
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && (b.len() == 2 || (b[2] == b'.' && b[3..].iter().all(u8::is_ascii_digit)));
    if jacs {
        Some("JACS3".into())
    } else if ldcs {
        Some("LDCS".into())
    } else {
        None
    }
}

/// Phrase keys: lower case words, with hyphens and punctuation as spaces (`Full-time` and
/// `full time` are one key).
fn phrase_key(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '+'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(scheme: Option<&str>, code: &str, expected: Option<&str>) {
        let got = Mapping::starter().subject_for_code(scheme, code);
        assert_eq!(got.map(|c| c.as_str().to_owned()).as_deref(), expected, "{scheme:?} {code}");
    }

    #[test]
    fn the_starter_mapping_parses_and_covers_common_jacs3_codes() {
        assert_eq!(Mapping::from_json(STARTER_MAPPING_JSON).map(|m| m.subjects.len() > 40), Ok(true));
        check(Some("courseDataProgramme:JACS3"), "H300", Some("4.1"));
        check(Some("JACS3"), "I100", Some("6.1"));
        check(Some("JACS3"), "N200", Some("15.3"));
        check(Some("JACS3"), "N500", Some("15.4"));
        check(Some("JACS3"), "M130", Some("15.5"));
        check(Some("JACS3"), "B700", Some("1.2"));
        check(Some("JACS3"), "X100", Some("13.1"));
        check(Some("JACS3"), "V100", Some("10.1"));
        check(Some("JACS3"), "V400", Some("10.2"));
        check(Some("JACS3"), "D447", Some("3.4"));
        check(Some("JACS3"), "Q800", Some("12.2"));
        check(None, "W300", Some("9.1"));
        check(None, "KC.3", Some("12.1"));
        check(Some("HECOS"), "100048", None);
    }

    #[test]
    fn subjects_in_words_find_ssa_names_and_scheme_texts() {
        let m = Mapping::starter();
        let text = |t: &str| m.subject_for_text(t).map(|c| c.as_str().to_owned());
        assert_eq!(text("History").as_deref(), Some("10.1"));
        assert_eq!(text("LDCS1: DB.").as_deref(), Some("10.1"));
        assert_eq!(text("4.1").as_deref(), Some("4.1"));
        assert_eq!(text("Literature and Creative Writing"), None);
    }

    #[test]
    fn a_user_file_is_merged_over_the_starter() {
        let mut m = Mapping::starter();
        let user = Mapping::from_json(
            r#"{"_note": "ours", "subjects": {"JACS3:H300": "4.2", "HECOS:100048": "Engineering"}, "modes": {"Day Release": "work-based"}}"#,
        );
        m.merge(user.unwrap_or_default());
        assert_eq!(m.subject_for_code(Some("JACS3"), "H300").map(|c| c.as_str().to_owned()).as_deref(), Some("4.2"));
        assert_eq!(m.subject_for_code(Some("JACS3"), "H310").map(|c| c.as_str().to_owned()).as_deref(), Some("4.1"));
        assert_eq!(m.subject_for_code(Some("HECOS"), "100048").map(|c| c.as_str().to_owned()).as_deref(), Some("4.1"));
        assert_eq!(m.mode_for_phrase("day-release"), Some(Mode::WorkBased));
        assert_eq!(m.mode_for_phrase("Full-Time"), Some(Mode::FullTime));
        assert_eq!(m.level_for_phrase("Postgraduate"), Some(Level::L7));
    }

    #[test]
    fn bad_mapping_files_name_the_entry() {
        let err = |json: &str| Mapping::from_json(json).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err(r#"{"subjects": {"JACS3:H300": "99.9"}}"#).contains("subjects.JACS3:H300"));
        assert!(err(r#"{"modes": {"sandwich": "sandwich"}}"#).contains("modes.sandwich"));
        assert!(err(r#"{"subject": {}}"#).contains("unknown section"));
        assert!(err("[1]").contains("JSON object"));
    }
}
