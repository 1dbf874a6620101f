//! From bytes to a storable event, or to the errors that explain why not. Every way in (HTTP,
//! NATS, imports) decodes here, so every way in applies the same [`EventLimits`].

use provisio_events::{ErrorCode, Event, FieldError, check_subject, event_id_of, validate, validate_stored};
use provisio_store::NewEvent;
use serde::Serialize;
use std::borrow::Cow;

/// Longest id given back or stored with a rejection, in bytes: a valid id has at most 128, so
/// a longer one is echoed only far enough to be recognised.
pub const MAX_ECHOED_ID_BYTES: usize = 256;

/// Longest body stored with a rejection, in bytes; enough to see what was sent.
pub const MAX_STORED_BODY_BYTES: usize = 4 * 1024;

/// What one event may be, whichever way it comes in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLimits {
    /// Longest JSON text of one event, in bytes (NATS's default largest message).
    pub max_event_bytes: usize,
    /// Deepest nesting of arrays and objects in one event.
    pub max_json_depth: usize,
}

impl Default for EventLimits {
    fn default() -> Self {
        Self { max_event_bytes: 1024 * 1024, max_json_depth: 64 }
    }
}

/// The depth of the deepest array or object in a JSON text, strings skipped; cheap enough to
/// run before parsing, so a hostile body cannot make the parser recurse.
pub fn json_depth(body: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// At most `max_bytes` of `text` (cut at a character boundary), ending in `…` when cut.
pub fn bounded_prefix(text: &str, max_bytes: usize) -> Cow<'_, str> {
    if text.len() <= max_bytes {
        return Cow::Borrowed(text);
    }
    let end = (0..=max_bytes).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    Cow::Owned(format!("{}…", &text[..end]))
}

/// A valid event ready to be stored, with its JSON exactly as received.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub event: Event,
    pub raw: String,
    pub key_id: Option<String>,
}

impl Candidate {
    pub(crate) fn to_new_event(&self) -> NewEvent {
        NewEvent::from_event(&self.event, self.raw.clone(), self.key_id.clone())
    }
}

/// Why a message was refused: the event id when the body had one, and every error found.
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    pub id: Option<String>,
    pub errors: Vec<FieldError>,
}

impl Rejection {
    fn whole(code: ErrorCode, message: String) -> Self {
        Self { id: None, errors: vec![FieldError::new(code, "", message)] }
    }
}

/// Decodes one event's JSON text within `limits`. With a `subject` (NATS), the subject must
/// agree with the event's source and type. A rejection's id is cut to `MAX_ECHOED_ID_BYTES`.
pub fn decode(raw: &str, subject: Option<&str>, limits: &EventLimits) -> Result<Candidate, Rejection> {
    decode_with(raw, subject, limits, validate)
}

/// Decodes an event this service published itself (it carried the service's token): events
/// of its own source `urn:public`, which `decode` refuses from anyone else, are accepted.
pub(crate) fn decode_own(raw: &str, subject: Option<&str>, limits: &EventLimits) -> Result<Candidate, Rejection> {
    decode_with(raw, subject, limits, validate_stored)
}

/// A candidate for an event the service makes itself (`urn:public`), never sent by a client.
pub fn own_candidate(event: Event) -> Candidate {
    Candidate { raw: event.to_json().to_string(), event, key_id: None }
}

