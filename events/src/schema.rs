//! JSON Schemas (draft 2020-12) of the event types, built from the same vocabularies the
//! validator parses with. The files in `schemas/` are this module's output; a test fails when
//! they differ, and another checks each schema's fields against the validator.

use crate::event::EventType;
use crate::validate::{
    MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_PLAN_ITEMS, MAX_PLAN_OFFERS, MAX_PROPOSAL_CHANGES,
    MAX_TITLE_CHARS, MAX_URL_CHARS,
};
use crate::vocab::*;
use serde_json::{Map, Value, json};

/// How one field of `data` is formed.
#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    Vocab(fn() -> Value),
    Text(usize),
    /// An `http://` or `https://` address of at most this many characters.
    Url(usize),
    Integer(u32),
    Number {
        min: f64,
        max: Option<f64>,
    },
    /// An `https://` address of at most this many characters (v2 offer `url`).
    HttpsUrl(usize),
    /// A number greater than 0.
    Positive,
    /// A telephone number: digits, spaces, `+ - ( )`.
    Phone,
    Areas,
    Rules,
    Offers,
    /// v2: a plan's academic years (at least one).
    Years,
    /// v2: a plan's priorities, `[{"title", ("detail")}]`.
    Priorities,
    /// v2: ids of proposals.
    Ids,
    /// Row keys of the gap and duplication reports (CONTRACT section 8).
    RowKeys,
    /// Draft offered and withdrawn events of a proposal.
    DraftChanges,
    /// A partnership's guidance contact (v2 `iag`).
    Iag,
}

/// One field of an event's `data`.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    pub kind: FieldKind,
}

const fn req(name: &'static str, kind: FieldKind) -> Field {
    Field { name, required: true, kind }
}

const fn opt(name: &'static str, kind: FieldKind) -> Field {
    Field { name, required: false, kind }
}

fn v<T: Vocab>() -> FieldKind {
    FieldKind::Vocab(T::json_schema)
}

/// The fields of an offer, as in `provision.offered` and in a plan's `offers`.
pub fn offer_fields() -> Vec<Field> {
    vec![
        req("offer_id", v::<LocalId>()),
        req("venue_id", v::<LocalId>()),
        req("title", FieldKind::Text(MAX_NAME_CHARS)),
        req("subject", v::<SubjectCode>()),
        req("level", v::<Level>()),
        req("age_group", v::<AgeGroup>()),
        req("mode", v::<Mode>()),
        req("places", FieldKind::Integer(1)),
        opt("status", v::<OfferStatus>()),
        opt("start_date", v::<Date>()),
        opt("duration_weeks", FieldKind::Integer(1)),
        opt("lars_aim", FieldKind::Text(32)),
        opt("description", FieldKind::Text(MAX_DESCRIPTION_CHARS)),
        opt("url", FieldKind::HttpsUrl(MAX_URL_CHARS)),
        opt("fee", FieldKind::Number { min: 0.0, max: None }),
        opt("funding", v::<Funding>()),
        opt("hours_per_week", FieldKind::Positive),
    ]
}

