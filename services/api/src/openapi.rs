//! `GET /openapi.json`: an OpenAPI 3.1 document of the whole HTTP API. Every route comes from
//! the modules' `ROUTES` (the same lists their routers are built from), event bodies from the
//! event JSON Schemas, and a test fails when a route has no description here.

use crate::{events, health, live, reports};
use axum::Json;
use provisio_events::schema::event_schema;
use provisio_events::vocab::{AcademicYear, AgeGroup, Level, Mode, SubjectCode, Vocab};
use provisio_events::EventType;
use serde_json::{json, Map, Value};

routes! {
    get "/openapi.json" => serve,
}

async fn serve() -> Json<Value> {
    Json(document())
}

/// Every route of the API, as `(method, path)`.
fn all_routes() -> impl Iterator<Item = (&'static str, &'static str)> {
    [events::ROUTES, health::ROUTES, reports::ROUTES, live::ROUTES, ROUTES].into_iter().flatten().copied()
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "description": "Partnership id", "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}$"}})
}

fn report_filters(with_mode: bool) -> Vec<Value> {
    let mut params = vec![
        query("academic_year", "Only this academic year (YYYY/YY)", AcademicYear::json_schema()),
        query("subject", "Only this SSA tier 2 subject", SubjectCode::json_schema()),
        query("level", "Only this level", Level::json_schema()),
        query("age_group", "Only this age group", AgeGroup::json_schema()),
        query("min_position", "Wait (at most 5 s) until this log position is applied", json!({"type": "integer", "minimum": 0})),
    ];
    if with_mode {
        params.push(query("mode", "Only this mode", Mode::json_schema()));
    }
    params
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn problem(description: &str) -> Value {
    json!({"description": description, "content": {"application/problem+json": {"schema": reference("Problem")}}})
}

/// `{"partnership_id", "position", <name>: [item]}`.
fn report_body(name: &str, item: &str) -> Value {
    json!({"type": "object", "required": ["partnership_id", "position", name],
           "properties": {"partnership_id": {"type": "string"}, "position": {"type": "integer"},
                          name: {"type": "array", "items": reference(item)}}})
}

/// The operation of one route, or `None` for a route nobody described.
fn describe(method: &str, path: &str) -> Option<Value> {
    let report = |summary: &str, name: &str, item: &str, with_mode: bool| {
        let mut params = vec![id_param()];
        params.extend(report_filters(with_mode));
        json!({"summary": summary, "parameters": params,
               "responses": {"200": ok(summary, report_body(name, item)), "400": problem("A filter is not valid"),
                             "404": problem("The partnership is not registered"), "503": problem("min_position not applied within 5 s")}})
    };
    Some(match (method, path) {
        ("get", "/v1/events") => json!({
            "summary": "Read the event log by position",
            "parameters": [
                query("after", "Exclusive position to start after (default 0)", json!({"type": "integer", "minimum": 0})),
                query("limit", "Most events to return (default 100)", json!({"type": "integer", "minimum": 1, "maximum": 1000})),
                query("source", "Only events of this source", json!({"type": "string"})),
                query("type", "Only events of this type", json!({"type": "string"})),
            ],
            "responses": {"200": ok("A page of the log", reference("LogPage")), "400": problem("A parameter is not valid")}
        }),
        ("post", "/v1/events") => json!({
            "summary": "Submit one event or an array of up to 1,000",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"oneOf": [
                reference("Event"), {"type": "array", "maxItems": 1000, "items": reference("Event")}]}}}},
            "responses": {"202": ok("Valid events accepted (each with its durable position), invalid ones rejected", reference("SubmitAnswer")),
                          "400": problem("Not JSON, or not an event or array of events"),
                          "413": problem("Body over 4 MiB or more than 1,000 events"),
                          "503": problem("The store is unavailable; send again with the same ids")}
        }),
        ("get", "/healthz") => json!({"summary": "Liveness", "responses": {"200": {"description": "The process is up"}}}),
        ("get", "/readyz") => json!({"summary": "Readiness", "responses": {"200": {"description": "Events can be accepted and served"}, "503": {"description": "Starting"}}}),
        ("get", "/metrics") => json!({"summary": "Prometheus metrics", "responses": {"200": {"description": "Text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}}}}),
        ("get", "/openapi.json") => json!({"summary": "This document", "responses": {"200": ok("OpenAPI 3.1", json!({"type": "object"}))}}),
        ("get", "/v1/partnerships") => json!({
            "summary": "Registered partnerships",
            "responses": {"200": ok("Partnerships", json!({"type": "object", "required": ["partnerships"], "properties": {"partnerships": {"type": "array", "items": reference("Partnership")}}}))}
        }),
        ("get", "/v1/partnerships/{id}") => json!({
            "summary": "One partnership and the providers with live offers there",
            "parameters": [id_param()],
            "responses": {"200": ok("The partnership", json!({"allOf": [reference("Partnership"), {"type": "object", "required": ["providers"], "properties": {"providers": {"type": "array", "items": {"type": "string"}}}}]})),
                          "404": problem("Not registered")}
        }),
        ("get", "/v1/partnerships/{id}/gaps") => report("Gaps: cells where demand exceeds supply", "gaps", "GapRow", false),
        ("get", "/v1/partnerships/{id}/duplications") => report("Duplication: keys over-supplied by several providers", "duplications", "DuplicationRow", true),
        ("get", "/v1/partnerships/{id}/coverage") => report("Demand and supply of every cell with either", "cells", "CoverageCell", false),
        ("get", "/v1/partnerships/{id}/targets") => report("Targets and progress", "targets", "TargetRow", false),
        ("get", "/v1/partnerships/{id}/offers") => json!({
            "summary": "Live offers of the partnership, paginated",
            "parameters": [id_param(),
                query("limit", "Most offers per page (default 100)", json!({"type": "integer", "minimum": 1, "maximum": 1000})),
                query("cursor", "next_cursor of the previous page", json!({"type": "string"})),
                query("min_position", "Wait (at most 5 s) until this log position is applied", json!({"type": "integer", "minimum": 0}))],
            "responses": {"200": ok("A page of offers", json!({"allOf": [report_body("offers", "OfferRow"), {"type": "object", "required": ["next_cursor"], "properties": {"next_cursor": {"type": ["string", "null"]}}}]})),
                          "400": problem("A parameter is not valid"), "404": problem("Not registered")}
        }),
        ("get", "/v1/partnerships/{id}/live") => json!({
            "summary": "Server-Sent Events of report changes; send Last-Event-ID to resume",
            "parameters": [id_param(), {"name": "Last-Event-ID", "in": "header", "required": false, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "event = kind, id = position, data = the change object", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                          "404": problem("Not registered")}
        }),
        _ => return None,
    })
}

fn nullable(schema: Value) -> Value {
    json!({"oneOf": [schema, {"type": "null"}]})
}

fn components() -> Value {
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
            "properties": cell(json!({"demand": int, "supply": int, "unmet": int, "coverage": {"type": "number"}, "severity": {"enum": ["critical", "high", "moderate"]},
                "needs": {"type": "array", "items": string},
                "offers": {"type": "array", "items": {"type": "object", "required": ["ukprn", "offer_id", "places"], "properties": {"ukprn": string, "offer_id": string, "places": int}}}}))},
        "DuplicationRow": {"type": "object", "required": ["academic_year", "subject", "level", "age_group", "mode", "providers", "offers", "supply", "demand", "surplus", "fill_rate", "severity"],
            "properties": cell(json!({"mode": Mode::json_schema(), "providers": {"type": "array", "items": string}, "supply": int, "demand": int, "surplus": int,
                "fill_rate": nullable(json!({"type": "number"})), "severity": {"enum": ["wasteful", "overlap"]},
                "offers": {"type": "array", "items": {"type": "object", "required": ["ukprn", "offer_id", "places", "enrolled", "fill_rate"],
                    "properties": {"ukprn": string, "offer_id": string, "places": int, "enrolled": nullable(int.clone()), "fill_rate": nullable(json!({"type": "number"}))}}}}))},
        "CoverageCell": {"type": "object", "required": ["subject", "level", "age_group", "demand", "supply"],
            "properties": {"subject": SubjectCode::json_schema(), "level": Level::json_schema(), "age_group": AgeGroup::json_schema(), "demand": int, "supply": int}},
        "TargetRow": {"type": "object", "required": ["target_id", "academic_year", "measure", "value", "subject", "level", "age_group", "current", "progress"],
            "properties": {"target_id": string, "academic_year": AcademicYear::json_schema(), "measure": {"enum": ["places", "enrolled"]}, "value": int,
                "subject": nullable(SubjectCode::json_schema()), "level": nullable(Level::json_schema()), "age_group": nullable(AgeGroup::json_schema()),
                "current": int, "progress": {"type": "number"}}},
        "OfferRow": {"type": "object", "required": ["ukprn", "offer_id", "venue_id", "title", "subject", "level", "age_group", "mode", "places", "status", "academic_year", "enrolled"],
            "properties": {"ukprn": string, "offer_id": string, "venue_id": string, "title": string, "subject": SubjectCode::json_schema(), "level": Level::json_schema(),
                "age_group": AgeGroup::json_schema(), "mode": Mode::json_schema(), "places": int, "status": {"enum": ["planned", "confirmed"]},
                "start_date": nullable(json!({"type": "string", "format": "date"})), "duration_weeks": nullable(int.clone()), "lars_aim": nullable(string.clone()),
                "academic_year": AcademicYear::json_schema(), "enrolled": nullable(int.clone())}},
    });
    if let Some(r) = rest.as_object() {
        schemas.extend(r.clone());
    }
    json!({"schemas": schemas})
}

/// The whole document.
pub(crate) fn document() -> Value {
    let mut paths = Map::new();
    for (method, path) in all_routes() {
        let operation = describe(method, path).unwrap_or_else(|| json!({"summary": "undocumented"}));
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Provisio", "version": env!("CARGO_PKG_VERSION"),
                 "description": "The shared ledger and radar of Learning Partnerships: events in, gap, duplication, coverage and target reports out."},
        "paths": paths,
        "components": components(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_described_in_the_document() {
        let undescribed: Vec<_> = all_routes().filter(|(m, p)| describe(m, p).is_none()).collect();
        assert!(undescribed.is_empty(), "routes without an OpenAPI description: {undescribed:?}");
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        for (method, path) in all_routes() {
            assert!(doc["paths"][path][method].is_object(), "{method} {path}");
        }
    }

    #[test]
    fn every_reference_points_at_a_schema() {
        let doc = document();
        let text = doc.to_string();
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(doc["components"]["schemas"][name].is_object(), "dangling $ref to {name}");
        }
    }
}
