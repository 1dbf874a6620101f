//! `GET /openapi.json`: an OpenAPI 3.1 document of the whole HTTP API. Every route comes from
//! the modules' `ROUTES` (the same lists their routers are built from), event bodies from the
//! event JSON Schemas, and a test fails when a route has no description here.

mod collab;
mod components;
mod plans;
mod public;

use crate::collab as collab_routes;
use crate::public as public_routes;
use crate::{dashboard, events, health, history, imports, keys, live, over_time, plans as plan_routes, reports};
use axum::Json;
use components::components;
use provisio_events::vocab::{AcademicYear, AgeGroup, Level, Mode, SubjectCode, Vocab};
use serde_json::{Map, Value, json};

routes! {
    get "/openapi.json" => serve,
}

async fn serve() -> Json<Value> {
    Json(document())
}

/// Every route of the API, as `(method, path)`.
fn all_routes() -> impl Iterator<Item = (&'static str, &'static str)> {
    [
        events::ROUTES,
        health::ROUTES,
        reports::ROUTES,
        live::ROUTES,
        keys::ROUTES,
        dashboard::ROUTES,
        imports::ROUTES,
        over_time::ROUTES,
        history::ROUTES,
        plan_routes::ROUTES,
        collab_routes::ROUTES,
        ROUTES,
    ]
    .into_iter()
    .chain(public_routes::ROUTES.iter().copied())
    .flatten()
    .copied()
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
        query(
            "min_position",
            "Wait (at most 5 s) until this log position is applied",
            json!({"type": "integer", "minimum": 0}),
        ),
    ];
    if with_mode {
        params.push(query("mode", "Only this mode", Mode::json_schema()));
    }
    params
}