fn decode_with(
    raw: &str,
    subject: Option<&str>,
    limits: &EventLimits,
    validate: fn(&serde_json::Value) -> Result<Event, Vec<FieldError>>,
) -> Result<Candidate, Rejection> {
    if raw.len() > limits.max_event_bytes {
        let message = format!("the event is {} bytes long; at most {} are accepted", raw.len(), limits.max_event_bytes);
        return Err(Rejection::whole(ErrorCode::TooLarge, message));
    }
    if json_depth(raw.as_bytes()) > limits.max_json_depth {
        let message = format!("the JSON is nested deeper than {} levels", limits.max_json_depth);
        return Err(Rejection::whole(ErrorCode::TooDeep, message));
    }
    let value: serde_json::Value = serde_json::from_str(raw)
        .map_err(|e| Rejection::whole(ErrorCode::InvalidJson, format!("the body is not JSON: {e}")))?;
    let event = validate(&value).map_err(|errors| Rejection {
        id: event_id_of(&value).map(|id| bounded_prefix(id, MAX_ECHOED_ID_BYTES).into_owned()),
        errors,
    })?;
    if let Some(subject) = subject {
        check_subject(subject, &event).map_err(|e| Rejection { id: Some(event.id.to_string()), errors: vec![e] })?;
    }
    Ok(Candidate { event, raw: raw.to_owned(), key_id: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use provisio_events::EventType;
    use provisio_events::example::example_json;

    #[test]
    fn a_body_that_is_not_json_names_no_id() {
        let r = decode("{not json", None, &EventLimits::default()).unwrap_err();
        assert_eq!(r.id, None);
        assert_eq!(r.errors[0].code, ErrorCode::InvalidJson);
    }

    #[test]
    fn a_subject_that_names_another_provider_is_a_mismatch() {
        let raw = example_json(EventType::ProvisionOffered).to_string();
        assert!(decode(&raw, Some("lp.v1.provider.10006570.lp.provision.offered.v1"), &EventLimits::default()).is_ok());
        let r =
            decode(&raw, Some("lp.v1.provider.10000001.lp.provision.offered.v1"), &EventLimits::default()).unwrap_err();
        assert_eq!(r.errors[0].code, ErrorCode::SubjectMismatch);
        assert_eq!(r.id.as_deref(), Some("example-lp.provision.offered.v1"));
        let r = decode(&raw, Some("lp.v1.provider.10006570.lp.provision.withdrawn.v1"), &EventLimits::default())
            .unwrap_err();
        assert_eq!(r.errors[0].code, ErrorCode::SubjectMismatch);
    }

    #[test]
    fn the_raw_text_is_kept_as_received() {
        let raw = format!("  {}\n", example_json(EventType::ProviderRegistered));
        assert_eq!(decode(&raw, None, &EventLimits::default()).unwrap().raw, raw);
    }

    #[test]
    fn depth_counts_containers_not_brackets_in_strings() {
        assert_eq!(json_depth(br#"{"a": [1, {"b": "[[[["}]}"#), 3);
        assert_eq!(json_depth(b"42"), 0);
        assert_eq!(json_depth(br#"{"a": "\"{"}"#), 1);
        assert_eq!(json_depth(&vec![b'['; 10_000]), 10_000);
    }

    #[test]
    fn events_over_the_limits_are_refused_before_parsing() {
        let limits = EventLimits { max_event_bytes: 2_000, max_json_depth: 4 };
        let mut deep = example_json(EventType::ProvisionOffered);
        deep["data"]["extra"] = serde_json::json!([[[[1]]]]);
        let r = decode(&deep.to_string(), None, &limits).unwrap_err();
        assert_eq!((r.id, r.errors[0].code), (None, ErrorCode::TooDeep));
        let mut long = example_json(EventType::ProvisionOffered);
        long["data"]["description"] = serde_json::json!("x".repeat(2_000));
        let r = decode(&long.to_string(), None, &limits).unwrap_err();
        assert_eq!(r.errors[0].code, ErrorCode::TooLarge);
    }

    #[test]
    fn a_long_id_is_echoed_cut_with_a_marker() {
        let mut e = example_json(EventType::ProvisionOffered);
        e["id"] = serde_json::json!("é".repeat(10_000));
        let r = decode(&e.to_string(), None, &EventLimits::default()).unwrap_err();
        let id = r.id.unwrap();
        assert!(id.len() <= MAX_ECHOED_ID_BYTES + '…'.len_utf8() && id.ends_with('…'), "{id}");
        assert_eq!(bounded_prefix("short", 10), "short");
        assert_eq!(bounded_prefix("abcdef", 3), "abc…");
    }
}
