//! Validation: a JSON value in, a typed [`Event`] or every problem found out.
//!
//! Validation never stops at the first error: a producer fixing a rejected event should see
//! all of its problems at once, each with the path of the field, the rule and the value.

use crate::error::{ErrorCode, FieldError, quote};
use crate::event::*;
use crate::vocab::*;
use serde_json::{Map, Value};
use std::fmt::{self, Display};

pub use plan::MAX_PLAN_ITEMS;

mod collab;
mod fields;
mod partnership;
mod plan;
mod provider;
mod public;

/// Longest free-text fields (names, titles), in characters.
pub const MAX_NAME_CHARS: usize = 500;
/// Longest notes and reasons, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;
/// Most draft changes one proposal may carry (CONTRACT section 8).
pub const MAX_PROPOSAL_CHANGES: usize = 100;
/// Most offers one curriculum plan may list.
pub const MAX_PLAN_OFFERS: usize = 20_000;
/// Longest target title (v2), in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest web address (v2), in characters.
pub const MAX_URL_CHARS: usize = 2_000;
/// Longest offer description (v2), in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;

/// Validates one event sent by a client (HTTP, NATS, imports, drafts). The error list is never
/// empty. Events of the service's own source `urn:public` are refused: only the service records
/// them, and it builds them typed.
pub fn validate(value: &Value) -> Result<Event, Vec<FieldError>> {
    run(value, Validator::default())
}

/// Reads an event from the log. The log holds accepted events only, but one accepted before
/// the v2 fields existed may carry one (then an unknown field) that breaks their forms: that
/// field is read as absent (CONTRACT section 11) instead of losing the whole event.
pub fn validate_stored(value: &Value) -> Result<Event, Vec<FieldError>> {
    run(value, Validator { stored: true, ..Validator::default() })
}

fn run(value: &Value, mut v: Validator) -> Result<Event, Vec<FieldError>> {
    let Value::Object(map) = value else {
        return Err(vec![FieldError::new(
            ErrorCode::NotAnEvent,
            "",
            format!("expected a CloudEvents object, got {}", json_kind(value)),
        )]);
    };
    let event = v.event(map);
    match event {
        Some(e) if v.errors.is_empty() => Ok(e),
        _ => Err(v.errors),
    }
}

