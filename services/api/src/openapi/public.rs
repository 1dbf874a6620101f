//! The OpenAPI descriptions of section 11: the open `/v1/public/…` routes and the interest report.

use super::{id_param, ok, problem, query, reference, report_body};
use provisio_events::vocab::{AcademicYear, AgeGroup, Funding, Level, Mode, SubjectCode, Vocab};
use serde_json::{Value, json};

/// The course finder answers nothing for the seconds its first build after a start takes.
const FINDER_BUILDING: &str = "The course finder is being built after a start; see Retry-After";

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
        ("get", "/v1/public/courses") => json!({
            "summary": "Search the public courses (no key): words, filters, distance from a postcode",
            "parameters": [
                query("q", "Words (at most 200 characters), English-stemmed, matched against title, description and subject name; never query syntax", json!({"type": "string", "maxLength": 200})),
                query("partnership", "Only courses counting in this partnership", json!({"type": "string"})),
                query("subject", "SSA tier 2 subject", SubjectCode::json_schema()),
                query("level", "Level", Level::json_schema()),
                query("age_group", "Age group", AgeGroup::json_schema()),
                query("mode", "Mode", Mode::json_schema()),
                query("funding", "Funding", Funding::json_schema()),
                query("starts_after", "Courses starting after this day (those without a start date are left out)", json!({"type": "string", "format": "date"})),
                query("postcode", "Distance from this postcode; courses without a position are left out", json!({"type": "string"})),
                query("within_km", "With postcode: at most this far (default 25)", json!({"type": "number", "exclusiveMinimum": 0})),
                query("limit", "Page size (default 20)", json!({"type": "integer", "minimum": 1, "maximum": 100})),
                query("cursor", "next_cursor of the previous page", json!({"type": "string"})),
            ],
            "responses": {"200": ok("A page of courses", json!({"type": "object", "required": ["total", "courses", "next_cursor"],
                    "properties": {"total": {"type": "integer"}, "courses": {"type": "array", "items": reference("PublicCourse")},
                        "next_cursor": {"type": ["string", "null"]}}})),
                "400": problem("A parameter is not valid (invalid-parameter), or the postcode is unknown (unknown-postcode)"),
                "503": problem(FINDER_BUILDING)}
        }),
        ("get", "/v1/public/courses/{ukprn}/{offer_id}") => json!({
            "summary": "One public course (no key)",
            "parameters": [
                {"name": "ukprn", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "offer_id", "in": "path", "required": true, "schema": {"type": "string"}},
            ],
            "responses": {"200": ok("The course", reference("PublicCourse")), "404": problem("Not a public course"),
                "503": problem(FINDER_BUILDING)}
        }),
        ("get", "/find") => {
            let mut page = html_page(
                "The finder page (no key): the parameters of GET /v1/public/courses as a form, the results and their pages",
                Some(("400", "A parameter is not valid: the page names it in an error summary")),
            );
            page["responses"]["503"] = html(FINDER_BUILDING);
            page
        }
        ("get", "/find/courses/{ukprn}/{offer_id}") => {
            let mut page = html_page(
                "One course's page, with the partnerships' guidance contacts",
                Some(("404", "Not a public course")),
            );
            page["parameters"] = json!([
                {"name": "ukprn", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "offer_id", "in": "path", "required": true, "schema": {"type": "string"}},
            ]);
            page["responses"]["503"] = html(FINDER_BUILDING);
            page
        }
        ("get", "/find/interest") => html_page(
            "The form to register interest, filled from subject, level, age_group and mode in the query",
            None,
        ),
        ("post", "/find/interest") => json!({
            "summary": "Register interest from the form (application/x-www-form-urlencoded; the rules and allowance of POST /v1/public/interest)",
            "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object",
                "properties": {"subject": SubjectCode::json_schema(), "level": Level::json_schema(), "age_group": AgeGroup::json_schema(),
                    "mode": Mode::json_schema(), "postcode": {"type": "string"}}}}}},
            "responses": {"303": {"description": "Recorded; see /find/interest/done"},
                "422": html("The form again, with an error summary naming each field"),
                "400": html("The postcode is unknown: the form again"),
                "429": html("Past the allowance: the form again; see Retry-After")}
        }),
        ("get", "/find/interest/done") => html_page("The confirmation after registering interest", None),
        (
            "get",
            "/find/assets/govuk-frontend.min.css" | "/find/assets/govuk-frontend.min.js" | "/find/assets/init.js",
        ) => json!({
            "summary": "A file of the finder page (GOV.UK Frontend, vendored); `?v=` names its version",
            "responses": {"200": {"description": "The file"}, "304": {"description": "Not modified (If-None-Match)"}}
        }),
        ("get", "/v1/public/partnerships/{id}") => json!({
            "summary": "A partnership's public page (no key): its guidance contact and courses by subject",
            "parameters": [id_param()],
            "responses": {"200": ok("The partnership", json!({"type": "object", "required": ["partnership_id", "name", "areas", "iag", "courses_by_subject"],
                    "properties": {"partnership_id": {"type": "string"}, "name": {"type": "string"}, "areas": {"type": "array", "items": {"type": "string"}},
                        "iag": {"type": ["object", "null"], "properties": {"name": {"type": "string"}, "url": {"type": "string"}, "phone": {"type": "string"}, "email": {"type": "string"}}},
                        "courses_by_subject": {"type": "array", "items": {"type": "object", "required": ["subject", "subject_name", "courses"],
                            "properties": {"subject": SubjectCode::json_schema(), "subject_name": {"type": "string"}, "courses": {"type": "integer"}}}}}})),
                "404": problem("The partnership is not registered"),
                "503": problem(FINDER_BUILDING)}
        }),
        _ => return None,
    })
}

