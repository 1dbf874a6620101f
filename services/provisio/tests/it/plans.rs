//! The local learning plan over HTTP (CONTRACT section 9): plans fixed at their positions,
//! their progress, and their documents.

use crate::helpers::*;
use provisio_events::EventType;
use serde_json::{Value, json};

const P: &str = "/v1/partnerships/sunderland";

/// Posts events and answers the position of the last.
async fn post(app: &TestApp, events: Vec<Value>) -> u64 {
    let (status, answer) = app.post_events(&json!(events)).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["rejected"], json!([]), "{answer}");
    answer["accepted"].as_array().unwrap().iter().map(|a| a["position"].as_u64().unwrap()).max().unwrap()
}

fn plan_event(id: &str, plan_id: &str) -> Value {
    let mut e = event(EventType::PlanPublished, id);
    e["data"]["plan_id"] = json!(plan_id);
    e["data"]["title"] = json!(format!("Local learning plan {plan_id}"));
    e
}

/// A second engineering offer in the plan's gap cell: 10 more places.
fn more_places(id: &str) -> Value {
    let mut e = offer("10006570", "ENG-L3-PT-2001", id);
    e["data"]["places"] = json!(10);
    e
}

/// Sunderland with a 40-learner need, a target, and 24 places: a gap of 16.
async fn partnership_with_a_gap(app: &TestApp) -> u64 {
    let types = [
        EventType::PartnershipRegistered,
        EventType::ProviderRegistered,
        EventType::VenueRegistered,
        EventType::NeedIdentified,
        EventType::TargetSet,
        EventType::ProvisionOffered,
    ];
    post(app, types.iter().enumerate().map(|(i, t)| event(*t, &format!("setup-{i}"))).collect()).await
}

