//! What-if: draft events simulated on a copy of the current state, never stored.

use super::*;

fn hull_event(source: &str, ty: &str, data: Value) -> Value {
    json!({"specversion": "1.0", "source": source, "type": ty, "data": data})
}

pub(super) fn draft_offer(ukprn: &str, offer_id: &str, places: u32) -> Value {
    hull_event(
        &format!("urn:ukprn:{ukprn}"),
        "lp.provision.offered.v1",
        json!({"ukprn": ukprn, "offer_id": offer_id, "venue_id": "V", "title": "Course", "subject": "4.1", "level": "3",
               "age_group": "16-18", "mode": "full-time", "academic_year": "2026/27", "places": places}),
    )
}

/// Hull with a critical gap of 40 learners (4.1, level 3, 16-18, 2026/27) and three providers'
/// venues; answers the last position.
pub(super) async fn hull_with_a_gap(app: &TestApp) -> u64 {
    let mut events = Events { rng: fastrand::Rng::with_seed(1), next_id: 0 };
    let mut batch = vec![events.registration()];
    batch.extend(UKPRNS.map(|u| events.venue(u, true)));
    batch.push(events.partnership(
        "lp.need.identified.v1",
        json!({"need_id": "N1", "subject": "4.1", "level": "3", "age_group": "16-18", "academic_year": "2026/27",
               "learners": 40, "evidence": "employer-survey"}),
    ));
    let (status, answer) = app.post_events(&Value::Array(batch)).await;
    assert_eq!(status, 202, "{answer}");
    answer["accepted"][4]["position"].as_u64().unwrap()
}

#[tokio::test]
async fn a_what_if_answers_the_changes_drafts_would_make_and_leaves_log_reports_and_stream_untouched() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        let last = hull_with_a_gap(&app).await;
        let (_, gaps_before) = app.get(&format!("/v1/partnerships/hull/gaps?min_position={last}")).await;
        let metrics_before =
            app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
        let mut sse = crate::reports::Sse::open(&app, "hull", None).await;

        let drafts = json!([draft_offer(UKPRNS[0], "D1", 25), draft_offer(UKPRNS[1], "D2", 5)]);
        let (status, changes) =
            app.post_json(&format!("/v1/partnerships/hull/what-if?min_position={last}"), &drafts).await;

        assert_eq!(status, 200, "{changes}");
        assert_eq!((&changes["from"], &changes["to"]), (&json!(last), &Value::Null));
        let changed = &changes["gaps"]["changed"][0];
        assert_eq!((&changed["before"]["unmet"], &changed["after"]["unmet"]), (&json!(40), &json!(10)));
        assert_eq!(
            changed["after"]["offers"],
            json!([{"ukprn": UKPRNS[0], "offer_id": "D1", "places": 25}, {"ukprn": UKPRNS[1], "offer_id": "D2", "places": 5}])
        );
        assert_eq!(changes["summary"]["critical"], json!([1, 0]));
        // Nothing stored, no report moved, nothing counted.
        assert_eq!(app.log().await.len() as u64, last);
        let (_, gaps_after) = app.get("/v1/partnerships/hull/gaps").await;
        assert_eq!(gaps_after, gaps_before);
        let metrics_after = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
        let accepted = |m: &str| {
            m.lines().filter(|l| l.starts_with("provisio_events_accepted_total")).map(str::to_owned).collect::<Vec<_>>()
        };
        assert_eq!(accepted(&metrics_after), accepted(&metrics_before));
        // The live stream's next change is the next real event's, not the simulation's.
        let (_, real) = app
            .post_events(
                &draft_offer(UKPRNS[2], "R1", 1)
                    .as_object()
                    .map(|o| {
                        let mut o = o.clone();
                        o.insert("id".into(), json!("real-1"));
                        o.insert("time".into(), json!("2026-09-01T09:00:00Z"));
                        Value::Object(o)
                    })
                    .unwrap(),
            )
            .await;
        let (kind, position, data) = sse.next().await;
        assert_eq!((kind.as_str(), position), ("gap.changed", real["accepted"][0]["position"].as_i64().unwrap()));
        assert_eq!(data["row"]["unmet"], json!(39));
        // A draft whose id is in the log already has no effect, as in the log.
        let mut again = draft_offer(UKPRNS[2], "R1", 30);
        again["id"] = json!("real-1");
        let (_, none) = app.post_json("/v1/partnerships/hull/what-if", &json!([again])).await;
        assert_eq!(none["gaps"], json!({"opened": [], "closed": [], "changed": []}), "{none}");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_invalid_draft_is_named_by_index_and_field_and_keys_see_what_their_role_allows() {
    let app = spawn_app(Db::Sqlite, None).await;
    hull_with_a_gap(&app).await;
    let mut bad = draft_offer(UKPRNS[0], "D1", 0);
    bad["data"]["subject"] = json!("99.9");
    let (status, problem) =
        app.post_json("/v1/partnerships/hull/what-if", &json!([draft_offer(UKPRNS[0], "D0", 3), bad])).await;
    assert_eq!((status, problem["code"].as_str()), (422, Some("invalid-draft")), "{problem}");
    let fields: Vec<(u64, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["index"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert!(fields.contains(&(1, "data.places")) && fields.contains(&(1, "data.subject")), "{problem}");
    assert!(fields.iter().all(|(i, _)| *i == 1), "{problem}");

    let with_key = |key: String| {
        let app = &app;
        move |body: Value| {
            let key = key.clone();
            async move {
                let url = format!("{}/v1/partnerships/hull/what-if", app.base);
                let r = reqwest::Client::new().post(url).bearer_auth(&key).json(&body).send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap_or(Value::Null))
            }
        }
    };
    let provider = with_key(create_key(&app.store, "provider", Some(UKPRNS[0])).await);
    let (status, answer) = provider(json!([draft_offer(UKPRNS[0], "D1", 40)])).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({"summary": {"unmet": [40, 0], "gaps": [1, 0], "critical": [1, 0], "duplications": [0, 0], "wasteful": [0, 0]}})
    );
    let (status, _) = provider(json!([draft_offer(UKPRNS[1], "D1", 40)])).await;
    assert_eq!(status, 403, "a provider simulates its own drafts only");
    let viewer = with_key(create_key(&app.store, "viewer", Some("hull")).await);
    assert_eq!(viewer(json!([draft_offer(UKPRNS[0], "D1", 40)])).await.0, 403);
    let partnership = with_key(create_key(&app.store, "partnership", Some("hull")).await);
    let (status, answer) = partnership(json!([draft_offer(UKPRNS[1], "D1", 40)])).await;
    assert_eq!((status, &answer["summary"]["gaps"]), (200, &json!([1, 0])), "drafts of any source");
    app.stop().await;
}