/// The component schemas section 11 adds.
pub(super) fn components() -> Value {
    let int = json!({"type": "integer", "minimum": 0});
    let string = json!({"type": "string"});
    let nullable = |s: Value| json!({"oneOf": [s, {"type": "null"}]});
    json!({
        "PublicCourse": {"type": "object",
            "required": ["ukprn", "provider", "offer_id", "title", "description", "subject", "subject_name", "level", "age_group", "mode",
                "academic_year", "status", "start_date", "duration_weeks", "hours_per_week", "fee", "funding", "url", "venue", "distance_km", "partnerships"],
            "properties": {"ukprn": string, "provider": nullable(string.clone()), "offer_id": string, "title": string,
                "description": nullable(string.clone()), "subject": SubjectCode::json_schema(), "subject_name": string,
                "level": Level::json_schema(), "age_group": AgeGroup::json_schema(), "mode": Mode::json_schema(),
                "academic_year": AcademicYear::json_schema(), "status": {"enum": ["planned", "confirmed"]},
                "start_date": nullable(json!({"type": "string", "format": "date"})), "duration_weeks": nullable(int.clone()),
                "hours_per_week": nullable(json!({"type": "number"})), "fee": nullable(json!({"type": "number"})),
                "funding": nullable(Funding::json_schema()), "url": nullable(string.clone()),
                "venue": {"type": "object", "required": ["name", "postcode", "lat", "lon"], "properties": {"name": string, "postcode": string,
                    "lat": nullable(json!({"type": "number"})), "lon": nullable(json!({"type": "number"}))}},
                "distance_km": nullable(json!({"type": "number"})), "partnerships": {"type": "array", "items": string}}},
        "InterestCell": {"type": "object", "required": ["subject", "level", "age_group", "interest"],
            "properties": {"subject": SubjectCode::json_schema(), "level": Level::json_schema(), "age_group": AgeGroup::json_schema(), "interest": int}},
    })
}

/// Open without a key (CONTRACT section 6).
pub(super) fn is_open(path: &str) -> bool {
    path.starts_with("/v1/public/") || path == "/find" || path.starts_with("/find/")
}

fn html(description: &str) -> Value {
    json!({"description": description, "content": {"text/html": {"schema": {"type": "string"}}}})
}

/// A page of the finder: `200` HTML, and HTML too for its refusal, if it has one.
fn html_page(summary: &str, refusal: Option<(&str, &str)>) -> Value {
    let mut page = json!({"summary": summary, "responses": {"200": html("HTML page")}});
    if let Some((status, description)) = refusal {
        page["responses"][status] = html(description);
    }
    page
}