async fn get_bytes(app: &TestApp, path: &str, accept: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut request = app.client.get(format!("{}{path}", app.base));
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let media_type = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, media_type, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_published_plan_stays_as_it_was_while_its_progress_moves() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        partnership_with_a_gap(&app).await;
        let at = post(&app, vec![plan_event("plan-1", "LLP")]).await;
        let (status, plan) = app.get(&format!("{P}/plans/LLP?min_position={at}")).await;
        assert_eq!(status, 200, "{plan}");
        assert_eq!(
            (&plan["position"], &plan["previous"], &plan["changes_since_previous"]),
            (&json!(at), &Value::Null, &Value::Null)
        );
        assert_eq!(plan["gaps"][0]["unmet"], 16, "{plan}");
        assert_eq!(plan["targets"][0]["current"], 24);
        assert_eq!(plan["needs"][0]["evidence"], "employer-survey");
        assert_eq!(plan["coverage"][0]["academic_year"], "2001/02");
        assert!(plan["published_at"].as_str().unwrap().ends_with('Z'));

        let now = post(&app, vec![more_places("later-1")]).await;
        let (_, again) = app.get(&format!("{P}/plans/LLP?min_position={now}")).await;
        assert_eq!(again, plan, "later events never change a published plan");
        let (status, progress) = app.get(&format!("{P}/plans/LLP/progress?min_position={now}")).await;
        assert_eq!(status, 200, "{progress}");
        assert_eq!((&progress["plan_position"], &progress["position"]), (&json!(at), &json!(now)));
        let gap = &progress["gaps"][0];
        assert_eq!((&gap["unmet_then"], &gap["unmet_now"], &gap["open_now"]), (&json!(16), &json!(6), &json!(true)));
        let target = &progress["targets"][0];
        assert_eq!((&target["then"], &target["now"], &target["value"]), (&json!(24), &json!(34), &json!(120)));

        let (status, list) = app.get(&format!("{P}/plans")).await;
        assert_eq!(status, 200);
        assert_eq!(list["plans"][0]["plan_id"], "LLP");
        assert_eq!(list["plans"][0]["published_at"], plan["published_at"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn publishing_a_plan_again_fixes_it_at_the_new_position_after_the_earlier_one() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        partnership_with_a_gap(&app).await;
        let first = post(&app, vec![plan_event("plan-1", "LLP")]).await;
        let other = post(&app, vec![more_places("later-1"), plan_event("plan-2", "ADULT")]).await;
        let second = post(&app, vec![plan_event("plan-3", "LLP")]).await;
        let (_, plan) = app.get(&format!("{P}/plans/LLP?min_position={second}")).await;
        assert_eq!(plan["position"], second);
        assert_eq!(plan["previous"], json!({"plan_id": "ADULT", "position": other}));
        let (_, adult) = app.get(&format!("{P}/plans/ADULT")).await;
        assert_eq!(adult["previous"], json!({"plan_id": "LLP", "position": first}));
        let changes = &adult["changes_since_previous"];
        assert_eq!((&changes["from"], &changes["to"]), (&json!(first), &json!(other)));
        assert_eq!(changes["gaps"]["changed"][0]["after"]["unmet"], 6, "{changes}");
        assert_eq!(changes["summary"]["unmet"], json!([16, 6]));
        let (_, list) = app.get(&format!("{P}/plans")).await;
        let listed: Vec<(&str, u64)> = list["plans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["plan_id"].as_str().unwrap(), p["position"].as_u64().unwrap()))
            .collect();
        assert_eq!(listed, [("LLP", second), ("ADULT", other)], "newest first, each plan once");
        app.stop().await;
    }
}

/// `src=`, `href=` or `url(` naming something to load, or an `@import`.
fn outside_references(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    let mut found = Vec::new();
    for marker in ["src=", "url(", "@import", "<link", "<script"] {
        found.extend(lower.match_indices(marker).map(|(i, _)| lower[i..(i + 40).min(lower.len())].to_owned()));
    }
    found.extend(lower.match_indices("href=").filter_map(|(i, _)| {
        let target = lower[i + 5..].trim_start_matches(['"', '\'']);
        (!target.starts_with("http")).then(|| lower[i..(i + 40).min(lower.len())].to_owned())
    }));
    found
}

/// The text of the PDF's first page, read by poppler's `pdftotext` (scripts/test.sh installs it).
fn first_page_text(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("provisio-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("plan-{}.pdf", fastrand::u64(..)));
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-f", "1", "-l", "1"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed: scripts/test.sh installs it");
    assert!(out.status.success(), "pdftotext could not read the PDF: {}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_file(&file);
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_document_is_the_same_bytes_every_time_self_contained_and_a_readable_pdf() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        partnership_with_a_gap(&app).await;
        let at = post(&app, vec![plan_event("plan-1", "LLP")]).await;
        let path = format!("{P}/plans/LLP/document?min_position={at}");
        let (status, media_type, html) = get_bytes(&app, &path, None).await;
        assert_eq!(status, 200);
        assert!(media_type.starts_with("text/html"), "{media_type}");
        post(&app, vec![more_places("later-1")]).await;
        assert_eq!(get_bytes(&app, &path, None).await.2, html, "the same plan gives the same bytes");
        let text = String::from_utf8(html).unwrap();
        assert!(text.contains("Local learning plan LLP") && text.contains("Sunderland Learning Partnership"));
        assert_eq!(outside_references(&text), Vec::<String>::new());

        let (status, media_type, pdf) = get_bytes(&app, &format!("{path}&format=pdf"), None).await;
        assert_eq!((status, media_type.as_str()), (200, "application/pdf"));
        assert_eq!(get_bytes(&app, &path, Some("application/pdf")).await.2, pdf, "Accept asks for the same PDF");
        assert!(first_page_text(&pdf).contains("Local learning plan LLP"));

        let (status, problem) = app.get(&format!("{path}&format=docx")).await;
        assert_eq!((status, problem["code"].as_str()), (400, Some("invalid-parameter")));
        assert!(problem["detail"].as_str().unwrap().contains("format"));
        for unknown in ["/plans/NOPE", "/plans/NOPE/progress", "/plans/NOPE/document"] {
            let (status, problem) = app.get(&format!("{P}{unknown}")).await;
            assert_eq!((status, problem["code"].as_str()), (404, Some("plan-not-found")), "{unknown}");
        }
        let (status, _) = app.get("/v1/partnerships/nowhere/plans").await;
        assert_eq!(status, 404);
        app.stop().await;
    }
}

#[tokio::test]
async fn plans_are_read_by_the_partnerships_keys_only() {
    let app = spawn_app(Db::Sqlite, None).await;
    partnership_with_a_gap(&app).await;
    let at = post(&app, vec![plan_event("plan-1", "LLP")]).await;
    let read = |key: String| {
        let url = format!("{}{P}/plans/LLP/document?min_position={at}", app.base);
        async move { reqwest::Client::new().get(url).bearer_auth(key).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(read(create_key(&app.store, "viewer", Some("sunderland")).await).await, 200);
    assert_eq!(read(create_key(&app.store, "partnership", Some("sunderland")).await).await, 200);
    let member = create_key(&app.store, "member", Some("sunderland/sunderland-college")).await;
    assert_eq!(read(member.clone()).await, 200);
    assert_eq!(read(create_key(&app.store, "member", Some("hull/hull-college")).await).await, 403);
    assert_eq!(read(create_key(&app.store, "viewer", Some("hull")).await).await, 403);
    assert_eq!(read(create_key(&app.store, "provider", Some("10006570")).await).await, 403);
    // Only the partnership publishes its plan: a member's key may not.
    let r = reqwest::Client::new()
        .post(format!("{}/v1/events", app.base))
        .bearer_auth(member)
        .json(&plan_event("plan-by-member", "MINE"))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let answer: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status == 403 || answer["accepted"] == json!([]), "{status} {answer}");
    app.stop().await;
}

#[tokio::test]
async fn a_plan_lists_its_members_and_agreed_proposals_as_they_were_and_follows_them() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        partnership_with_a_gap(&app).await;
        let mut decided = event(EventType::ProposalDecided, "decided-1");
        let mut made = event(EventType::ProposalMade, "made-1");
        made["source"] = json!("urn:lp:sunderland");
        let mut open = event(EventType::ProposalMade, "made-2");
        open["source"] = json!("urn:lp:sunderland");
        open["data"]["proposal_id"] = json!("P-OPEN");
        let joined = event(EventType::MemberJoined, "joined-1");
        post(&app, vec![joined, made, open, decided.clone()]).await;
        let at = post(&app, vec![plan_event("plan-1", "LLP")]).await;
        let (_, plan) = app.get(&format!("{P}/plans/LLP?min_position={at}")).await;
        assert_eq!(plan["members"][0]["member_id"], "sunderland-college", "{plan}");
        let listed: Vec<&str> =
            plan["proposals"].as_array().unwrap().iter().map(|p| p["proposal_id"].as_str().unwrap()).collect();
        assert_eq!(listed, ["P-ENG-3"], "by default the agreed and done proposals");
        assert_eq!(plan["proposals"][0]["status"], "agreed");
        assert!(plan["proposals"][0]["fulfilment"].is_array(), "the proposal's detail");

        decided["id"] = json!("decided-2");
        decided["data"]["decision"] = json!("completed");
        let now = post(&app, vec![decided]).await;
        let (_, progress) = app.get(&format!("{P}/plans/LLP/progress?min_position={now}")).await;
        assert_eq!(
            progress["proposals"],
            json!([{"proposal_id": "P-ENG-3", "status_then": "agreed", "status_now": "done"}])
        );
        let (_, again) = app.get(&format!("{P}/plans/LLP")).await;
        assert_eq!(again, plan);

        let mut chosen = plan_event("plan-2", "CHOSEN");
        chosen["data"]["proposal_ids"] = json!(["P-OPEN", "P-NONE"]);
        let at = post(&app, vec![chosen]).await;
        let (_, plan) = app.get(&format!("{P}/plans/CHOSEN?min_position={at}")).await;
        let listed: Vec<&str> =
            plan["proposals"].as_array().unwrap().iter().map(|p| p["proposal_id"].as_str().unwrap()).collect();
        assert_eq!(listed, ["P-OPEN"], "proposal_ids, those that exist");
        app.stop().await;
    }
}
