//! The planner's view by name over HTTP (CONTRACT section 5, v2): the providers and needs that
//! the reports name, and targets' titles, read like the reports and by the same keys.

use crate::access::call;
use crate::helpers::*;
use crate::reports::{engineering_offer, provider_event, registration, venue};
use serde_json::{Value, json};

fn lp_event(id: &str, ty: &str, data: Value) -> Value {
    let mut data = data;
    data["partnership_id"] = json!("sunderland");
    json!({"specversion": "1.0", "id": id, "source": "urn:lp:sunderland", "type": ty, "time": "2026-09-01T09:00:00Z", "data": data})
}

fn need(need_id: &str, level: &str, learners: u32, extra: Value) -> Value {
    let mut data = json!({"need_id": need_id, "subject": "4.1", "level": level, "age_group": "16-18",
                          "academic_year": "2026/27", "learners": learners, "evidence": "employer-survey"});
    data.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    lp_event(&format!("need-{need_id}"), "lp.need.identified.v1", data)
}

#[tokio::test]
async fn providers_and_needs_are_read_by_name_like_the_reports_and_by_the_same_keys() {
    let app = spawn_app(Db::Postgres, None).await;
    let events = json!([
        registration(),
        venue("10006570", "v-a"),
        venue("10000001", "v-b"),
        provider_event(
            "10006570",
            "reg-a",
            "lp.provider.registered.v1",
            json!({"name": "Sunderland College", "kind": "fe-college", "website": "https://www.sunderlandcollege.ac.uk"})
        ),
        engineering_offer("10006570", "A1", 10, "a1"),
        engineering_offer("10006570", "A2", 10, "a2"),
        engineering_offer("10000001", "B1", 10, "b1"),
        need("N2", "3", 40, json!({"note": "Nissan supplier survey, spring", "mode": "full-time"})),
        need("N1", "2", 12, json!({"area": "E08000024", "evidence": "lsc"})),
        need("N3", "3", 5, json!({})),
        lp_event("w-n3", "lp.need.withdrawn.v1", json!({"need_id": "N3"})),
        lp_event(
            "t0",
            "lp.target.set.v1",
            json!({"target_id": "T0", "academic_year": "2026/27", "measure": "places",
            "value": 60, "subject": "4.1", "title": "Level 3 engineering places for 16-18s"})
        ),
    ]);
    let (status, r) = app.post_events(&events).await;
    assert_eq!((status, &r["rejected"]), (202, &json!([])));
    let last = r["accepted"].as_array().unwrap().last().unwrap()["position"].as_i64().unwrap();

    // By UKPRN; one not registered yet has no name.
    let (status, providers) = app.get(&format!("/v1/partnerships/sunderland/providers?min_position={last}")).await;
    assert_eq!(status, 200, "{providers}");
    assert_eq!(providers["position"], json!(last));
    assert_eq!(
        providers["providers"],
        json!([
            {"ukprn": "10000001", "name": null, "kind": null, "website": null, "live_offers": 1},
            {"ukprn": "10006570", "name": "Sunderland College", "kind": "fe-college",
             "website": "https://www.sunderlandcollege.ac.uk", "live_offers": 2},
        ])
    );

    // By need id, with every detail; the withdrawn need is gone; the report filters apply.
    let (_, needs) = app.get(&format!("/v1/partnerships/sunderland/needs?min_position={last}")).await;
    assert_eq!(needs["position"], json!(last));
    assert_eq!(
        needs["needs"],
        json!([
            {"need_id": "N1", "academic_year": "2026/27", "subject": "4.1", "level": "2", "age_group": "16-18",
             "learners": 12, "evidence": "lsc", "mode": null, "area": "E08000024", "note": null},
            {"need_id": "N2", "academic_year": "2026/27", "subject": "4.1", "level": "3", "age_group": "16-18",
             "learners": 40, "evidence": "employer-survey", "mode": "full-time", "area": null,
             "note": "Nissan supplier survey, spring"},
        ])
    );
    let ids = |body: &Value| body["needs"].as_array().unwrap().iter().map(|n| n["need_id"].clone()).collect::<Vec<_>>();
    let (_, level3) = app.get("/v1/partnerships/sunderland/needs?level=3").await;
    assert_eq!(ids(&level3), [json!("N2")]);
    let (_, other_year) = app.get("/v1/partnerships/sunderland/needs?academic_year=2025/26").await;
    assert_eq!(ids(&other_year), Vec::<Value>::new());
    let (status, bad) = app.get("/v1/partnerships/sunderland/needs?level=9").await;
    assert_eq!((status, bad["code"].as_str()), (400, Some("invalid-query")));

    // A target carries its title.
    let (_, targets) = app.get("/v1/partnerships/sunderland/targets").await;
    assert_eq!(targets["targets"][0]["title"], json!("Level 3 engineering places for 16-18s"));

    // Registering the second provider names it; the gap row's needs are the ones listed.
    let named = provider_event(
        "10000001",
        "reg-b",
        "lp.provider.registered.v1",
        json!({"name": "Wearside Engineering Training", "kind": "training-provider"}),
    );
    let (_, r) = app.post_events(&named).await;
    let at = r["accepted"][0]["position"].as_i64().unwrap();
    let (_, providers) = app.get(&format!("/v1/partnerships/sunderland/providers?min_position={at}")).await;
    assert_eq!(providers["providers"][0]["name"], json!("Wearside Engineering Training"));
    let (_, gaps) = app.get("/v1/partnerships/sunderland/gaps?level=3").await;
    assert_eq!(gaps["gaps"][0]["needs"], json!(["N2"]));

    // Who may read them: the reports' readers, nobody else.
    let viewer = create_key(&app.store, "viewer", Some("sunderland")).await;
    let partner = create_key(&app.store, "partnership", Some("sunderland")).await;
    let stranger = create_key(&app.store, "viewer", Some("south-tyneside")).await;
    let provider = create_key(&app.store, "provider", Some("10006570")).await;
    for path in ["/v1/partnerships/sunderland/providers", "/v1/partnerships/sunderland/needs"] {
        for (key, expected) in [
            (Some(viewer.as_str()), 200),
            (Some(partner.as_str()), 200),
            (Some(stranger.as_str()), 403),
            (Some(provider.as_str()), 403),
            (None, 401),
        ] {
            let (status, body) = call(&app, "GET", path, key, None).await;
            assert_eq!(status, expected, "{path} with {key:?}: {body}");
        }
    }
    let (status, viewed) = call(&app, "GET", "/v1/partnerships/sunderland/needs", Some(&viewer), None).await;
    assert_eq!((status, viewed["needs"].as_array().map(Vec::len)), (200, Some(2)));
    let (status, events) = call(&app, "GET", "/v1/events", Some(&viewer), None).await;
    assert_eq!(status, 403, "a viewer still may not read the log: {events}");
    let (status, missing) = app.get("/v1/partnerships/nowhere/needs").await;
    assert_eq!((status, missing["code"].as_str()), (404, Some("partnership-not-found")));
    let (status, _) = app.get("/v1/partnerships/nowhere/providers").await;
    assert_eq!(status, 404);
    app.stop().await;
}
