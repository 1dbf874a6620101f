//! The document from a plan answer: deterministic, self-contained, and saying what the plan
//! says.

use serde_json::{Value, json};

fn plan() -> Value {
    json!({
        "partnership_id": "sunderland", "partnership_name": "Sunderland Learning Partnership",
        "plan_id": "LLP", "title": "Local learning plan <2001/02> & beyond", "status": "consultation",
        "academic_years": ["2001/02"], "priorities": [{"title": "Engineering", "detail": "Close the level 3 gap"}],
        "foreword": "Agreed on 15 October.", "position": 42, "published_at": "2001-10-15T09:30:12.345Z",
        "members": [{"member_id": "sc", "name": "Sunderland College", "kind": "fe-college", "ukprn": "10006570", "current": true},
                    {"member_id": "old", "name": "Gone Ltd", "kind": "employer", "ukprn": null, "current": false}],
        "needs": [{"need_id": "N1", "academic_year": "2001/02", "subject": "4.1", "level": "3", "age_group": "16-18",
                   "learners": 40, "evidence": "employer-survey", "mode": null, "area": null, "note": "Nissan supply chain"}],
        "gaps": [{"academic_year": "2001/02", "subject": "4.1", "level": "3", "age_group": "16-18", "demand": 40, "supply": 24,
                  "unmet": 16, "coverage": 0.6, "severity": "moderate", "needs": ["N1"], "offers": []}],
        "duplications": [],
        "coverage": [{"academic_year": "2001/02", "cells": [
            {"subject": "4.1", "level": "3", "age_group": "16-18", "demand": 40, "supply": 24},
            {"subject": "4.1", "level": "3", "age_group": "19+", "demand": 0, "supply": 12},
            {"subject": "1.3", "level": "2", "age_group": "19+", "demand": 20, "supply": 0}]}],
        "targets": [{"target_id": "T1", "academic_year": "2001/02", "measure": "places", "value": 120, "subject": null,
                     "level": null, "age_group": null, "title": "Engineering places", "current": 24, "progress": 0.2}],
        "proposals": [{"proposal_id": "P1", "member_id": "sc", "title": "Run an evening course", "status": "agreed",
                       "fulfilment": [{"index": 0, "done": true}, {"index": 1, "done": false}]}],
        "previous": {"plan_id": "LLP", "position": 30},
        "changes_since_previous": {"from": 30, "to": 42,
            "gaps": {"opened": [], "closed": [], "changed": [{"before": {"academic_year": "2001/02", "subject": "4.1", "level": "3", "age_group": "16-18", "unmet": 20},
                                                             "after": {"academic_year": "2001/02", "subject": "4.1", "level": "3", "age_group": "16-18", "unmet": 16}}]},
            "duplications": {"opened": [], "closed": [], "changed": []}, "targets": {"changed": []},
            "summary": {"unmet": [20, 16], "gaps": [1, 1], "critical": [0, 0], "duplications": [0, 0], "wasteful": [0, 0]}},
    })
}

fn html() -> String {
    String::from_utf8(provisio_plan_document::html(&plan())).unwrap()
}

#[test]
fn the_same_plan_gives_the_same_bytes() {
    assert_eq!(provisio_plan_document::html(&plan()), provisio_plan_document::html(&plan()));
    assert_eq!(provisio_plan_document::pdf(&plan()), provisio_plan_document::pdf(&plan()));
    let mut other = plan();
    other["position"] = json!(43);
    assert_ne!(provisio_plan_document::pdf(&other), provisio_plan_document::pdf(&plan()));
}

#[test]
fn the_html_page_loads_nothing_and_escapes_the_plan_text() {
    let html = html();
    for outside in ["src=", "href=", "url(", "@import", "<script", "<link"] {
        assert!(!html.contains(outside), "{outside}");
    }
    assert!(html.contains("<title>Local learning plan &lt;2001/02&gt; &amp; beyond</title>"));
    assert!(!html.contains("<2001/02>"));
}

#[test]
fn the_html_page_has_every_part_of_the_plan() {
    let html = html();
    for text in [
        "Sunderland Learning Partnership",
        "Sunderland College (fe-college, UKPRN 10006570)",
        "consultation",
        "Engineering: Close the level 3 gap",
        "Nissan supply chain",
        "employer-survey",
        "class=\"c s-part\">24 / 40",
        "class=\"c s-nodemand\">12 / 0",
        "class=\"c s-none\">0 / 20",
        "4.1 Engineering",
        "Engineering places (2001/02, places): <strong>24 of 120 (20%)",
        "width:20.0%",
        "Run an evening course",
        "1 of 2 changes done",
        "Compared with plan LLP (log position 30)",
        "gap changed",
    ] {
        assert!(html.contains(text), "missing {text:?}");
    }
    assert!(!html.contains("Gone Ltd"), "members who left are not listed");
}

#[test]
fn the_pdf_is_a_pdf_dated_from_the_plan_with_its_title_in_the_text() {
    let pdf = provisio_plan_document::pdf(&plan());
    let text = String::from_utf8_lossy(&pdf);
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(text.trim_end().ends_with("%%EOF"));
    assert!(text.contains("(Local learning plan <2001/02> & beyond) Tj"), "content streams are not compressed");
    assert!(text.contains("D:20011015093012"), "the creation date is the plan's");
    assert!(text.contains("/ID"), "a file id made from the plan");
}

#[test]
fn a_plan_without_members_or_proposals_still_makes_a_document() {
    let bare =
        json!({"plan_id": "P", "title": "Bare", "status": "draft", "academic_years": ["2001/02"], "priorities": []});
    let html = String::from_utf8(provisio_plan_document::html(&bare)).unwrap();
    assert!(html.contains("No members are recorded.") && html.contains("This is the partnership&#39;s first plan."));
    assert!(provisio_plan_document::pdf(&bare).starts_with(b"%PDF-"));
}
