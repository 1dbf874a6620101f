//! The OpenAPI description of the plan routes (CONTRACT section 9).

use super::{id_param, ok, problem, query, reference};
use serde_json::{Value, json};

fn plan_id_param() -> Value {
    json!({"name": "plan_id", "in": "path", "required": true, "description": "Plan id", "schema": {"type": "string"}})
}

fn min_position() -> Value {
    query(
        "min_position",
        "Wait (at most 5 s) until this log position is applied",
        json!({"type": "integer", "minimum": 0}),
    )
}

fn plan_summary() -> Value {
    json!({"type": "object", "required": ["plan_id", "title", "status", "position", "published_at", "academic_years"],
           "properties": {"plan_id": {"type": "string"}, "title": {"type": "string"}, "status": {"enum": ["draft", "consultation", "final"]},
                          "position": {"type": "integer"}, "published_at": {"type": "string", "format": "date-time"},
                          "academic_years": {"type": "array", "items": {"type": "string"}}}})
}

fn plan() -> Value {
    let rows = |item: &str| json!({"type": "array", "items": reference(item)});
    json!({"type": "object",
    "required": ["partnership_id", "plan_id", "title", "status", "academic_years", "priorities", "foreword", "position",
                 "published_at", "members", "needs", "gaps", "duplications", "coverage", "targets", "proposals", "previous",
                 "changes_since_previous"],
    "properties": {
        "partnership_id": {"type": "string"}, "partnership_name": {"type": "string", "description": "The partnership's name at the plan's position"},
        "plan_id": {"type": "string"}, "title": {"type": "string"}, "status": {"enum": ["draft", "consultation", "final"]},
        "academic_years": {"type": "array", "items": {"type": "string"}},
        "priorities": {"type": "array", "items": {"type": "object", "required": ["title", "detail"], "properties": {"title": {"type": "string"}, "detail": {"type": ["string", "null"]}}}},
        "foreword": {"type": ["string", "null"]}, "position": {"type": "integer"}, "published_at": {"type": "string", "format": "date-time"},
        "members": {"type": "array", "items": {"type": "object"}}, "needs": rows("NeedRow"), "gaps": rows("GapRow"),
        "duplications": rows("DuplicationRow"),
        "coverage": {"type": "array", "items": {"type": "object", "required": ["academic_year", "cells"], "properties": {"academic_year": {"type": "string"}, "cells": rows("CoverageCell")}}},
        "targets": rows("TargetRow"), "proposals": {"type": "array", "items": {"type": "object", "description": "A proposal detail, as of the plan's position"}},
        "previous": {"type": ["object", "null"], "properties": {"plan_id": {"type": "string"}, "position": {"type": "integer"}}},
        "changes_since_previous": {"oneOf": [reference("Changes"), {"type": "null"}]},
    }})
}

fn progress() -> Value {
    let key = json!({"academic_year": {"type": "string"}, "subject": {"type": "string"}, "level": {"type": "string"}, "age_group": {"type": "string"}});
    let mut gap = key.clone();
    gap["unmet_then"] = json!({"type": "integer"});
    gap["unmet_now"] = json!({"type": "integer", "description": "0 once closed"});
    gap["open_now"] = json!({"type": "boolean"});
    let mut duplication = key;
    duplication["mode"] = json!({"type": "string"});
    duplication["open_now"] = json!({"type": "boolean"});
    json!({"type": "object", "required": ["plan_id", "plan_position", "position", "targets", "gaps", "duplications", "proposals"],
           "properties": {"plan_id": {"type": "string"}, "plan_position": {"type": "integer"}, "position": {"type": "integer"},
               "targets": {"type": "array", "items": {"type": "object", "properties": {"target_id": {"type": "string"}, "then": {"type": "integer"},
                   "now": {"type": ["integer", "null"], "description": "null when the target is no longer set"}, "value": {"type": "integer"}}}},
               "gaps": {"type": "array", "items": {"type": "object", "properties": gap}},
               "duplications": {"type": "array", "items": {"type": "object", "properties": duplication}},
               "proposals": {"type": "array", "items": {"type": "object", "properties": {"proposal_id": {"type": "string"}, "status_then": {"type": "string"}, "status_now": {"type": ["string", "null"]}}}}}})
}

/// The operation of a plan route, or `None` for a route that is not one.
pub(super) fn describe(method: &str, path: &str) -> Option<Value> {
    let not_found = "The partnership is not registered, or has published no plan of that id";
    Some(match (method, path) {
        ("get", "/v1/partnerships/{id}/plans") => json!({
            "summary": "The partnership's local learning plans: the latest version of each, newest first",
            "parameters": [id_param(), min_position()],
            "responses": {"200": ok("The plans", json!({"type": "object", "required": ["partnership_id", "plans"],
                "properties": {"partnership_id": {"type": "string"}, "plans": {"type": "array", "items": plan_summary()}}})),
                "404": problem("The partnership is not registered"), "503": problem("min_position not applied within 5 s")}
        }),
        ("get", "/v1/partnerships/{id}/plans/{plan_id}") => json!({
            "summary": "A plan as it was fixed at its position (later events never change it)",
            "parameters": [id_param(), plan_id_param(), min_position()],
            "responses": {"200": ok("The plan", plan()), "404": problem(not_found), "503": problem("min_position not applied within 5 s")}
        }),
        ("get", "/v1/partnerships/{id}/plans/{plan_id}/progress") => json!({
            "summary": "The plan's targets, gaps, duplications and proposals then and now",
            "parameters": [id_param(), plan_id_param(), min_position()],
            "responses": {"200": ok("Then and now", progress()), "404": problem(not_found), "503": problem("min_position not applied within 5 s")}
        }),
        ("get", "/v1/partnerships/{id}/plans/{plan_id}/document") => json!({
            "summary": "The plan as a document to circulate: one self-contained printable HTML page, or a PDF of the same content; the same plan gives the same bytes",
            "parameters": [id_param(), plan_id_param(), min_position(),
                query("format", "html (default) or pdf; without it, Accept: application/pdf asks for the PDF", json!({"enum": ["html", "pdf"]}))],
            "responses": {"200": {"description": "The document", "content": {"text/html": {"schema": {"type": "string"}},
                                                                              "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                          "400": problem("format is neither html nor pdf (code invalid-parameter)"),
                          "404": problem(not_found), "503": problem("min_position not applied within 5 s")}
        }),
        _ => return None,
    })
}
