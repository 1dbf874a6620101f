//! The demo's local learning plan: Sunderland publishes a draft, its needs move, and it
//! publishes the plan again for consultation, so the plan has a previous version and a
//! "since the previous plan" section.

use super::data::Emitter;
use serde_json::json;

const PARTNERSHIP: &str = "sunderland";

pub(super) fn publish(out: &mut Emitter) {
    let source = format!("urn:lp:{PARTNERSHIP}");
    let plan = |status: &str| {
        json!({
            "partnership_id": PARTNERSHIP, "plan_id": "LLP-2026-27", "title": "Sunderland local learning plan 2026/27",
            "academic_years": ["2026/27"], "status": status,
            "priorities": [
                {"title": "Engineering and manufacturing for the supply chain",
                 "detail": "Close the level 3 engineering gaps for 16-18s and adults by September 2026."},
                {"title": "Fewer half-empty courses",
                 "detail": "Where several providers run the same course below viable size, agree who runs it."},
                {"title": "Routes back into learning for adults",
                 "detail": "Entry and level 1 provision in every part of the city."},
            ],
            "foreword": "This plan sets out what the members of the Sunderland Learning Partnership have agreed to do \
                         about the gaps and duplications in provision for 2026/27.",
        })
    };
    out.emit(source.clone(), "lp.plan.published.v1", plan("draft"));
    out.emit(source.clone(), "lp.need.identified.v1", json!({
        "partnership_id": PARTNERSHIP, "need_id": "N0-ENG-ADULT", "subject": "4.1", "level": "3", "age_group": "19+",
        "academic_year": "2026/27", "learners": 35, "evidence": "employer-survey",
        "note": "Automotive suppliers report 35 technician vacancies for retrained adults.",
    }));
    out.emit(source.clone(), "lp.plan.published.v1", plan("consultation"));
}
