//! Validation: a JSON value in, a typed [`Event`] or every problem found out.
//!
//! Validation never stops at the first error: a producer fixing a rejected event should see
//! all of its problems at once, each with the path of the field, the rule and the value.

use crate::error::{ErrorCode, FieldError, quote};
use crate::event::*;
use crate::vocab::*;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt::{self, Display};

/// Longest free-text fields (names, titles), in characters.
pub const MAX_NAME_CHARS: usize = 500;
/// Longest notes and reasons, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;
/// Most offers one curriculum plan may list.
pub const MAX_PLAN_OFFERS: usize = 20_000;
/// Longest target title (v2), in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest web address (v2), in characters.
pub const MAX_URL_CHARS: usize = 2_000;

/// Validates one event. The error list is never empty.
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
    fn err(&mut self, code: ErrorCode, field: String, message: String) {
        self.errors.push(FieldError::new(code, field, message));
    }

    /// A present, non-null field; absence or null is reported.
    fn required<'v>(&mut self, o: &Obj<'v, '_>, key: &str) -> Option<&'v Value> {
        match o.map.get(key) {
            Some(Value::Null) | None => {
                self.err(ErrorCode::MissingField, o.at(key).to_string(), "is required".into());
                None
            }
            Some(v) => Some(v),
        }
    }

    /// A field that may be absent; `null` counts as absent.
    fn optional<'v>(&self, o: &Obj<'v, '_>, key: &str) -> Option<&'v Value> {
        o.map.get(key).filter(|v| !v.is_null())
    }

    fn string<'v>(&mut self, path: Path<'_>, v: &'v Value, what: &str) -> Option<&'v str> {
        match v {
            Value::String(s) => Some(s),
            other => {
                self.err(
                    ErrorCode::InvalidType,
                    path.to_string(),
                    format!("expected {what} as a JSON string, got {}", json_kind(other)),
                );
                None
            }
        }
    }

    fn vocab<T: Vocab>(&mut self, path: Path<'_>, v: &Value) -> Option<T> {
        let s = self.string(path, v, T::EXPECTED)?;
        let parsed = T::parse(s);
        if parsed.is_none() {
            self.err(ErrorCode::InvalidValue, path.to_string(), format!("{} is not {}", quote(s), T::EXPECTED));
        }
        parsed
    }

    fn req_vocab<T: Vocab>(&mut self, o: &Obj<'_, '_>, key: &str) -> Option<T> {
        let v = self.required(o, key)?;
        self.vocab(o.at(key), v)
    }

    fn opt_vocab<T: Vocab>(&mut self, o: &Obj<'_, '_>, key: &str) -> Option<Option<T>> {
        match self.optional(o, key) {
            None => Some(None),
            Some(v) => self.vocab(o.at(key), v).map(Some),
        }
    }

    fn text(&mut self, path: Path<'_>, v: &Value, max: usize) -> Option<String> {
        let s = self.string(path, v, "text")?;
        let len = s.chars().count();
        if s.trim().is_empty() {
            self.err(ErrorCode::InvalidValue, path.to_string(), "must not be empty".into());
            None
        } else if len > max {
            self.err(
                ErrorCode::InvalidValue,
                path.to_string(),
                format!("is {len} characters long; at most {max} are allowed"),
            );
            None
        } else {
            Some(s.to_owned())
        }
    }

    fn req_text(&mut self, o: &Obj<'_, '_>, key: &str, max: usize) -> Option<String> {
        let v = self.required(o, key)?;
        self.text(o.at(key), v, max)
    }

    fn opt_text(&mut self, o: &Obj<'_, '_>, key: &str, max: usize) -> Option<Option<String>> {
        match self.optional(o, key) {
            None => Some(None),
            Some(v) => self.text(o.at(key), v, max).map(Some),
        }
    }

    /// A v2 optional field: as `read` finds it, except that in a stored event a malformed
    /// one is absent.
    fn v2<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<Option<T>>) -> Option<Option<T>> {
        let before = self.errors.len();
        let value = read(self);
        if value.is_none() && self.stored {
            self.errors.truncate(before);
            return Some(None);
        }
        value
    }

    /// An optional `http://` or `https://` address with a host and no spaces.
    fn opt_url(&mut self, o: &Obj<'_, '_>, key: &str) -> Option<Option<String>> {
        let url = self.opt_text(o, key, MAX_URL_CHARS)?;
        let Some(url) = url else { return Some(None) };
        let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        let formed = host.is_some_and(|h| !h.is_empty() && !h.starts_with('/'))
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        if !formed {
            let message = format!("{} is not an http:// or https:// address", quote(&url));
            self.err(ErrorCode::InvalidValue, o.at(key).to_string(), message);
            return None;
        }
        Some(Some(url))
    }

    fn integer(&mut self, path: Path<'_>, v: &Value, min: u32) -> Option<u32> {
        let expected = || format!("an integer from {min} to {}", u32::MAX);
        match v {
            Value::Number(n) => match n.as_u64().filter(|&i| i >= u64::from(min)).and_then(|i| u32::try_from(i).ok()) {
                Some(i) => Some(i),
                None => {
                    self.err(ErrorCode::InvalidValue, path.to_string(), format!("{n} is not {}", expected()));
                    None
                }
            },
            other => {
                self.err(
                    ErrorCode::InvalidType,
                    path.to_string(),
                    format!("expected {}, got {}", expected(), json_kind(other)),
                );
                None
            }
        }
    }

    fn req_integer(&mut self, o: &Obj<'_, '_>, key: &str, min: u32) -> Option<u32> {
        let v = self.required(o, key)?;
        self.integer(o.at(key), v, min)
    }

    fn opt_integer(&mut self, o: &Obj<'_, '_>, key: &str, min: u32) -> Option<Option<u32>> {
        match self.optional(o, key) {
            None => Some(None),
            Some(v) => self.integer(o.at(key), v, min).map(Some),
        }
    }

    fn opt_number(
        &mut self,
        o: &Obj<'_, '_>,
        key: &str,
        range: std::ops::RangeInclusive<f64>,
        expected: &str,
    ) -> Option<Option<f64>> {
        let Some(v) = self.optional(o, key) else { return Some(None) };
        let path = o.at(key).to_string();
        match v.as_f64() {
            Some(x) if range.contains(&x) => Some(Some(x)),
            Some(x) => {
                self.err(ErrorCode::InvalidValue, path, format!("{x} is not {expected}"));
                None
            }
            None => {
                self.err(ErrorCode::InvalidType, path, format!("expected {expected}, got {}", json_kind(v)));
                None
            }
        }
    }

    fn object<'v, 'p>(&mut self, path: Path<'p>, v: &'v Value) -> Option<Obj<'v, 'p>> {
        match v {
            Value::Object(m) => Some(Obj::new(m, path)),
            other => {
                self.err(
                    ErrorCode::InvalidType,
                    path.to_string(),
                    format!("expected an object, got {}", json_kind(other)),
                );
                None
            }
        }
    }

    fn array<'v>(&mut self, path: Path<'_>, v: &'v Value) -> Option<&'v Vec<Value>> {
        match v {
            Value::Array(a) => Some(a),
            other => {
                self.err(
                    ErrorCode::InvalidType,
                    path.to_string(),
                    format!("expected an array, got {}", json_kind(other)),
                );
                None
            }
        }
    }

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
                if parsed.is_none() {
                    self.err(
                        ErrorCode::InvalidValue,
                        "source".into(),
                        format!("{} is not a source (urn:ukprn:<UKPRN> or urn:lp:<partnership id>)", quote(s)),
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
            && t.source_kind() != s.kind()
        {
            self.err(
                ErrorCode::SourceMismatch,
                "source".into(),
                format!(
                    "{t} comes from a {} source ({}), not {}",
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
                if let (Some(p), Some(Source::Partnership(s))) = (&pid, source)
                    && p != s
                {
                    self.err(
                        ErrorCode::SourceMismatch,
                        d.at("partnership_id").to_string(),
                        format!("{} differs from the source's partnership id {}", quote(p.as_str()), quote(s.as_str())),
                    );
                }
                let pid = pid?;
                self.partnership_payload(t, d, pid)
            }
        }
    }

    fn provider_payload(&mut self, t: EventType, d: &Obj<'_, '_>, ukprn: Ukprn) -> Option<Payload> {
        Some(match t {
            EventType::ProviderRegistered => {
                let name = self.req_text(d, "name", MAX_NAME_CHARS);
                let kind = self.req_vocab::<ProviderKind>(d, "kind");
                let website = self.v2(|v| v.opt_url(d, "website"));
                Payload::ProviderRegistered(ProviderRegistered { ukprn, name: name?, kind: kind?, website: website? })
            }
            EventType::VenueRegistered => {
                let venue_id = self.req_vocab::<LocalId>(d, "venue_id");
                let name = self.req_text(d, "name", MAX_NAME_CHARS);
                let postcode = self.req_text(d, "postcode", 16);
                let area = self.req_vocab::<AreaCode>(d, "area");
                let lat = self.opt_number(d, "lat", -90.0..=90.0, "a latitude from -90 to 90");
                let lon = self.opt_number(d, "lon", -180.0..=180.0, "a longitude from -180 to 180");
                Payload::VenueRegistered(VenueRegistered {
                    ukprn,
                    venue_id: venue_id?,
                    name: name?,
                    postcode: postcode?,
                    area: area?,
                    lat: lat?,
                    lon: lon?,
                })
            }
            EventType::ProvisionOffered => {
                let academic_year = self.req_vocab::<AcademicYear>(d, "academic_year");
                let offer = self.offer(d);
                Payload::ProvisionOffered(ProvisionOffered { ukprn, academic_year: academic_year?, offer: offer? })
            }
            EventType::ProvisionWithdrawn => {
                let offer_id = self.req_vocab::<LocalId>(d, "offer_id");
                let reason = self.opt_text(d, "reason", MAX_NOTE_CHARS);
                Payload::ProvisionWithdrawn(ProvisionWithdrawn { ukprn, offer_id: offer_id?, reason: reason? })
            }
            EventType::EnrolmentReported => {
                let offer_id = self.req_vocab::<LocalId>(d, "offer_id");
                let enrolled = self.req_integer(d, "enrolled", 0);
                let as_of = self.req_vocab::<Date>(d, "as_of");
                Payload::EnrolmentReported(EnrolmentReported {
                    ukprn,
                    offer_id: offer_id?,
                    enrolled: enrolled?,
                    as_of: as_of?,
                })
            }
            EventType::CurriculumPublished => {
                let academic_year = self.req_vocab::<AcademicYear>(d, "academic_year");
                let offers = self.plan_offers(d);
                Payload::CurriculumPublished(CurriculumPublished {
                    ukprn,
                    academic_year: academic_year?,
                    offers: offers?,
                })
            }
            _ => unreachable!("partnership event types are handled by partnership_payload"),
        })
    }

    fn plan_offers(&mut self, d: &Obj<'_, '_>) -> Option<Vec<OfferSpec>> {
        let path = d.at("offers");
        let items = self.required(d, "offers").and_then(|v| self.array(path, v))?;
        if items.len() > MAX_PLAN_OFFERS {
            self.err(
                ErrorCode::InvalidValue,
                path.to_string(),
                format!("lists {} offers; at most {MAX_PLAN_OFFERS} are allowed", items.len()),
            );
            return None;
        }
        let mut seen = HashSet::new();
        let mut offers = Vec::with_capacity(items.len());
        let mut complete = true;
        for (i, item) in items.iter().enumerate() {
            let item_path = Path::Item(&path, i);
            let Some(o) = self.object(item_path, item) else {
                complete = false;
                continue;
            };
            match self.offer(&o) {
                Some(offer) => {
                    if !seen.insert(offer.offer_id.clone()) {
                        self.err(
                            ErrorCode::DuplicateOfferId,
                            o.at("offer_id").to_string(),
                            format!("{} is listed twice in this plan", quote(offer.offer_id.as_str())),
                        );
                        complete = false;
                    }
                    offers.push(offer);
                }
                None => complete = false,
            }
        }
        complete.then_some(offers)
    }

    fn offer(&mut self, o: &Obj<'_, '_>) -> Option<OfferSpec> {
        let offer_id = self.req_vocab::<LocalId>(o, "offer_id");
        let venue_id = self.req_vocab::<LocalId>(o, "venue_id");
        let title = self.req_text(o, "title", MAX_NAME_CHARS);
        let subject = self.req_vocab::<SubjectCode>(o, "subject");
        let level = self.req_vocab::<Level>(o, "level");
        let age_group = self.req_vocab::<AgeGroup>(o, "age_group");
        let mode = self.req_vocab::<Mode>(o, "mode");
        let places = self.req_integer(o, "places", 1);
        let status = self.opt_vocab::<OfferStatus>(o, "status");
        let start_date = self.opt_vocab::<Date>(o, "start_date");
        let duration_weeks = self.opt_integer(o, "duration_weeks", 1);
        let lars_aim = self.opt_text(o, "lars_aim", 32);
        Some(OfferSpec {
            offer_id: offer_id?,
            venue_id: venue_id?,
            title: title?,
            subject: subject?,
            level: level?,
            age_group: age_group?,
            mode: mode?,
            places: places?,
            status: status?.unwrap_or(OfferStatus::Confirmed),
            start_date: start_date?,
            duration_weeks: duration_weeks?,
            lars_aim: lars_aim?,
        })
    }

    fn partnership_payload(&mut self, t: EventType, d: &Obj<'_, '_>, partnership_id: PartnershipId) -> Option<Payload> {
        Some(match t {
            EventType::PartnershipRegistered => {
                let name = self.req_text(d, "name", MAX_NAME_CHARS);
                let areas = self.areas(d);
                let rules = match self.optional(d, "rules") {
                    None => Some(None),
                    Some(v) => self.object(d.at("rules"), v).and_then(|r| self.rules(&r)).map(Some),
                };
                Payload::PartnershipRegistered(PartnershipRegistered {
                    partnership_id,
                    name: name?,
                    areas: areas?,
                    rules: rules?,
                })
            }
            EventType::NeedIdentified => {
                let need_id = self.req_vocab::<LocalId>(d, "need_id");
                let subject = self.req_vocab::<SubjectCode>(d, "subject");
                let level = self.req_vocab::<Level>(d, "level");
                let age_group = self.req_vocab::<AgeGroup>(d, "age_group");
                let academic_year = self.req_vocab::<AcademicYear>(d, "academic_year");
                let learners = self.req_integer(d, "learners", 1);
                let evidence = self.req_vocab::<Evidence>(d, "evidence");
                let mode = self.opt_vocab::<Mode>(d, "mode");
                let area = self.opt_vocab::<AreaCode>(d, "area");
                let note = self.opt_text(d, "note", MAX_NOTE_CHARS);
                Payload::NeedIdentified(NeedIdentified {
                    partnership_id,
                    need_id: need_id?,
                    subject: subject?,
                    level: level?,
                    age_group: age_group?,
                    academic_year: academic_year?,
                    learners: learners?,
                    evidence: evidence?,
                    mode: mode?,
                    area: area?,
                    note: note?,
                })
            }
            EventType::NeedWithdrawn => {
                let need_id = self.req_vocab::<LocalId>(d, "need_id");
                let reason = self.opt_text(d, "reason", MAX_NOTE_CHARS);
                Payload::NeedWithdrawn(NeedWithdrawn { partnership_id, need_id: need_id?, reason: reason? })
            }
            EventType::TargetSet => {
                let target_id = self.req_vocab::<LocalId>(d, "target_id");
                let academic_year = self.req_vocab::<AcademicYear>(d, "academic_year");
                let measure = self.req_vocab::<Measure>(d, "measure");
                let value = self.req_integer(d, "value", 1);
                let subject = self.opt_vocab::<SubjectCode>(d, "subject");
                let level = self.opt_vocab::<Level>(d, "level");
                let age_group = self.opt_vocab::<AgeGroup>(d, "age_group");
                let title = self.v2(|v| v.opt_text(d, "title", MAX_TITLE_CHARS));
                Payload::TargetSet(TargetSet {
                    partnership_id,
                    target_id: target_id?,
                    academic_year: academic_year?,
                    measure: measure?,
                    value: value?,
                    subject: subject?,
                    level: level?,
                    age_group: age_group?,
                    title: title?,
                })
            }
            _ => unreachable!("provider event types are handled by provider_payload"),
        })
    }

    fn areas(&mut self, d: &Obj<'_, '_>) -> Option<Vec<AreaCode>> {
        let path = d.at("areas");
        let items = self.required(d, "areas").and_then(|v| self.array(path, v))?;
        if items.is_empty() {
            self.err(ErrorCode::InvalidValue, path.to_string(), "must list at least one area".into());
            return None;
        }
        let parsed: Vec<Option<AreaCode>> =
            items.iter().enumerate().map(|(i, a)| self.vocab::<AreaCode>(Path::Item(&path, i), a)).collect();
        let mut areas: Vec<AreaCode> = parsed.into_iter().collect::<Option<_>>()?;
        areas.sort();
        areas.dedup();
        Some(areas)
    }

    fn rules(&mut self, r: &Obj<'_, '_>) -> Option<Rules> {
        let surplus_tolerance = self.opt_number(r, "surplus_tolerance", 0.0..=f64::MAX, "a number ≥ 0");
        let viable_fill_rate = self.opt_number(r, "viable_fill_rate", 0.0..=1.0, "a number from 0 to 1");
        let min_group_size = self.opt_integer(r, "min_group_size", 0);
        Some(Rules {
            surplus_tolerance: surplus_tolerance?,
            viable_fill_rate: viable_fill_rate?,
            min_group_size: min_group_size?,
        })
    }
}

fn is_json_media_type(s: &str) -> bool {
    s.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}
