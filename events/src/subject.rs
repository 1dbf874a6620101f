//! NATS subjects of CONTRACT section 4: where an event is published and where it is answered.

use crate::error::{ErrorCode, FieldError, quote};
use crate::event::{Event, EventType, Source};

/// The JetStream stream that holds every event.
pub const STREAM_NAME: &str = "LP_EVENTS";
/// The subjects of that stream.
pub const STREAM_SUBJECTS: &str = "lp.v1.>";

/// `lp.v1.provider.<UKPRN>.<type>` or `lp.v1.partnership.<id>.<type>`.
pub fn subject_for(source: &Source, event_type: EventType) -> String {
    format!("lp.v1.{}.{}.{}", source.kind().as_str(), source.owner(), event_type.as_str())
}

/// The owner token of an event subject (UKPRN or partnership id), used to answer rejections.
pub fn subject_owner(subject: &str) -> Option<&str> {
    let mut parts = subject.splitn(5, '.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("lp"), Some("v1"), Some(_), Some(owner)) if !owner.is_empty() => Some(owner),
        _ => None,
    }
}

/// Where a rejection of a message published on `subject` is answered.
pub fn rejected_subject(subject: &str) -> String {
    format!("lp.rejected.{}", subject_owner(subject).unwrap_or("unknown"))
}

/// `lp.live.<partnership id>.<kind>`: where a change of a partnership's report row is pushed
/// on core NATS. The kind `>` makes the pattern of all of a partnership's live changes.
pub fn live_subject(partnership_id: &str, kind: &str) -> String {
    format!("lp.live.{partnership_id}.{kind}")
}

/// Checks that the subject a message arrived on names the event's source and type.
pub fn check_subject(subject: &str, event: &Event) -> Result<(), FieldError> {
    let expected = subject_for(&event.source, event.event_type());
    if subject == expected {
        Ok(())
    } else {
        Err(FieldError::new(
            ErrorCode::SubjectMismatch,
            "source",
            format!(
                "subject {} does not match the event's source and type (expected {})",
                quote(subject),
                quote(&expected)
            ),
        ))
    }
}