/// The report as it was after an earlier position (CONTRACT section 10).
fn as_of_params() -> [Value; 2] {
    [
        query(
            "as_of_position",
            "The report after this log position was applied (waits for it, as min_position does); the answer's position is it",
            json!({"type": "integer", "minimum": 0}),
        ),
        query(
            "as_of",
            "The report at this instant: after the greatest position recorded at or before it (0 when none)",
            json!({"type": "string", "format": "date-time"}),
        ),
    ]
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
        params.extend(as_of_params());
        json!({"summary": summary, "parameters": params,
               "responses": {"200": ok(summary, report_body(name, item)), "400": problem("A filter is not valid, or both as_of_position and as_of are given"),
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
        ("get", "/healthz") => {
            json!({"summary": "Liveness", "responses": {"200": {"description": "The process is up"}}})
        }
        ("get", "/readyz") => {
            json!({"summary": "Readiness", "responses": {"200": {"description": "Events can be accepted and served"}, "503": {"description": "Not ready: the text names what is down (the database, NATS, the report recorder) or says starting"}}})
        }
        ("get", "/metrics") => {
            json!({"summary": "Prometheus metrics", "responses": {"200": {"description": "Text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}}}})
        }
        ("get", "/openapi.json") => {
            json!({"summary": "This document", "responses": {"200": ok("OpenAPI 3.1", json!({"type": "object"}))}})
        }
        ("get", "/") => {
            json!({"summary": "The planners' dashboard (open to all; it sends the key from its #key= fragment)",
            "responses": {"200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}}})
        }
        ("get", "/assets/subjects.json") => json!({"summary": "SSA tier 2 codes and names, for the dashboard",
            "responses": {"200": ok("The 50 subjects", json!({"type": "array", "items": {"type": "object", "required": ["code", "name"], "properties": {"code": SubjectCode::json_schema(), "name": {"type": "string"}}}}))}}),
        ("get", "/assets/app.css" | "/assets/icon.svg") => {
            json!({"summary": "A static file of the dashboard; `?v=` names its version",
            "responses": {"200": {"description": "The file"}, "304": {"description": "Not modified (If-None-Match)"}}})
        }
        ("get", "/assets/{script}") => {
            json!({"summary": "One of the dashboard's JavaScript modules (the page loads `app.js`); `?v=` names its version",
            "parameters": [{"name": "script", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[a-z]+\\.js$"}}],
            "responses": {"200": {"description": "The module"}, "304": {"description": "Not modified (If-None-Match)"}, "404": problem("No such module")}})
        }
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
        ("get", "/v1/partnerships/{id}/gaps") => {
            report("Gaps: cells where demand exceeds supply", "gaps", "GapRow", false)
        }
        ("get", "/v1/partnerships/{id}/duplications") => {
            report("Duplication: keys over-supplied by several providers", "duplications", "DuplicationRow", true)
        }
        ("get", "/v1/partnerships/{id}/coverage") => {
            report("Demand and supply of every cell with either", "cells", "CoverageCell", false)
        }
        ("get", "/v1/partnerships/{id}/targets") => report("Targets and progress", "targets", "TargetRow", false),
        ("get", "/v1/partnerships/{id}/needs") => {
            report("The live needs, with their evidence and notes, by need id", "needs", "NeedRow", false)
        }
        ("get", "/v1/partnerships/{id}/providers") => json!({
            "summary": "The providers with live offers, with their names (null until registered), by UKPRN",
            "parameters": [id_param(),
                query("min_position", "Wait (at most 5 s) until this log position is applied", json!({"type": "integer", "minimum": 0}))],
            "responses": {"200": ok("The providers", report_body("providers", "ProviderRow")), "400": problem("A parameter is not valid"),
                          "404": problem("The partnership is not registered"), "503": problem("min_position not applied within 5 s")}
        }),
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
        ("post", "/v1/keys") => json!({
            "summary": "Create an API key (admin); the key is shown once",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["role", "label"], "properties": {
                "role": {"enum": ["admin", "partnership", "viewer", "provider", "member"]}, "partnership": {"type": "string"}, "ukprn": {"type": "string"},
                "member": {"type": "string", "description": "The member id of a member key (with partnership)"}, "label": {"type": "string"}}}}}},
            "responses": {"201": ok("The new key", json!({"type": "object", "required": ["key_id", "key", "role", "label"], "properties": {
                "key_id": {"type": "string"}, "key": {"type": "string"}, "role": {"type": "string"}, "scope": {"type": ["string", "null"]}, "label": {"type": "string"}}})),
                "400": problem("Role and binding do not fit"), "403": problem("Not an admin key")}
        }),
        ("get", "/v1/keys") => json!({
            "summary": "List API keys (admin); never the keys themselves",
            "responses": {"200": ok("Keys", json!({"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array", "items": {"type": "object", "properties": {
                "key_id": {"type": "string"}, "role": {"type": "string"}, "scope": {"type": ["string", "null"]}, "label": {"type": "string"},
                "created_at": {"type": "string"}, "revoked_at": {"type": ["string", "null"]}}}}}})),
                "403": problem("Not an admin key")}
        }),
        ("get", "/v1/keys/self") => json!({
            "summary": "The calling key: its role and binding (any valid key)",
            "responses": {"200": ok("The key", json!({"type": "object", "required": ["key_id", "role", "partnership_id", "member_id", "ukprn"], "properties": {
                "key_id": {"type": "string"}, "role": {"enum": ["admin", "partnership", "viewer", "provider", "member"]},
                "partnership_id": {"type": ["string", "null"]}, "member_id": {"type": ["string", "null"]}, "ukprn": {"type": ["string", "null"]}}})),
                "401": problem("No valid key")}
        }),
        ("delete", "/v1/keys/{key_id}") => json!({
            "summary": "Revoke an API key (admin); it stops working at once",
            "parameters": [{"name": "key_id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"204": {"description": "Revoked"}, "403": problem("Not an admin key"), "404": problem("No such key, or revoked already")}
        }),
        ("get", "/v1/providers/{ukprn}/rejections") => json!({
            "summary": "A provider's messages refused on NATS",
            "parameters": [{"name": "ukprn", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^1[0-9]{7}$"}},
                query("after", "Exclusive sequence to start after", json!({"type": "integer", "minimum": 0})),
                query("limit", "Most rejections to return (default 100)", json!({"type": "integer", "minimum": 1, "maximum": 1000}))],
            "responses": {"200": ok("Rejections", json!({"type": "object", "required": ["ukprn", "rejections", "next_after"], "properties": {
                "ukprn": {"type": "string"}, "next_after": {"type": "integer"},
                "rejections": {"type": "array", "items": {"type": "object", "properties": {"seq": {"type": "integer"}, "received_at": {"type": "string"},
                    "subject": {"type": ["string", "null"]}, "id": {"type": ["string", "null"]}, "errors": {"type": "array", "items": reference("FieldError")}}}}}})),
                "403": problem("Not this provider's key")}
        }),
        ("post", "/v1/providers/{ukprn}/imports") => json!({
            "summary": "Import a Course Directory CSV or an XCRI-CAP 1.2 feed; published unless dry_run or any row is rejected",
            "parameters": [{"name": "ukprn", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^1[0-9]{7}$"}},
                query("dry_run", "Only report; publish nothing", json!({"type": "boolean"})),
                query("partial", "Publish single offers; withdraw nothing the file leaves out", json!({"type": "boolean"})),
                query("academic_year", "Academic year for rows without one", AcademicYear::json_schema()),
                query("default_level", "Level for records without one", Level::json_schema()),
                query("default_age_group", "Age group for records without one", AgeGroup::json_schema()),
                query("default_area", "ONS district of venues without one", json!({"type": "string"})),
                query("default_mode", "Mode for records without one", Mode::json_schema()),
                query("default_places", "Places for XCRI records without any", json!({"type": "integer", "minimum": 1}))],
            "requestBody": {"required": true, "content": {"text/csv": {"schema": {"type": "string"}}, "application/xml": {"schema": {"type": "string"}}}},
            "responses": {"200": ok("The import report; published unless dry_run", reference("ImportReport")),
                          "422": ok("The import report: rows were rejected, nothing was published", reference("ImportReport")),
                          "400": problem("The file cannot be read at all"), "415": problem("Neither CSV nor XML")}
        }),
        ("get", "/v1/partnerships/{id}/changes") => json!({
            "summary": "What changed in the gaps, duplications and targets between two positions (net)",
            "parameters": [id_param(),
                query("from", "The earlier log position", json!({"type": "integer", "minimum": 0})),
                query("from_time", "Instead of from: the position at this instant", json!({"type": "string", "format": "date-time"})),
                query("to", "The later log position (default: the last applied)", json!({"type": "integer", "minimum": 0})),
                query("to_time", "Instead of to: the position at this instant", json!({"type": "string", "format": "date-time"})),
                query("min_position", "Wait (at most 5 s) until this log position is applied", json!({"type": "integer", "minimum": 0}))],
            "responses": {"200": ok("The changes object", reference("Changes")),
                          "400": problem("A parameter is missing or not valid, or from is after to"),
                          "404": problem("The partnership is not registered"), "503": problem("to not applied within 5 s")}
        }),
        ("post", "/v1/partnerships/{id}/what-if") => json!({
            "summary": "What draft events would change, simulated on a copy of the current state: nothing is stored or published",
            "parameters": [id_param(),
                query("min_position", "Wait (at most 5 s) until this log position is applied", json!({"type": "integer", "minimum": 0}))],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "array", "maxItems": 1000,
                "items": {"type": "object", "description": "An event as POST /v1/events takes it; id and time may be absent"}}}}},
            "responses": {"200": ok("The changes object from the last applied position (to is null); a provider's key receives {\"summary\"} alone", reference("Changes")),
                          "400": problem("Not JSON, or not an array of events"),
                          "403": problem("Not this partnership's key, or a provider's draft of another source"),
                          "404": problem("The partnership is not registered"),
                          "413": problem("Body too large or more than 1,000 drafts"),
                          "422": {"description": "Invalid drafts; nothing was simulated", "content": {"application/problem+json": {"schema": {"allOf": [reference("Problem"),
                              {"type": "object", "required": ["errors"], "properties": {"errors": {"type": "array", "items": {"type": "object", "required": ["index", "code", "field", "message"],
                                  "properties": {"index": {"type": "integer"}, "code": {"type": "string"}, "field": {"type": "string"}, "message": {"type": "string"}}}}}}]}}}},
                          "503": problem("min_position not applied within 5 s")}
        }),
        ("get", "/v1/partnerships/{id}/history") => json!({
            "summary": "The headline figures at the end of each day, week (from Monday) or month, UTC; the last point at to_time",
            "parameters": [id_param(),
                query("from_time", "Start (default: the first event's recorded_at)", json!({"type": "string", "format": "date-time"})),
                query("to_time", "End and last point (default: now)", json!({"type": "string", "format": "date-time"})),
                query("every", "Period between points (default day)", json!({"enum": ["day", "week", "month"]})),
                query("min_position", "Wait (at most 5 s) until this log position is applied", json!({"type": "integer", "minimum": 0}))],
            "responses": {"200": ok("Points", json!({"type": "object", "required": ["points"], "properties": {"points": {"type": "array", "items": {"type": "object",
                "required": ["at", "position", "gaps", "critical", "unmet", "duplications", "wasteful", "targets_met"],
                "properties": {"at": {"type": "string", "format": "date-time"}, "position": {"type": "integer"}, "gaps": {"type": "integer"}, "critical": {"type": "integer"},
                    "unmet": {"type": "integer"}, "duplications": {"type": "integer"}, "wasteful": {"type": "integer"}, "targets_met": {"type": "integer"}}}}}})),
                "400": problem("A parameter is not valid, from_time is after to_time, or more than 400 points"),
                "404": problem("The partnership is not registered")}
        }),
        _ => {
            return collab::describe(method, path)
                .or_else(|| plans::describe(method, path))
                .or_else(|| public::describe(method, path));
        }
    })
}

/// Paths open without a key (CONTRACT section 6); every other operation needs a Bearer key.
fn is_open(path: &str) -> bool {
    matches!(path, "/" | "/healthz" | "/readyz" | "/metrics" | "/openapi.json")
        || path.starts_with("/assets")
        || public::is_open(path)
}

/// The whole document.
pub(crate) fn document() -> Value {
    let mut paths = Map::new();
    for (method, path) in all_routes() {
        let mut operation = describe(method, path).unwrap_or_else(|| json!({"summary": "undocumented"}));
        if is_open(path) {
            operation["security"] = json!([]);
        } else if let Some(responses) = operation["responses"].as_object_mut() {
            responses.insert("401".into(), problem("No valid API key"));
            responses.entry("403").or_insert_with(|| problem("This key may not do that"));
            responses.insert("429".into(), problem("Over the key's rate limit"));
        }
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Provisio", "version": env!("CARGO_PKG_VERSION"),
                 "description": "The shared ledger and radar of Learning Partnerships: events in, gap, duplication, coverage and target reports out."},
        "paths": paths,
        "security": [{"bearer": []}],
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
