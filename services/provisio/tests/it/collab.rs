//! Members and proposals (CONTRACT section 8) from outside: member keys over HTTP and over a
//! nats-server configured by `provisio nats-config`, the members and proposals answers (now
//! and as of an earlier position), and `proposal.changed` on the live stream.

use crate::access::call;
use crate::helpers::*;
use crate::reports::Sse;
use async_nats::jetstream;
use serde_json::{Value, json};
use std::time::Duration;

const P: &str = "sunderland";
const U: &str = "10006570";

fn event(source: &str, ty: &str, id: &str, data: Value) -> Value {
    json!({"specversion": "1.0", "id": id, "source": source, "type": ty, "time": "2026-09-01T09:00:00Z", "data": data})
}

fn lp(ty: &str, id: &str, data: Value) -> Value {
    event(&format!("urn:lp:{P}"), ty, id, data)
}

/// Sunderland with a critical gap of 40 Level 3 engineering places and two members.
fn setting() -> Vec<Value> {
    let cell = json!({"subject": "4.1", "level": "3", "age_group": "16-18", "academic_year": "2026/27"});
    let mut need = json!({"partnership_id": P, "need_id": "N-ENG", "learners": 40, "evidence": "employer-survey"});
    need.as_object_mut().unwrap().extend(cell.as_object().unwrap().clone());
    vec![
        lp(
            "lp.partnership.registered.v1",
            "reg",
            json!({"partnership_id": P, "name": "Sunderland", "areas": ["E08000024"]}),
        ),
        event(
            &format!("urn:ukprn:{U}"),
            "lp.venue.registered.v1",
            "venue",
            json!({"ukprn": U, "venue_id": "CITY", "name": "City Campus", "postcode": "SR1 3AD", "area": "E08000024"}),
        ),
        lp("lp.need.identified.v1", "need", need),
        lp(
            "lp.member.joined.v1",
            "join-college",
            json!({"partnership_id": P, "member_id": "college", "name": "Sunderland College", "kind": "fe-college", "ukprn": U}),
        ),
        lp(
            "lp.member.joined.v1",
            "join-lea",
            json!({"partnership_id": P, "member_id": "lea", "name": "City of Sunderland LEA", "kind": "local-authority"}),
        ),
    ]
}

/// A proposal of `member`, from its own member source, to run 24 engineering places.
fn proposal(member: &str, id: &str) -> Value {
    let offer = json!({"ukprn": U, "academic_year": "2026/27", "offer_id": "ENG-NEW", "venue_id": "CITY",
        "title": "Engineering (Level 3)", "subject": "4.1", "level": "3", "age_group": "16-18", "mode": "full-time", "places": 24});
    event(
        &format!("urn:lp:{P}:member:{member}"),
        "lp.proposal.made.v1",
        id,
        json!({"partnership_id": P, "proposal_id": "P-ENG", "member_id": member, "title": "A second engineering group",
               "kind": "fill-gap", "changes": [{"type": "lp.provision.offered.v1", "data": offer}],
               "addresses": [{"report": "gap", "academic_year": "2026/27", "subject": "4.1", "level": "3", "age_group": "16-18"}]}),
    )
}

fn response(source: &str, member: &str, id: &str, stance: &str) -> Value {
    event(
        source,
        "lp.proposal.responded.v1",
        id,
        json!({"partnership_id": P, "proposal_id": "P-ENG", "member_id": member, "stance": stance}),
    )
}

fn decision(source: &str, id: &str, decision: &str) -> Value {
    event(
        source,
        "lp.proposal.decided.v1",
        id,
        json!({"partnership_id": P, "proposal_id": "P-ENG", "decision": decision}),
    )
}

