//! Field-level validation errors: which field, which rule, which value.

use serde::Serialize;
use std::fmt;

/// Stable machine-readable codes of event rejections (CONTRACT sections 2 and 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// The body is not JSON at all.
    InvalidJson,
    /// The JSON is not an object, so it cannot be an event.
    NotAnEvent,
    /// A required field is absent.
    MissingField,
    /// A field has the wrong JSON type (a number where a string is expected, ...).
    InvalidType,
    /// A field has the right type but a value outside its form or list.
    InvalidValue,
    /// The event `type` is not one of the contract's.
    UnknownType,
    /// `source` disagrees with the event type or with `data.ukprn` / `data.partnership_id`.
    SourceMismatch,
    /// The NATS subject disagrees with the event's `source` or `type`.
    SubjectMismatch,
    /// Two offers of one curriculum plan share an offer id.
    DuplicateOfferId,
    /// The event's JSON text is longer than the service accepts (on every way in).
    TooLarge,
    /// The event's JSON is nested deeper than the service accepts (on every way in).
    TooDeep,
    /// The source is the service's own (`urn:public`): no client may send its events.
    SourceNotAllowed,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid-json",
            ErrorCode::NotAnEvent => "not-an-event",
            ErrorCode::MissingField => "missing-field",
            ErrorCode::InvalidType => "invalid-type",
            ErrorCode::InvalidValue => "invalid-value",
            ErrorCode::UnknownType => "unknown-type",
            ErrorCode::SourceMismatch => "source-mismatch",
            ErrorCode::SubjectMismatch => "subject-mismatch",
            ErrorCode::DuplicateOfferId => "duplicate-offer-id",
            ErrorCode::TooLarge => "too-large",
            ErrorCode::TooDeep => "too-deep",
            ErrorCode::SourceNotAllowed => "source-not-allowed",
        }
    }
}

/// One problem with one field of an event. `field` is a path into the event
/// (`id`, `data.subject`, `data.offers[2].places`); empty for the event as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub code: ErrorCode,
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code, field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() { f.write_str(&self.message) } else { write!(f, "{}: {}", self.field, self.message) }
    }
}

/// Quotes a value for a message, cutting very long ones so an error never echoes a megabyte.
pub(crate) fn quote(value: &str) -> String {
    const MAX: usize = 80;
    if value.chars().count() <= MAX {
        serde_json::to_string(value).unwrap_or_default()
    } else {
        let cut: String = value.chars().take(MAX).collect();
        format!("{}…", serde_json::to_string(&cut).unwrap_or_default())
    }
}
