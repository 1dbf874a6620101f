//! The `components` of the document: the event schemas and the answers' row schemas.

use super::reference;
use provisio_events::EventType;
use provisio_events::schema::event_schema;
use provisio_events::vocab::{AcademicYear, AgeGroup, Evidence, Level, Mode, ProviderKind, SubjectCode, Vocab};
use serde_json::{Map, Value, json};

fn nullable(schema: Value) -> Value {
    json!({"oneOf": [schema, {"type": "null"}]})
}

/// The changes object of CONTRACT section 10 (`to` null for a what-if).
fn changes_schema() -> Value {
    let rows = |row: &str| {
        let changed = json!({"type": "object", "required": ["before", "after"], "properties": {"before": reference(row), "after": reference(row)}});
        json!({"type": "object", "required": ["opened", "closed", "changed"], "properties": {
            "opened": {"type": "array", "items": reference(row)}, "closed": {"type": "array", "items": reference(row)},
            "changed": {"type": "array", "items": changed}}})
    };
    let pair = |item: Value| json!({"type": "array", "items": item, "minItems": 2, "maxItems": 2});
    let int = json!({"type": "integer"});
    json!({"type": "object", "required": ["from", "to", "gaps", "duplications", "targets", "summary"], "properties": {
        "from": int, "to": nullable(int.clone()), "gaps": rows("GapRow"), "duplications": rows("DuplicationRow"),
        "targets": {"type": "object", "required": ["changed"], "properties": {"changed": {"type": "array", "items": {"type": "object",
            "required": ["before", "after"], "properties": {"before": nullable(reference("TargetRow")), "after": reference("TargetRow")}}}}},
        "summary": {"type": "object", "required": ["unmet", "gaps", "critical", "duplications", "wasteful"], "properties": {
            "unmet": pair(int.clone()), "gaps": pair(int.clone()), "critical": pair(int.clone()),
            "duplications": pair(int.clone()), "wasteful": pair(int.clone())}}}})
}