/// The fields of `data` for an event type.
pub fn data_fields(t: EventType) -> Vec<Field> {
    let ukprn = req("ukprn", v::<Ukprn>());
    let partnership = req("partnership_id", v::<PartnershipId>());
    let name = req("name", FieldKind::Text(MAX_NAME_CHARS));
    let reason = opt("reason", FieldKind::Text(MAX_NOTE_CHARS));
    let year = req("academic_year", v::<AcademicYear>());
    match t {
        EventType::PartnershipRegistered => {
            vec![
                partnership,
                name,
                req("areas", FieldKind::Areas),
                opt("rules", FieldKind::Rules),
                opt("iag", FieldKind::Iag),
            ]
        }
        EventType::ProviderRegistered => {
            vec![
                ukprn,
                name,
                req("kind", v::<ProviderKind>()),
                opt("website", FieldKind::Url(MAX_URL_CHARS)),
                opt("phone", FieldKind::Phone),
            ]
        }
        EventType::VenueRegistered => vec![
            ukprn,
            req("venue_id", v::<LocalId>()),
            name,
            req("postcode", FieldKind::Text(16)),
            req("area", v::<AreaCode>()),
            opt("lat", FieldKind::Number { min: -90.0, max: Some(90.0) }),
            opt("lon", FieldKind::Number { min: -180.0, max: Some(180.0) }),
        ],
        EventType::ProvisionOffered => [vec![ukprn, year], offer_fields()].concat(),
        EventType::ProvisionWithdrawn => vec![ukprn, req("offer_id", v::<LocalId>()), reason],
        EventType::EnrolmentReported => vec![
            ukprn,
            req("offer_id", v::<LocalId>()),
            req("enrolled", FieldKind::Integer(0)),
            req("as_of", v::<Date>()),
        ],
        EventType::CurriculumPublished => vec![ukprn, year, req("offers", FieldKind::Offers)],
        EventType::NeedIdentified => vec![
            partnership,
            req("need_id", v::<LocalId>()),
            req("subject", v::<SubjectCode>()),
            req("level", v::<Level>()),
            req("age_group", v::<AgeGroup>()),
            year,
            req("learners", FieldKind::Integer(1)),
            req("evidence", v::<Evidence>()),
            opt("mode", v::<Mode>()),
            opt("area", v::<AreaCode>()),
            opt("note", FieldKind::Text(MAX_NOTE_CHARS)),
        ],
        EventType::NeedWithdrawn => vec![partnership, req("need_id", v::<LocalId>()), reason],
        EventType::MemberJoined => vec![
            partnership,
            req("member_id", v::<MemberId>()),
            name,
            req("kind", v::<MemberKind>()),
            opt("ukprn", v::<Ukprn>()),
            opt("contact", FieldKind::Text(MAX_NAME_CHARS)),
        ],
        EventType::MemberLeft => vec![partnership, req("member_id", v::<MemberId>()), reason],
        EventType::ProposalMade => vec![
            partnership,
            req("proposal_id", v::<LocalId>()),
            req("member_id", v::<MemberId>()),
            req("title", FieldKind::Text(MAX_NAME_CHARS)),
            req("kind", v::<ProposalKind>()),
            req("addresses", FieldKind::RowKeys),
            req("changes", FieldKind::DraftChanges),
            opt("summary", FieldKind::Text(MAX_NOTE_CHARS)),
            opt("due", v::<Date>()),
        ],
        EventType::ProposalResponded => vec![
            partnership,
            req("proposal_id", v::<LocalId>()),
            req("member_id", v::<MemberId>()),
            req("stance", v::<Stance>()),
            opt("comment", FieldKind::Text(MAX_NOTE_CHARS)),
        ],
        EventType::ProposalDecided => vec![
            partnership,
            req("proposal_id", v::<LocalId>()),
            req("decision", v::<Decision>()),
            opt("note", FieldKind::Text(MAX_NOTE_CHARS)),
        ],
        EventType::TargetSet => vec![
            partnership,
            req("target_id", v::<LocalId>()),
            year,
            req("measure", v::<Measure>()),
            req("value", FieldKind::Integer(1)),
            opt("subject", v::<SubjectCode>()),
            opt("level", v::<Level>()),
            opt("age_group", v::<AgeGroup>()),
            opt("title", FieldKind::Text(MAX_TITLE_CHARS)),
        ],
        EventType::PlanPublished => vec![
            partnership,
            req("plan_id", v::<LocalId>()),
            req("title", FieldKind::Text(MAX_NAME_CHARS)),
            req("academic_years", FieldKind::Years),
            req("status", v::<PlanStatus>()),
            req("priorities", FieldKind::Priorities),
            opt("proposal_ids", FieldKind::Ids),
            opt("foreword", FieldKind::Text(MAX_NOTE_CHARS)),
        ],
        EventType::InterestRegistered => vec![
            req("area", v::<AreaCode>()),
            req("subject", v::<SubjectCode>()),
            req("level", v::<Level>()),
            req("age_group", v::<AgeGroup>()),
            opt("mode", v::<Mode>()),
            year,
        ],
    }
}

