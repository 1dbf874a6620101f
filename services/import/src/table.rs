//! The cells of a CSV file: its header, and the rows the course and venue readers check, each
//! collecting every problem rather than stopping at the first.

use crate::report::Rejection;
use csv::StringRecord;
use std::collections::HashMap;

/// A file's header: its names as given, and where each known column is.
#[derive(Debug)]
pub(crate) struct Header {
    given: Vec<String>,
    index: HashMap<String, usize>,
}

/// One cell of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cell<'r> {
    /// The file has no such column.
    Absent,
    Empty,
    /// The value, trimmed.
    Value(&'r str),
}

/// Header names compare without case, surrounding spaces, or the difference between a
/// space and an underscore.
fn canonical(name: &str) -> String {
    name.trim().to_ascii_uppercase().replace(' ', "_")
}

impl Header {
    pub(crate) fn new(record: &StringRecord) -> Self {
        let given: Vec<String> = record.iter().map(|h| h.trim().to_owned()).collect();
        let mut index = HashMap::new();
        for (i, name) in given.iter().enumerate() {
            index.entry(canonical(name)).or_insert(i);
        }
        Self { given, index }
    }

    /// The names as the file gives them, comma-separated.
    pub(crate) fn names(&self) -> String {
        self.given.join(",")
    }

    pub(crate) fn has(&self, column: &str) -> bool {
        self.index.contains_key(column)
    }

    /// The column's name as the file gives it, or its own name when the file lacks it.
    pub(crate) fn label(&self, column: &str) -> String {
        self.index.get(column).and_then(|&i| self.given.get(i)).cloned().unwrap_or_else(|| column.to_owned())
    }

    pub(crate) fn cell<'r>(&self, record: &'r StringRecord, column: &str) -> Cell<'r> {
        match self.index.get(column) {
            None => Cell::Absent,
            Some(&i) => match record.get(i).map(str::trim) {
                None | Some("") => Cell::Empty,
                Some(v) => Cell::Value(v),
            },
        }
    }

    pub(crate) fn unknown(&self, known: &[&str]) -> Vec<String> {
        self.given.iter().filter(|g| !g.is_empty() && !known.contains(&canonical(g).as_str())).cloned().collect()
    }

    pub(crate) fn count(&self, columns: impl Iterator<Item = &'static str>) -> usize {
        columns.filter(|c| self.has(c)).count()
    }
}

/// One row being checked, collecting every problem rather than stopping at the first.
pub(crate) struct Row<'h, 'r> {
    header: &'h Header,
    record: &'r StringRecord,
    pub(crate) line: u64,
    pub(crate) problems: Vec<Rejection>,
}

impl<'h, 'r> Row<'h, 'r> {
    pub(crate) fn new(header: &'h Header, record: &'r StringRecord, line: u64) -> Self {
        Self { header, record, line, problems: Vec::new() }
    }

    pub(crate) fn cell(&self, column: &str) -> Cell<'r> {
        self.header.cell(self.record, column)
    }

    pub(crate) fn fail(&mut self, column: &str, value: Option<&str>, reason: impl Into<String>) {
        let label = self.header.label(column);
        self.problems.push(Rejection::new(self.line, Some(&label), value, reason));
    }

    /// The value of a column every row needs.
    pub(crate) fn required(&mut self, column: &str) -> Option<&'r str> {
        match self.cell(column) {
            Cell::Value(v) => Some(v),
            Cell::Empty => {
                self.fail(column, None, "is empty");
                None
            }
            Cell::Absent => {
                self.fail(column, None, format!("the file has no {column} column"));
                None
            }
        }
    }

    /// A value, or a default when the cell is empty or the column absent; the reason names
    /// what was missing.
    pub(crate) fn or_default<T: Clone>(&mut self, column: &str, default: Option<&T>, option: &str) -> Option<T> {
        if let Some(d) = default {
            return Some(d.clone());
        }
        let reason = match self.cell(column) {
            Cell::Absent => format!("the file has no {column} column and no {option} was given"),
            _ => format!("is empty and no {option} was given"),
        };
        self.fail(column, None, reason);
        None
    }

    /// Whether a problem was recorded for this column already.
    pub(crate) fn failed(&self, column: &str) -> bool {
        let label = self.header.label(column);
        self.problems.iter().any(|p| p.column.as_deref() == Some(label.as_str()))
    }

    /// Keeps a parsed value, or records why the value was refused.
    pub(crate) fn check<T>(&mut self, column: &str, value: &str, parsed: Result<T, String>) -> Option<T> {
        parsed.map_err(|reason| self.fail(column, Some(value), reason)).ok()
    }
}