pub(super) fn components() -> Value {
    let mut schemas = Map::new();
    let event_refs: Vec<Value> = EventType::ALL.iter().map(|t| reference(t.as_str())).collect();
    for t in EventType::ALL {
        let mut s = event_schema(t);
        if let Some(o) = s.as_object_mut() {
            o.remove("$schema");
            o.remove("$id");
        }
        schemas.insert(t.as_str().to_owned(), s);
    }
    let int = json!({"type": "integer"});
    let string = json!({"type": "string"});
    let cell = |extra: Value| {
        let mut props = json!({"academic_year": AcademicYear::json_schema(), "subject": SubjectCode::json_schema(), "level": Level::json_schema(), "age_group": AgeGroup::json_schema()});
        if let (Some(p), Some(e)) = (props.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        props
    };
    let rest = json!({
        "Event": {"oneOf": event_refs},
        "ImportReport": {"type": "object", "required": ["format", "rows_read", "rejected", "created", "updated", "withdrawn", "unchanged", "published"], "properties": {
            "format": {"enum": ["csv-courses", "csv-venues", "xcri-cap"]}, "encoding": string, "rows_read": int, "rows_rejected": int,
            "offers": int, "venues": int, "created": int, "updated": int, "withdrawn": int, "unchanged": int,
            "withdrawn_missing_from_file": int, "withdrawn_by_file": int, "withdrawals_in_file": int,
            "dry_run": {"type": "boolean"}, "published": {"type": "boolean"}, "events": int, "last_position": {"type": ["integer", "null"]},
            "rejected": {"type": "array", "items": {"type": "object", "required": ["line", "reason"], "properties": {
                "line": int, "column": {"type": ["string", "null"]}, "value": {"type": ["string", "null"]}, "reason": string}}},
            "unknown_columns": {"type": "array", "items": string},
            "warnings": {"type": "array", "items": {"type": "object", "required": ["message"], "properties": {
                "line": {"type": ["integer", "null"]}, "message": string}}}}},
        "FieldError": {"type": "object", "required": ["code", "field", "message"], "properties": {"code": string, "field": string, "message": string}},
        "Problem": {"type": "object", "required": ["type", "title", "status", "code"], "properties": {"type": string, "title": string, "status": int, "detail": string, "code": string}},
        "SubmitAnswer": {"type": "object", "required": ["accepted", "rejected"], "properties": {
            "accepted": {"type": "array", "items": {"type": "object", "required": ["index", "id", "position", "duplicate"], "properties": {"index": int, "id": string, "position": int, "duplicate": {"type": "boolean"}}}},
            "rejected": {"type": "array", "items": {"type": "object", "required": ["index", "id", "errors"], "properties": {"index": int, "id": {"type": ["string", "null"]}, "errors": {"type": "array", "items": reference("FieldError")}}}}}},
        "LogPage": {"type": "object", "required": ["events", "next_after"], "properties": {"next_after": int,
            "events": {"type": "array", "items": {"type": "object", "required": ["position", "recorded_at", "event"], "properties": {"position": int, "recorded_at": {"type": "string", "format": "date-time"}, "event": {"type": "object"}}}}}},
        "Partnership": {"type": "object", "required": ["partnership_id", "name", "areas", "rules"], "properties": {"partnership_id": string, "name": string,
            "areas": {"type": "array", "items": string},
            "rules": {"type": "object", "required": ["surplus_tolerance", "viable_fill_rate", "min_group_size"], "properties": {"surplus_tolerance": {"type": "number"}, "viable_fill_rate": {"type": "number"}, "min_group_size": int}}}},
        "GapRow": {"type": "object", "required": ["academic_year", "subject", "level", "age_group", "demand", "supply", "unmet", "coverage", "severity", "needs", "offers"],
            "properties": cell(json!({"demand": int, "supply": int, "interest": int, "unmet": int, "coverage": {"type": "number"}, "severity": {"enum": ["critical", "high", "moderate"]},
                "needs": {"type": "array", "items": string},
                "offers": {"type": "array", "items": {"type": "object", "required": ["ukprn", "offer_id", "places"], "properties": {"ukprn": string, "offer_id": string, "places": int}}}}))},
        "DuplicationRow": {"type": "object", "required": ["academic_year", "subject", "level", "age_group", "mode", "providers", "offers", "supply", "demand", "surplus", "fill_rate", "severity"],
            "properties": cell(json!({"mode": Mode::json_schema(), "providers": {"type": "array", "items": string}, "supply": int, "demand": int, "surplus": int,
                "fill_rate": nullable(json!({"type": "number"})), "severity": {"enum": ["wasteful", "overlap"]},
                "offers": {"type": "array", "items": {"type": "object", "required": ["ukprn", "offer_id", "places", "enrolled", "fill_rate"],
                    "properties": {"ukprn": string, "offer_id": string, "places": int, "enrolled": nullable(int.clone()), "fill_rate": nullable(json!({"type": "number"}))}}}}))},
        "CoverageCell": {"type": "object", "required": ["subject", "level", "age_group", "demand", "supply"],
            "properties": {"subject": SubjectCode::json_schema(), "level": Level::json_schema(), "age_group": AgeGroup::json_schema(), "demand": int, "supply": int, "interest": int}},
        "TargetRow": {"type": "object", "required": ["target_id", "academic_year", "measure", "value", "subject", "level", "age_group", "title", "current", "progress"],
            "properties": {"target_id": string, "academic_year": AcademicYear::json_schema(), "measure": {"enum": ["places", "enrolled"]}, "value": int,
                "subject": nullable(SubjectCode::json_schema()), "level": nullable(Level::json_schema()), "age_group": nullable(AgeGroup::json_schema()),
                "title": nullable(string.clone()), "current": int, "progress": {"type": "number"}}},
        "ProviderRow": {"type": "object", "required": ["ukprn", "name", "kind", "website", "live_offers"],
            "properties": {"ukprn": string, "name": nullable(string.clone()), "kind": nullable(ProviderKind::json_schema()),
                "website": nullable(string.clone()), "live_offers": int}},
        "NeedRow": {"type": "object", "required": ["need_id", "academic_year", "subject", "level", "age_group", "learners", "evidence", "mode", "area", "note"],
            "properties": {"need_id": string, "academic_year": AcademicYear::json_schema(), "subject": SubjectCode::json_schema(), "level": Level::json_schema(),
                "age_group": AgeGroup::json_schema(), "learners": int, "evidence": Evidence::json_schema(), "mode": nullable(Mode::json_schema()),
                "area": nullable(string.clone()), "note": nullable(string.clone())}},
        "Changes": changes_schema(),
        "OfferRow": {"type": "object", "required": ["ukprn", "offer_id", "venue_id", "title", "subject", "level", "age_group", "mode", "places", "status", "academic_year", "enrolled"],
            "properties": {"ukprn": string, "offer_id": string, "venue_id": string, "title": string, "subject": SubjectCode::json_schema(), "level": Level::json_schema(),
                "age_group": AgeGroup::json_schema(), "mode": Mode::json_schema(), "places": int, "status": {"enum": ["planned", "confirmed"]},
                "start_date": nullable(json!({"type": "string", "format": "date"})), "duration_weeks": nullable(int.clone()), "lars_aim": nullable(string.clone()),
                "academic_year": AcademicYear::json_schema(), "enrolled": nullable(int.clone())}},
    });
    for part in [rest, super::collab::schemas()] {
        if let Some(r) = part.as_object() {
            schemas.extend(r.clone());
        }
    }
    if let Some(r) = super::public::components().as_object() {
        schemas.extend(r.clone());
    }
    json!({"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "An API key from `provisio keys create`"}}})
}
