//! NATS subjects of CONTRACT section 4: where an event is published and where it is answered.

use crate::error::{ErrorCode, FieldError, quote};
use crate::event::{Event, EventType, Source};

/// The JetStream stream that holds every event.
pub const STREAM_NAME: &str = "LP_EVENTS";
/// The subjects of that stream.
pub const STREAM_SUBJECTS: &str = "lp.v1.>";

/// `lp.v1.provider.<UKPRN>.<type>`, `lp.v1.partnership.<id>.<type>` or
/// `lp.v1.member.<id>.<member id>.<type>`.
pub fn subject_for(source: &Source, event_type: EventType) -> String {
    match source {
        Source::Member(p, m) => format!("lp.v1.member.{p}.{m}.{event_type}"),
        _ => format!("lp.v1.{}.{}.{}", source.kind().as_str(), source.owner(), event_type.as_str()),
    }
}

/// `lp.v1.member.<id>.<member id>.>`: every subject a member may publish on.
pub fn member_subjects(partnership_id: &str, member_id: &str) -> String {
    format!("lp.v1.member.{partnership_id}.{member_id}.>")
}

/// The owner token of an event subject (UKPRN or partnership id, a member's partnership),
/// used to answer rejections.
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

/// The reply inbox prefix of NATS user `user`, `_INBOX_<user>`: `provisio nats-config` lets
/// each user read only its own, and the clients take theirs from the user in their URL.
/// `None` when the name cannot be one token of a subject.
pub fn inbox_prefix_for(user: &str) -> Option<String> {
    let plain = !user.is_empty() && user.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then(|| format!("_INBOX_{user}"))
}

#[cfg(test)]
mod tests {
    use super::inbox_prefix_for;

    #[test]
    fn a_user_s_inbox_prefix_is_one_subject_token() {
        assert_eq!(inbox_prefix_for("0a1b2c3d4e5f").as_deref(), Some("_INBOX_0a1b2c3d4e5f"));
        assert_eq!(inbox_prefix_for("provisio").as_deref(), Some("_INBOX_provisio"));
        for user in ["", "a.b", "a*", ">", "a b", "ü"] {
            assert_eq!(inbox_prefix_for(user), None, "{user:?}");
        }
    }
}