/// The event id as given, for reporting a rejection: `None` when the body has no string `id`.
pub fn event_id_of(value: &Value) -> Option<&str> {
    value.get("id").and_then(Value::as_str)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Where a value sits in the event (`data.offers[3].title`), written out only when an error
/// names it: a valid event costs no path strings (formatting them was half of validating).
#[derive(Debug, Clone, Copy)]
enum Path<'p> {
    Root,
    Field(&'p Path<'p>, &'p str),
    Item(&'p Path<'p>, usize),
}

impl Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Path::Root => Ok(()),
            Path::Field(Path::Root, key) => f.write_str(key),
            Path::Field(parent, key) => write!(f, "{parent}.{key}"),
            Path::Item(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// A JSON object being read, with its path.
struct Obj<'a, 'p> {
    map: &'a Map<String, Value>,
    path: Path<'p>,
}

impl<'a, 'p> Obj<'a, 'p> {
    fn new(map: &'a Map<String, Value>, path: Path<'p>) -> Self {
        Self { map, path }
    }

    /// The path of one of its fields.
    fn at<'s>(&'s self, key: &'s str) -> Path<'s> {
        Path::Field(&self.path, key)
    }
}

#[derive(Default)]
struct Validator {
    errors: Vec<FieldError>,
    /// Reading the log: a v2 optional field that breaks its form is read as absent.
    stored: bool,
}

impl Validator {
    fn event(&mut self, map: &Map<String, Value>) -> Option<Event> {
        let top = Obj::new(map, Path::Root);
        if let Some(v) = self.required(&top, "specversion")
            && let Some(s) = self.string(top.at("specversion"), v, "the CloudEvents specversion")
            && s != "1.0"
        {
            self.err(
                ErrorCode::InvalidValue,
                "specversion".into(),
                format!("{} is not a supported CloudEvents specversion (expected \"1.0\")", quote(s)),
            );
        }
        let id = self.req_vocab::<EventId>(&top, "id");
        let source = match self.required(&top, "source") {
            Some(v) => self.string(top.at("source"), v, "a source URI").and_then(|s| {
                let parsed = Source::parse(s);
                if parsed == Some(Source::Public) && !self.stored {
                    self.err(
                        ErrorCode::SourceNotAllowed,
                        "source".into(),
                        format!("{} is the service's own source; its events cannot be submitted", quote(s)),
                    );
                }
                if parsed.is_none() {
                    self.err(
                        ErrorCode::InvalidValue,
                        "source".into(),
                        format!(
                        "{} is not a source (urn:ukprn:<UKPRN>, urn:lp:<partnership id> or urn:lp:<partnership id>:member:<member id>)",
                        quote(s)
                    ),
                    );
                }
                parsed
            }),
            None => None,
        };
        let event_type = match self.required(&top, "type") {
            Some(v) => self.string(top.at("type"), v, "an event type").and_then(|s| {
                let t = EventType::parse(s);
                if t.is_none() {
                    self.err(
                        ErrorCode::UnknownType,
                        "type".into(),
                        format!("{} is not an event type of this contract", quote(s)),
                    );
                }
                t
            }),
            None => None,
        };
        let time = self.req_vocab::<Timestamp>(&top, "time");
        if let Some(v) = self.optional(&top, "datacontenttype")
            && let Some(s) = self.string(top.at("datacontenttype"), v, "a media type")
            && !is_json_media_type(s)
        {
            self.err(
                ErrorCode::InvalidValue,
                "datacontenttype".into(),
                format!("{} is not application/json", quote(s)),
            );
        }
        if let (Some(t), Some(s)) = (event_type, &source)
            && !t.accepts(s.kind())
        {
            let member = if t.member_may_send() {
                format!(" or a member's ({})", SourceKind::Member.uri_form())
            } else {
                String::new()
            };
            self.err(
                ErrorCode::SourceMismatch,
                "source".into(),
                format!(
                    "{t} comes from a {} source ({}){member}, not {}",
                    t.source_kind().as_str(),
                    t.source_kind().uri_form(),
                    quote(&s.uri())
                ),
            );
        }
        let data = self.required(&top, "data").and_then(|v| self.object(top.at("data"), v));
        let payload = match (event_type, data) {
            (Some(t), Some(d)) => self.payload(t, &d, source.as_ref()),
            _ => None,
        };
        Some(Event { id: id?, source: source?, time: time?, payload: payload? })
    }

    fn payload(&mut self, t: EventType, d: &Obj<'_, '_>, source: Option<&Source>) -> Option<Payload> {
        // The owner named in `data` must be the event's source (CONTRACT section 2).
        match t.source_kind() {
            SourceKind::Provider => {
                let ukprn = self.req_vocab::<Ukprn>(d, "ukprn");
                if let (Some(u), Some(Source::Provider(s))) = (&ukprn, source)
                    && u != s
                {
                    self.err(
                        ErrorCode::SourceMismatch,
                        d.at("ukprn").to_string(),
                        format!("{} differs from the source's UKPRN {}", quote(u.as_str()), quote(s.as_str())),
                    );
                }
                let ukprn = ukprn?;
                self.provider_payload(t, d, ukprn)
            }
            SourceKind::Partnership => {
                let pid = self.req_vocab::<PartnershipId>(d, "partnership_id");
                if let (Some(p), Some(Source::Partnership(s) | Source::Member(s, _))) = (&pid, source)
                    && p != s
                {
                    self.err(
                        ErrorCode::SourceMismatch,
                        d.at("partnership_id").to_string(),
                        format!("{} differs from the source's partnership id {}", quote(p.as_str()), quote(s.as_str())),
                    );
                }
                let pid = pid?;
                match t {
                    EventType::MemberJoined
                    | EventType::MemberLeft
                    | EventType::ProposalMade
                    | EventType::ProposalResponded
                    | EventType::ProposalDecided => self.collab_payload(t, d, pid, source),
                    _ => self.partnership_payload(t, d, pid),
                }
            }
            // No event type is owned by a member source: `accepts` sent those here as partnership events.
            SourceKind::Member => None,
            SourceKind::Public => self.public_payload(t, d),
        }
    }
}
fn is_json_media_type(s: &str) -> bool {
    s.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}