fn field_schema(kind: FieldKind) -> Value {
    match kind {
        FieldKind::Vocab(schema) => schema(),
        FieldKind::Text(max) => json!({"type": "string", "minLength": 1, "maxLength": max}),
        FieldKind::Url(max) => json!({"type": "string", "maxLength": max, "pattern": "^https?://[^/\\s][^\\s]*$"}),
        FieldKind::HttpsUrl(max) => json!({"type": "string", "maxLength": max, "pattern": "^https://[^/\\s][^\\s]*$"}),
        FieldKind::Positive => json!({"type": "number", "exclusiveMinimum": 0}),
        FieldKind::Phone => json!({"type": "string", "maxLength": 32, "pattern": "^[0-9 +()-]*[0-9][0-9 +()-]*$"}),
        FieldKind::Integer(min) => json!({"type": "integer", "minimum": min, "maximum": u32::MAX}),
        FieldKind::Number { min, max } => {
            let mut s = json!({"type": "number", "minimum": min});
            if let Some(max) = max {
                s["maximum"] = json!(max);
            }
            s
        }
        FieldKind::Areas => json!({"type": "array", "minItems": 1, "items": AreaCode::json_schema()}),
        FieldKind::Rules => object_schema(&[
            opt("surplus_tolerance", FieldKind::Number { min: 0.0, max: None }),
            opt("viable_fill_rate", FieldKind::Number { min: 0.0, max: Some(1.0) }),
            opt("min_group_size", FieldKind::Integer(0)),
        ]),
        FieldKind::Offers => json!({
            "type": "array",
            "maxItems": MAX_PLAN_OFFERS,
            "description": "offer ids are unique within the list",
            "items": object_schema(&offer_fields()),
        }),
        FieldKind::Years => {
            json!({"type": "array", "minItems": 1, "maxItems": MAX_PLAN_ITEMS, "items": AcademicYear::json_schema()})
        }
        FieldKind::Priorities => json!({
            "type": "array",
            "maxItems": MAX_PLAN_ITEMS,
            "items": object_schema(&[
                req("title", FieldKind::Text(MAX_NAME_CHARS)),
                opt("detail", FieldKind::Text(MAX_NOTE_CHARS)),
            ]),
        }),
        FieldKind::Ids => json!({"type": "array", "maxItems": MAX_PLAN_ITEMS, "items": LocalId::json_schema()}),
        FieldKind::RowKeys => {
            let mut key = object_schema(&[
                req("report", v::<ReportKind>()),
                req("academic_year", v::<AcademicYear>()),
                req("subject", v::<SubjectCode>()),
                req("level", v::<Level>()),
                req("age_group", v::<AgeGroup>()),
                opt("mode", v::<Mode>()),
            ]);
            key["description"] = json!("mode is required for a duplication row and absent for a gap row");
            json!({"type": "array", "items": key})
        }
        FieldKind::DraftChanges => {
            let draft = |t: EventType| {
                json!({"type": "object", "required": ["type", "data"], "properties": {
                    "type": {"const": t.as_str()},
                    "data": object_schema(&data_fields(t)),
                }})
            };
            json!({
                "type": "array",
                "maxItems": MAX_PROPOSAL_CHANGES,
                "items": {"oneOf": [draft(EventType::ProvisionOffered), draft(EventType::ProvisionWithdrawn)]},
            })
        }
        FieldKind::Iag => object_schema(&[
            opt("name", FieldKind::Text(MAX_NAME_CHARS)),
            opt("url", FieldKind::Url(MAX_URL_CHARS)),
            opt("phone", FieldKind::Phone),
            opt("email", FieldKind::Text(254)),
        ]),
    }
}

fn object_schema(fields: &[Field]) -> Value {
    let properties: Map<String, Value> = fields.iter().map(|f| (f.name.to_owned(), field_schema(f.kind))).collect();
    let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    // Unknown fields inside `data` are ignored (CONTRACT section 2), so no additionalProperties.
    json!({"type": "object", "required": required, "properties": properties})
}

/// The full schema of one event type: the CloudEvents envelope and its `data`.
pub fn event_schema(t: EventType) -> Value {
    let source = match t.source_kind() {
        crate::SourceKind::Provider => "^urn:ukprn:1[0-9]{7}$",
        _ if t.member_may_send() => "^urn:lp:[a-z0-9][a-z0-9-]{1,62}(:member:[a-z0-9][a-z0-9-]{1,62})?$",
        crate::SourceKind::Public => "^urn:public$",
        _ => "^urn:lp:[a-z0-9][a-z0-9-]{1,62}$",
    };
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("https://provisio.example/schemas/{}.json", t.as_str()),
        "title": t.as_str(),
        "type": "object",
        "required": ["specversion", "id", "source", "type", "time", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": EventId::json_schema(),
            "source": {"type": "string", "pattern": source},
            "type": {"const": t.as_str()},
            "time": Timestamp::json_schema(),
            "datacontenttype": {"type": "string", "pattern": "^application/json"},
            "data": object_schema(&data_fields(t)),
        },
    })
}

/// The file name of an event type's schema in `schemas/`.
pub fn schema_file_name(t: EventType) -> String {
    format!("{}.json", t.as_str())
}
