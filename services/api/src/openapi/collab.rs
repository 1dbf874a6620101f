//! The document's part for members and proposals (CONTRACT section 8).

use super::{as_of_params, id_param, ok, problem, query, reference};
use provisio_engine::ProposalStatus;
use provisio_events::vocab::{
    AcademicYear, AgeGroup, Level, MemberKind, Mode, ProposalKind, ReportKind, Stance, SubjectCode, Vocab,
};
use serde_json::{Value, json};

fn reads(summary: &str, extra: Vec<Value>, body: Value, not_found: &str) -> Value {
    let mut params = vec![id_param()];
    params.extend(extra);
    params.push(query(
        "min_position",
        "Wait (at most 5 s) until this log position is applied",
        json!({"type": "integer", "minimum": 0}),
    ));
    params.extend(as_of_params());
    json!({"summary": summary, "parameters": params,
           "responses": {"200": ok(summary, body), "400": problem("A parameter is not valid (code invalid-parameter), or both as_of_position and as_of are given"),
                         "404": problem(not_found), "503": problem("min_position not applied within 5 s")}})
}

fn answer(name: &str, item: &str) -> Value {
    json!({"type": "object", "required": ["partnership_id", "position", name],
           "properties": {"partnership_id": {"type": "string"}, "position": {"type": "integer"}, name: {"type": "array", "items": reference(item)}}})
}

/// The operation of a members or proposals route.
pub(super) fn describe(method: &str, path: &str) -> Option<Value> {
    Some(match (method, path) {
        ("get", "/v1/partnerships/{id}/members") => reads(
            "The partnership's members, current or not, by member id",
            vec![],
            answer("members", "MemberRow"),
            "The partnership is not registered",
        ),
        ("get", "/v1/partnerships/{id}/proposals") => {
            let statuses: Vec<&str> = ProposalStatus::ALL.iter().map(|s| s.as_str()).collect();
            reads(
                "The partnership's proposals, newest made_position first",
                vec![query("status", "Only proposals of this derived status", json!({"enum": statuses}))],
                answer("proposals", "ProposalSummary"),
                "The partnership is not registered",
            )
        }
        ("get", "/v1/partnerships/{id}/proposals/{proposal_id}") => reads(
            "One proposal in full: changes, responses, decision, impact, fulfilment and ignored events",
            vec![json!({"name": "proposal_id", "in": "path", "required": true, "schema": {"type": "string"}})],
            json!({"allOf": [reference("ProposalDetail"), {"type": "object", "required": ["partnership_id", "position"],
                "properties": {"partnership_id": {"type": "string"}, "position": {"type": "integer"}}}]}),
            "The partnership is not registered (partnership-not-found), or it has no such proposal (proposal-not-found)",
        ),
        _ => return None,
    })
}

/// The schemas of the answers' rows.
pub(super) fn schemas() -> Value {
    let int = json!({"type": "integer"});
    let string = json!({"type": "string"});
    let nullable = |s: Value| json!({"oneOf": [s, {"type": "null"}]});
    let statuses: Vec<&str> = ProposalStatus::ALL.iter().map(|s| s.as_str()).collect();
    let summary_fields = json!({
        "proposal_id": string, "member_id": string, "title": string, "kind": ProposalKind::json_schema(),
        "status": {"enum": statuses},
        "tally": {"type": "object", "required": ["support", "object", "abstain"], "properties": {"support": int, "object": int, "abstain": int}},
        "addresses": {"type": "array", "items": reference("RowKey")},
        "addressed": {"type": "array", "items": {"type": "object", "required": ["key", "open"], "properties": {"key": reference("RowKey"), "open": {"type": "boolean"}}}},
        "made_position": int, "decided_position": nullable(int.clone()),
    });
    let mut summary = summary_fields.clone();
    summary["impact"] = json!({"type": "object", "required": ["summary"], "properties": {"summary": {"type": "object"}},
                               "description": "The summary of the impact's changes object"});
    summary["fulfilment"] =
        json!({"type": "object", "required": ["done", "of"], "properties": {"done": int, "of": int}});
    let mut detail = summary_fields;
    detail["impact"] = reference("Changes");
    detail["fulfilment"] = json!({"type": "array", "items": {"type": "object", "required": ["index", "done"], "properties": {"index": int, "done": {"type": "boolean"}}}});
    detail["summary"] = nullable(string.clone());
    detail["due"] = nullable(json!({"type": "string", "format": "date"}));
    detail["changes"] = json!({"type": "array", "items": {"type": "object", "required": ["type", "data"], "properties": {
        "type": {"enum": ["lp.provision.offered.v1", "lp.provision.withdrawn.v1"]}, "data": {"type": "object"}}}});
    detail["responses"] = json!({"type": "array", "items": {"type": "object", "required": ["member_id", "stance", "comment", "position"], "properties": {
        "member_id": string, "stance": Stance::json_schema(), "comment": nullable(string.clone()), "position": int}}});
    detail["decision"] = nullable(
        json!({"type": "object", "required": ["decision", "note", "position"], "properties": {
        "decision": {"enum": ["agreed", "rejected", "deferred", "completed"]}, "note": nullable(string.clone()), "position": int}}),
    );
    detail["ignored"] = json!({"type": "array", "items": {"type": "object", "required": ["position", "type", "member_id", "reason"], "properties": {
        "position": int, "type": string, "member_id": nullable(string.clone()), "reason": string}}});
    let required = |o: &Value| o.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    json!({
        "MemberRow": {"type": "object", "required": ["member_id", "name", "kind", "ukprn", "current"], "properties": {
            "member_id": string, "name": string, "kind": MemberKind::json_schema(), "ukprn": nullable(string.clone()), "current": {"type": "boolean"}}},
        "RowKey": {"type": "object", "required": ["report", "academic_year", "subject", "level", "age_group"], "properties": {
            "report": ReportKind::json_schema(), "academic_year": AcademicYear::json_schema(), "subject": SubjectCode::json_schema(),
            "level": Level::json_schema(), "age_group": AgeGroup::json_schema(), "mode": Mode::json_schema()},
            "description": "mode only for a duplication row"},
        "ProposalSummary": {"type": "object", "required": required(&summary), "properties": summary},
        "ProposalDetail": {"type": "object", "required": required(&detail), "properties": detail},
    })
}
