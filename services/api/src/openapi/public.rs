//! The OpenAPI descriptions of section 11: the open `/v1/public/…` routes and the interest report.

use super::{id_param, ok, problem, query, report_body};
use provisio_events::vocab::{AcademicYear, AgeGroup, Level, Mode, SubjectCode, Vocab};
use serde_json::{Value, json};

pub(super) fn describe(method: &str, path: &str) -> Option<Value> {
    Some(match (method, path) {
        ("post", "/v1/public/interest") => json!({
            "summary": "Register interest in a course that could not be found (no key; limited per client address)",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                "required": ["subject", "level", "age_group"],
                "properties": {"subject": SubjectCode::json_schema(), "level": Level::json_schema(), "age_group": AgeGroup::json_schema(),
                    "mode": Mode::json_schema(), "postcode": {"type": "string"}, "area": {"type": "string"},
                    "academic_year": AcademicYear::json_schema()}}}}},
            "responses": {
                "202": ok("Recorded: the partnerships whose areas include the district", json!({"type": "object", "required": ["partnerships"],
                    "properties": {"partnerships": {"type": "array", "items": {"type": "string"}}}})),
                "400": problem("The body is not JSON, or the postcode is unknown (unknown-postcode)"),
                "422": problem("A field is not valid, or no partnership covers the area; nothing was recorded"),
                "429": problem("Too many registrations from this address; see Retry-After")}
        }),
        ("get", "/v1/partnerships/{id}/interest") => json!({
            "summary": "Interest registered by the public, per cell (never part of demand)",
            "parameters": [id_param(), query("academic_year", "Only this academic year (YYYY/YY)", AcademicYear::json_schema()),
                query("min_position", "Wait (at most 5 s) until this log position is applied", json!({"type": "integer", "minimum": 0}))],
            "responses": {"200": ok("The cells with interest", report_body("cells", "InterestCell")),
                "400": problem("A parameter is not valid"), "404": problem("The partnership is not registered"),
                "503": problem("min_position not applied within 5 s")}
        }),
        _ => return None,
    })
}

/// The component schemas section 11 adds.
pub(super) fn components() -> Value {
    let int = json!({"type": "integer", "minimum": 0});
    json!({
        "InterestCell": {"type": "object", "required": ["subject", "level", "age_group", "interest"],
            "properties": {"subject": SubjectCode::json_schema(), "level": Level::json_schema(), "age_group": AgeGroup::json_schema(), "interest": int}},
    })
}

/// Open without a key (CONTRACT section 6).
pub(super) fn is_open(path: &str) -> bool {
    path.starts_with("/v1/public/")
}