fn accepted(answer: &Value) -> usize {
    answer["accepted"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_member_key_proposes_and_responds_for_itself_only_and_reads_the_proposals() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        let (status, answer) = app.post_events(&json!(setting())).await;
        assert_eq!((status, accepted(&answer)), (202, 5), "{answer}");
        let college = create_key(&app.store, "member", Some("sunderland/college")).await;
        let lea = create_key(&app.store, "member", Some("sunderland/lea")).await;
        let partnership = create_key(&app.store, "partnership", Some(P)).await;
        let post = |key: &str, body: Value| {
            let key = key.to_owned();
            let app = &app;
            async move { call(app, "POST", "/v1/events", Some(&key), Some(body)).await }
        };

        let (status, answer) = post(&college, proposal("college", "made")).await;
        assert_eq!((status, accepted(&answer)), (202, 1), "{answer}");
        let made_at = answer["accepted"][0]["position"].as_i64().unwrap();
        let (status, answer) =
            post(&lea, response(&format!("urn:lp:{P}:member:lea"), "lea", "lea-yes", "support")).await;
        assert_eq!((status, accepted(&answer)), (202, 1), "{answer}");

        // Refused: another member's id, another partnership, a decision, a plan.
        let as_lea = response(&format!("urn:lp:{P}:member:lea"), "lea", "forged", "object");
        assert_eq!(post(&college, as_lea).await.0, 403);
        let elsewhere =
            json!({"partnership_id": "hull", "proposal_id": "P-ENG", "member_id": "college", "stance": "object"});
        let elsewhere = event("urn:lp:hull:member:college", "lp.proposal.responded.v1", "hull", elsewhere);
        assert_eq!(post(&college, elsewhere).await.0, 403);
        assert_eq!(post(&college, decision(&format!("urn:lp:{P}"), "agree", "agreed")).await.0, 403);
        let (status, answer) =
            post(&college, decision(&format!("urn:lp:{P}:member:college"), "agree2", "agreed")).await;
        assert_eq!((status, answer["rejected"][0]["errors"][0]["code"].as_str()), (202, Some("source-mismatch")));
        let plan = lp(
            "lp.plan.published.v1",
            "plan",
            json!({"partnership_id": P, "plan_id": "2026", "title": "Plan", "academic_years": ["2026/27"],
                   "status": "draft", "priorities": []}),
        );
        let (status, answer) = post(&college, plan).await;
        assert!(
            status == 403 || (status == 202 && accepted(&answer) == 0),
            "a member may not publish a plan: {answer}"
        );

        // The partnership decides; it may also speak for a member.
        let (status, answer) =
            post(&partnership, response(&format!("urn:lp:{P}"), "college", "minutes", "support")).await;
        assert_eq!((status, accepted(&answer)), (202, 1), "{answer}");
        let (status, answer) = post(&partnership, decision(&format!("urn:lp:{P}"), "agreed", "agreed")).await;
        assert_eq!((status, accepted(&answer)), (202, 1), "{answer}");
        let last = answer["accepted"][0]["position"].as_i64().unwrap();

        let get = |path: String| {
            let key = college.clone();
            let app = &app;
            async move { call(app, "GET", &path, Some(&key), None).await }
        };
        let (status, members) = get(format!("/v1/partnerships/{P}/members?min_position={last}")).await;
        assert_eq!(status, 200, "{members}");
        assert_eq!(
            members["members"][0],
            json!({"member_id": "college", "name": "Sunderland College", "kind": "fe-college", "ukprn": U, "current": true})
        );
        assert_eq!(members["members"][1]["member_id"], "lea");
        let (status, list) = get(format!("/v1/partnerships/{P}/proposals?status=agreed")).await;
        assert_eq!(status, 200, "{list}");
        let summary = &list["proposals"][0];
        assert_eq!(summary["status"], "agreed");
        assert_eq!(summary["tally"], json!({"support": 2, "object": 0, "abstain": 0}));
        assert_eq!(summary["fulfilment"], json!({"done": 0, "of": 1}));
        assert_eq!(summary["impact"]["summary"]["unmet"], json!([40, 16]));
        assert_eq!(summary["addressed"][0]["open"], json!(true));
        assert_eq!(
            (summary["made_position"].as_i64(), summary["decided_position"].as_i64()),
            (Some(made_at), Some(last))
        );
        let (_, open) = get(format!("/v1/partnerships/{P}/proposals?status=open")).await;
        assert_eq!(open["proposals"], json!([]));

        let (status, detail) = get(format!("/v1/partnerships/{P}/proposals/P-ENG")).await;
        assert_eq!(status, 200, "{detail}");
        let stances: Vec<(&str, &str)> = detail["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["member_id"].as_str().unwrap(), r["stance"].as_str().unwrap()))
            .collect();
        assert_eq!(stances, [("college", "support"), ("lea", "support")]);
        assert_eq!(detail["decision"]["decision"], "agreed");
        assert_eq!(detail["impact"]["from"], json!(last));
        assert_eq!(detail["fulfilment"], json!([{"index": 0, "done": false}]));

        // As of the position it was made at: open, nobody had responded yet.
        let (status, then) = get(format!("/v1/partnerships/{P}/proposals?as_of_position={made_at}")).await;
        assert_eq!(status, 200, "{then}");
        assert_eq!(then["position"], json!(made_at));
        assert_eq!(then["proposals"][0]["status"], "open");
        assert_eq!(then["proposals"][0]["tally"]["support"], 0);
        let (status, before) =
            get(format!("/v1/partnerships/{P}/proposals/P-ENG?as_of_position={}", made_at - 1)).await;
        assert_eq!((status, before["code"].as_str()), (404, Some("proposal-not-found")));

        // The offer it proposed goes live: the proposal is done.
        let mut offer = proposal("college", "x")["data"]["changes"][0]["data"].clone();
        offer["places"] = json!(30);
        let done = event(&format!("urn:ukprn:{U}"), "lp.provision.offered.v1", "eng-new", offer);
        let (_, answer) = app.post_events(&done).await;
        let at = answer["accepted"][0]["position"].as_i64().unwrap();
        let (_, list) = get(format!("/v1/partnerships/{P}/proposals?min_position={at}")).await;
        assert_eq!(list["proposals"][0]["status"], "done");
        assert_eq!(list["proposals"][0]["fulfilment"], json!({"done": 1, "of": 1}));
        assert_eq!(list["proposals"][0]["addressed"][0]["open"], json!(true), "30 places of 40 leave a gap");

        // Bad input, and who may not read.
        let (status, problem) = get(format!("/v1/partnerships/{P}/proposals/NOPE")).await;
        assert_eq!((status, problem["code"].as_str()), (404, Some("proposal-not-found")));
        let (status, problem) = get(format!("/v1/partnerships/{P}/proposals?status=pending")).await;
        assert_eq!((status, problem["code"].as_str()), (400, Some("invalid-parameter")));
        assert!(problem["detail"].as_str().unwrap().contains("status"), "{problem}");
        let (status, problem) = get(format!("/v1/partnerships/{P}/members?as_of_position=x")).await;
        assert_eq!((status, problem["code"].as_str()), (400, Some("invalid-parameter")));
        assert_eq!(get("/v1/partnerships/hull/members".into()).await.0, 403);
        let provider = create_key(&app.store, "provider", Some(U)).await;
        assert_eq!(call(&app, "GET", &format!("/v1/partnerships/{P}/proposals"), Some(&provider), None).await.0, 403);
        let viewer = create_key(&app.store, "viewer", Some(P)).await;
        assert_eq!(call(&app, "GET", &format!("/v1/partnerships/{P}/members"), Some(&viewer), None).await.0, 200);
        assert_eq!(app.get("/v1/partnerships/nowhere/members").await.0, 404);
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_proposals_are_rejected_with_the_field_path_inside_the_changes() {
    let app = spawn_app(Db::Sqlite, None).await;
    let mut bad = proposal("college", "bad");
    bad["data"]["changes"][0]["data"]["places"] = json!(0);
    let mut many = proposal("college", "many");
    let change = many["data"]["changes"][0].clone();
    many["data"]["changes"] = json!(vec![change; 101]);
    let mut unknown = decision(&format!("urn:lp:{P}"), "unknown", "agreed");
    unknown["data"]["proposal_id"] = json!("NO-SUCH");
    let (status, answer) = app.post_events(&json!([bad, many, unknown])).await;
    assert_eq!(status, 202, "{answer}");
    let fields: Vec<&str> =
        answer["rejected"].as_array().unwrap().iter().map(|r| r["errors"][0]["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["data.changes[0].data.places", "data.changes"]);
    // A decision naming no proposal is accepted and has no effect (a proposal may come later).
    assert_eq!(accepted(&answer), 1);
    app.stop().await;
}

#[tokio::test]
async fn proposal_changes_are_pushed_on_the_live_stream() {
    let app = spawn_app(Db::Sqlite, None).await;
    let (_, answer) = app.post_events(&json!(setting())).await;
    assert_eq!(accepted(&answer), 5);
    let mut live = Sse::open(&app, P, None).await;
    let (_, answer) = app.post_events(&proposal("college", "made")).await;
    let made_at = answer["accepted"][0]["position"].as_i64().unwrap();
    let (kind, id, data) = live.next().await;
    assert_eq!((kind.as_str(), id), ("proposal.changed", made_at));
    assert_eq!(data["key"], json!({"proposal_id": "P-ENG"}));
    assert_eq!(data["row"]["status"], "open");
    assert_eq!(data["row"]["impact"]["summary"]["unmet"], json!([40, 16]));
    // An unrelated event moves the gap the proposal addresses, and so its impact.
    let more = json!({"partnership_id": P, "need_id": "N-ENG-2", "subject": "4.1", "level": "3", "age_group": "16-18",
                      "academic_year": "2026/27", "learners": 10, "evidence": "lsc"});
    app.post_events(&lp("lp.need.identified.v1", "need-2", more)).await;
    let (kind, _, _) = live.next().await;
    assert_eq!(kind, "gap.changed");
    let (kind, _, data) = live.next().await;
    assert_eq!(kind, "proposal.changed");
    assert_eq!(data["row"]["impact"]["summary"]["unmet"], json!([50, 26]));
    app.stop().await;
}

#[tokio::test]
async fn the_nats_server_keeps_a_member_to_its_own_subjects() {
    let (url, sqlite) = database(Db::Sqlite).await;
    let keys = provisio_store::Store::connect(&url).await.unwrap();
    let college = create_key(&keys, "member", Some("sunderland/college")).await;
    let nats = crate::nats_access::SecuredNats::start(&url);
    let app = spawn_app_on(url, sqlite, Some(&nats.service_url())).await;
    let (_, answer) = app.post_events(&json!(setting())).await;
    assert_eq!(accepted(&answer), 5);

    let client = provisio_ingest::connect_nats(&nats.url_for(&college), "college").await.unwrap();
    // A member reads its partnership's live changes on core NATS.
    let mut live = client.subscribe(format!("lp.live.{P}.proposal.changed")).await.unwrap();
    client.flush().await.unwrap();
    let js = jetstream::new(client);
    let publish = |subject: String, e: Value| {
        let js = js.clone();
        async move {
            let id = e["id"].as_str().unwrap().to_owned();
            let m =
                jetstream::message::PublishMessage::build().payload(e.to_string().into_bytes().into()).message_id(id);
            match js.send_publish(subject, m).await {
                Err(_) => false,
                Ok(ack) => tokio::time::timeout(Duration::from_secs(5), ack).await.is_ok_and(|r| r.is_ok()),
            }
        }
    };
    let own = proposal("college", "nats-own");
    assert_eq!(subject_of(&own), format!("lp.v1.member.{P}.college.lp.proposal.made.v1"));
    assert!(publish(subject_of(&own), own).await, "its own subject is open to it");
    let pushed = tokio::time::timeout(Duration::from_secs(10), futures_util::StreamExt::next(&mut live))
        .await
        .expect("proposal.changed on lp.live")
        .unwrap();
    let change: Value = serde_json::from_slice(&pushed.payload).unwrap();
    assert_eq!((change["kind"].as_str(), &change["key"]), (Some("proposal.changed"), &json!({"proposal_id": "P-ENG"})));
    let as_lea = response(&format!("urn:lp:{P}:member:lea"), "lea", "nats-lea", "object");
    assert!(!publish(subject_of(&as_lea), as_lea).await, "another member's subject is refused by the server");
    let decided = decision(&format!("urn:lp:{P}"), "nats-decide", "agreed");
    assert!(!publish(subject_of(&decided), decided).await, "the partnership's subject is refused by the server");
    let elsewhere = event(
        "urn:lp:hull:member:college",
        "lp.proposal.responded.v1",
        "nats-hull",
        json!({"partnership_id": "hull", "proposal_id": "X", "member_id": "college", "stance": "support"}),
    );
    assert!(!publish(subject_of(&elsewhere), elsewhere).await, "another partnership's subject is refused");

    app.wait_for_log(6).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ids: Vec<String> = app.log().await.iter().map(|e| e["event"]["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.last().map(String::as_str), Some("nats-own"));
    assert_eq!(ids.len(), 6, "only the member's own event was stored: {ids:?}");
    app.stop().await;
}
