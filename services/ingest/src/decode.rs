//! From bytes to a storable event, or to the errors that explain why not.

use provisio_events::{ErrorCode, Event, FieldError, check_subject, event_id_of, validate};
use provisio_store::NewEvent;
use serde::Serialize;

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

/// Decodes one event's JSON text. With a `subject` (NATS), the subject must agree with the
/// event's source and type.
pub fn decode(raw: &str, subject: Option<&str>) -> Result<Candidate, Rejection> {
    let value: serde_json::Value = serde_json::from_str(raw).map_err(|e| Rejection {
        id: None,
        errors: vec![FieldError::new(ErrorCode::InvalidJson, "", format!("the body is not JSON: {e}"))],
    })?;
    let event = validate(&value).map_err(|errors| Rejection { id: event_id_of(&value).map(str::to_owned), errors })?;
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
        let r = decode("{not json", None).unwrap_err();
        assert_eq!(r.id, None);
        assert_eq!(r.errors[0].code, ErrorCode::InvalidJson);
    }

    #[test]
    fn a_subject_that_names_another_provider_is_a_mismatch() {
        let raw = example_json(EventType::ProvisionOffered).to_string();
        assert!(decode(&raw, Some("lp.v1.provider.10006570.lp.provision.offered.v1")).is_ok());
        let r = decode(&raw, Some("lp.v1.provider.10000001.lp.provision.offered.v1")).unwrap_err();
        assert_eq!(r.errors[0].code, ErrorCode::SubjectMismatch);
        assert_eq!(r.id.as_deref(), Some("example-lp.provision.offered.v1"));
        let r = decode(&raw, Some("lp.v1.provider.10006570.lp.provision.withdrawn.v1")).unwrap_err();
        assert_eq!(r.errors[0].code, ErrorCode::SubjectMismatch);
    }

    #[test]
    fn the_raw_text_is_kept_as_received() {
        let raw = format!("  {}\n", example_json(EventType::ProviderRegistered));
        assert_eq!(decode(&raw, None).unwrap().raw, raw);
    }
}
