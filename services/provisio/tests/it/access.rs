//! Access control attacked from outside: every role against every endpoint and event source
//! over HTTP, and provider users against each other's subjects on a real nats-server started
//! from the generated configuration.

use crate::helpers::*;
use async_nats::jetstream;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

fn event(source: &str, ty: &str, id: &str, data: Value) -> Value {
    json!({"specversion": "1.0", "id": id, "source": source, "type": ty, "time": "2026-09-01T09:00:00Z", "data": data})
}

fn registration(p: &str, area: &str) -> Value {
    event(
        &format!("urn:lp:{p}"),
        "lp.partnership.registered.v1",
        &format!("reg-{p}"),
        json!({"partnership_id": p, "name": p, "areas": [area]}),
    )
}

fn need(p: &str, id: &str) -> Value {
    event(
        &format!("urn:lp:{p}"),
        "lp.need.identified.v1",
        id,
        json!({"partnership_id": p, "need_id": id, "subject": "4.1", "level": "3",
        "age_group": "16-18", "academic_year": "2026/27", "learners": 30, "evidence": "lsc"}),
    )
}

fn provider_offer(ukprn: &str, id: &str) -> Value {
    let mut e = offer(ukprn, &format!("OFF-{id}"), id);
    e["data"]["venue_id"] = json!("V");
    e["data"]["academic_year"] = json!("2026/27");
    e
}

fn venue(ukprn: &str) -> Value {
    event(
        &format!("urn:ukprn:{ukprn}"),
        "lp.venue.registered.v1",
        &format!("venue-{ukprn}"),
        json!({"ukprn": ukprn, "venue_id": "V", "name": "Campus", "postcode": "SR1 3AD", "area": "E08000024"}),
    )
}

const A: &str = "10006570";
const B: &str = "10000001";

/// Sends a request with `key` (`None`: no header; `Some("")`: a malformed header).
pub(crate) async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", app.base);
    let mut request = match method {
        "GET" => client.get(url),
        "POST" => client.post(url),
        "DELETE" => client.delete(url),
        other => panic!("{other}"),
    };
    match key {
        Some("") => request = request.header("authorization", "Basic dXNlcjpwYXNz"),
        Some(k) => request = request.bearer_auth(k),
        None => {}
    }
    if let Some(b) = body {
        request = request.json(&b);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    if status == 401 {
        assert_eq!(response.headers()["www-authenticate"], "Bearer", "{path}");
    }
    if path.ends_with("/live") && status == 200 {
        return (status, Value::Null); // a live stream never ends; dropping it closes it
    }
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_role_gets_exactly_what_it_may_over_http() {
    let app = spawn_app(Db::Sqlite, None).await;
    let seed = json!([
        registration("sunderland", "E08000024"),
        registration("hull", "E06000010"),
        venue(A),
        venue(B),
        provider_offer(A, "a1"),
        provider_offer(B, "b1")
    ]);
    let (status, r) = app.post_events(&seed).await;
    assert_eq!(status, 202, "{r}");
    let last = r["accepted"][5]["position"].as_i64().unwrap();
    app.get(&format!("/v1/partnerships/sunderland/gaps?min_position={last}")).await;

    let admin = app.admin_key.clone();
    let partnership = create_key(&app.store, "partnership", Some("sunderland")).await;
    let viewer = create_key(&app.store, "viewer", Some("sunderland")).await;
    let other_viewer = create_key(&app.store, "viewer", Some("hull")).await;
    let provider = create_key(&app.store, "provider", Some(A)).await;
    let revoked = create_key(&app.store, "provider", Some(A)).await;
    let revoked_id = revoked.split('_').nth(1).unwrap().to_owned();
    assert!(app.store.revoke_key(&revoked_id).await.unwrap());

    let keys: [(&str, Option<&str>); 8] = [
        ("admin", Some(&admin)),
        ("partnership", Some(&partnership)),
        ("viewer", Some(&viewer)),
        ("viewer of another partnership", Some(&other_viewer)),
        ("provider", Some(&provider)),
        ("revoked", Some(&revoked)),
        ("malformed header", Some("")),
        ("no key", None),
    ];
    // Expected status per key, in the order above.
    let reads: [(&str, [u16; 8]); 12] = [
        ("/v1/partnerships", [200, 200, 200, 200, 200, 401, 401, 401]),
        ("/v1/partnerships/sunderland", [200, 200, 200, 200, 200, 401, 401, 401]),
        ("/v1/partnerships/sunderland/gaps", [200, 200, 200, 403, 403, 401, 401, 401]),
        ("/v1/partnerships/sunderland/duplications", [200, 200, 200, 403, 403, 401, 401, 401]),
        ("/v1/partnerships/sunderland/coverage", [200, 200, 200, 403, 403, 401, 401, 401]),
        ("/v1/partnerships/sunderland/targets", [200, 200, 200, 403, 403, 401, 401, 401]),
        ("/v1/partnerships/sunderland/offers", [200, 200, 200, 403, 200, 401, 401, 401]),
        ("/v1/partnerships/sunderland/live", [200, 200, 200, 403, 403, 401, 401, 401]),
        ("/v1/partnerships/sunderland/gaps?as_of_position=1", [200, 200, 200, 403, 403, 401, 401, 401]),
        ("/v1/partnerships/sunderland/changes?from=0", [200, 200, 200, 403, 403, 401, 401, 401]),
        ("/v1/partnerships/sunderland/history", [200, 200, 200, 403, 403, 401, 401, 401]),
        ("/v1/events", [200, 200, 403, 403, 200, 401, 401, 401]),
    ];
    for (path, expected) in reads {
        for ((name, key), want) in keys.iter().zip(expected) {
            let (status, body) = call(&app, "GET", path, *key, None).await;
            assert_eq!(status, want, "GET {path} with {name}: {body}");
            if status == 403 {
                assert!(
                    body["detail"].as_str().unwrap().contains("may not"),
                    "403 names what the key may not do: {body}"
                );
            }
        }
    }
    let admin_only: [(&str, &str, Option<Value>, u16); 2] = [
        ("GET", "/v1/keys", None, 200),
        ("POST", "/v1/keys", Some(json!({"role": "viewer", "partnership": "hull", "label": "x"})), 201),
    ];
    for (method, path, body, ok) in admin_only {
        for ((name, key), want) in keys.iter().zip([ok, 403, 403, 403, 403, 401, 401, 401]) {
            let (status, _) = call(&app, method, path, *key, body.clone()).await;
            assert_eq!(status, want, "{method} {path} with {name}");
        }
    }
    for open in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        let r = reqwest::get(format!("{}{open}", app.base)).await.unwrap();
        assert_eq!(r.status(), 200, "{open} is open without a key");
    }

    // Submitting: each key only its own sources; a viewer nothing.
    let sources: [(&str, Value, [u16; 8]); 4] = [
        ("provider A's event", provider_offer(A, "a2"), [202, 403, 403, 403, 202, 401, 401, 401]),
        ("provider B's event", provider_offer(B, "b2"), [202, 403, 403, 403, 403, 401, 401, 401]),
        ("sunderland's event", need("sunderland", "n1"), [202, 202, 403, 403, 403, 401, 401, 401]),
        ("hull's event", need("hull", "n2"), [202, 403, 403, 403, 403, 401, 401, 401]),
    ];
    for (what, e, expected) in sources {
        for ((name, key), want) in keys.iter().skip(1).zip(expected.iter().skip(1)) {
            let (status, body) = call(&app, "POST", "/v1/events", *key, Some(e.clone())).await;
            assert_eq!(status, *want, "POST {what} with {name}: {body}");
        }
        let (status, _) = call(&app, "POST", "/v1/events", Some(&admin), Some(e.clone())).await;
        assert_eq!(status, expected[0]);
    }
    // A batch with one foreign event is refused whole.
    let (status, body) = call(
        &app,
        "POST",
        "/v1/events",
        Some(&provider),
        Some(json!([provider_offer(A, "a3"), provider_offer(B, "b3")])),
    )
    .await;
    assert_eq!(status, 403);
    assert!(body["detail"].as_str().unwrap().contains("item 1"), "{body}");

    // A provider lists only its own offers, reads only its own log and rejections.
    let (_, offers) = call(&app, "GET", "/v1/partnerships/sunderland/offers", Some(&provider), None).await;
    let ukprns: Vec<&str> = offers["offers"].as_array().unwrap().iter().map(|o| o["ukprn"].as_str().unwrap()).collect();
    assert!(!ukprns.is_empty() && ukprns.iter().all(|u| *u == A), "{ukprns:?}");
    let (_, log) = call(&app, "GET", "/v1/events", Some(&provider), None).await;
    assert!(log["events"].as_array().unwrap().iter().all(|e| e["event"]["source"] == json!(format!("urn:ukprn:{A}"))));
    let (status, _) = call(&app, "GET", &format!("/v1/events?source=urn:ukprn:{B}"), Some(&provider), None).await;
    assert_eq!(status, 403);
    assert_eq!(call(&app, "GET", &format!("/v1/providers/{A}/rejections"), Some(&provider), None).await.0, 200);
    assert_eq!(call(&app, "GET", &format!("/v1/providers/{B}/rejections"), Some(&provider), None).await.0, 403);

    // Every accepted event records the key that submitted it.
    let provider_key_id = provider.split('_').nth(1).unwrap();
    let a2 = log["events"].as_array().unwrap().iter().find(|e| e["event"]["id"] == json!("a2")).expect("a2 in the log");
    assert_eq!(a2["key_id"], json!(provider_key_id));
    app.stop().await;
}

#[tokio::test]
async fn every_key_reads_its_own_role_and_binding_and_no_key_is_401() {
    let app = spawn_app(Db::Sqlite, None).await;
    let admin = app.admin_key.clone();
    let partnership = create_key(&app.store, "partnership", Some("sunderland")).await;
    let viewer = create_key(&app.store, "viewer", Some("hull")).await;
    let provider = create_key(&app.store, "provider", Some(A)).await;
    // A member key may exist before its member joins (CONTRACT section 8).
    let member = create_key(&app.store, "member", Some("sunderland/city-college")).await;
    let cases = [
        (&admin, json!(["admin", null, null, null])),
        (&partnership, json!(["partnership", "sunderland", null, null])),
        (&viewer, json!(["viewer", "hull", null, null])),
        (&provider, json!(["provider", null, null, A])),
        (&member, json!(["member", "sunderland", "city-college", null])),
    ];
    for (key, want) in cases {
        let (status, body) = call(&app, "GET", "/v1/keys/self", Some(key), None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(json!([body["role"], body["partnership_id"], body["member_id"], body["ukprn"]]), want, "{body}");
        assert_eq!(body["key_id"], json!(key.split('_').nth(1).unwrap()), "{body}");
        assert_eq!(body.as_object().unwrap().len(), 5, "exactly the contract's fields: {body}");
    }
    let (status, body) = call(&app, "GET", "/v1/keys/self", None, None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(call(&app, "GET", "/v1/keys/self", Some("pk_nope_nope"), None).await.0, 401);
    app.stop().await;
}

#[tokio::test]
async fn a_key_revoked_over_http_stops_working_at_once() {
    let app = spawn_app(Db::Postgres, None).await;
    let (status, created) =
        app.post_json("/v1/keys", &json!({"role": "provider", "ukprn": A, "label": "college"})).await;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_owned();
    assert_eq!(call(&app, "GET", "/v1/partnerships", Some(&key), None).await.0, 200);
    let (_, listed) = app.get("/v1/keys").await;
    assert!(listed.to_string().contains(created["key_id"].as_str().unwrap()));
    assert!(!listed.to_string().contains(&key), "keys are never shown again");
    let deleted = app
        .client
        .delete(format!("{}/v1/keys/{}", app.base, created["key_id"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(call(&app, "GET", "/v1/partnerships", Some(&key), None).await.0, 401);
    app.stop().await;
}

#[tokio::test]
async fn limits_answer_429_with_retry_after_and_refuse_deep_json() {
    let (url, sqlite) = database(Db::Sqlite).await;
    let limits = provisio_api::Limits {
        rate_per_second: 1.0,
        rate_burst: 3.0,
        sse_per_key: 1,
        events: provisio_ingest::EventLimits { max_json_depth: 8, ..Default::default() },
        ..Default::default()
    };
    let app = spawn_app_with(url, sqlite, None, limits).await;
    let viewer = create_key(&app.store, "viewer", Some("sunderland")).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = reqwest::Client::new()
            .get(format!("{}/v1/partnerships", app.base))
            .bearer_auth(&viewer)
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            assert_eq!(r.headers()["retry-after"], "1");
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);

    let mut deep = json!(1);
    for _ in 0..20 {
        deep = json!([deep]);
    }
    let (status, problem) = app.post_events(&json!({"specversion": "1.0", "data": deep})).await;
    assert_eq!((status, problem["code"].as_str()), (400, Some("too-deep")));

    app.post_events(&registration("sunderland", "E08000024")).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let first =
        app.client.get(format!("{}/v1/partnerships/sunderland/live?min_position=1", app.base)).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let second = app.client.get(format!("{}/v1/partnerships/sunderland/live", app.base)).send().await.unwrap();
    assert_eq!(second.status(), 429, "one live stream per key here");
    drop(first);
    app.stop().await;
}

#[tokio::test]
async fn the_nats_server_refuses_foreign_subjects_and_the_service_rejects_foreign_sources() {
    // Keys first, then the NATS configuration generated from them, then the server.
    let (url, sqlite) = database(Db::Sqlite).await;
    let keys_store = provisio_store::Store::connect(&url).await.unwrap();
    let key_a = create_key(&keys_store, "provider", Some(A)).await;
    let key_b = create_key(&keys_store, "provider", Some(B)).await;
    let nats = crate::nats_access::SecuredNats::start(&url);
    let app = spawn_app_on(url, sqlite, Some(&nats.service_url())).await;

    let connect = |key: String| {
        let url = nats.url_for(&key);
        async move { provisio_ingest::connect_nats(&url, "college").await.unwrap() }
    };
    let as_a = connect(key_a.clone()).await;
    let mut rejected_a = as_a.subscribe(format!("lp.rejected.{A}")).await.unwrap();
    as_a.flush().await.unwrap();
    let js_a = jetstream::new(as_a.clone());

    // A on its own subject: stored.
    let own = provider_offer(A, "nats-a1");
    let m =
        jetstream::message::PublishMessage::build().payload(own.to_string().into_bytes().into()).message_id("nats-a1");
    js_a.send_publish(subject_of(&own), m).await.unwrap().await.unwrap();

    // A on B's subject: the server refuses it; no ack comes and nothing reaches the log.
    let foreign = provider_offer(B, "nats-b1");
    let m = jetstream::message::PublishMessage::build()
        .payload(foreign.to_string().into_bytes().into())
        .message_id("nats-b1");
    let refused = match js_a.send_publish(subject_of(&foreign), m).await {
        Err(_) => true,
        Ok(ack) => tokio::time::timeout(Duration::from_secs(5), ack).await.map_or(true, |r| r.is_err()),
    };
    assert!(refused, "the server must refuse a provider publishing on another provider's subject");
    // Nor may A listen to B's rejections.
    let snoop = as_a.subscribe(format!("lp.rejected.{B}")).await;
    as_a.flush().await.ok();
    if let Ok(mut s) = snoop {
        assert!(tokio::time::timeout(Duration::from_millis(500), s.next()).await.map_or(true, |m| m.is_none()));
    }

    // A on its own subject, claiming B as source: the service rejects it and tells A.
    let mut liar = provider_offer(B, "nats-liar");
    liar["id"] = json!("nats-liar");
    let m = jetstream::message::PublishMessage::build()
        .payload(liar.to_string().into_bytes().into())
        .message_id("nats-liar");
    js_a.send_publish(format!("lp.v1.provider.{A}.lp.provision.offered.v1"), m).await.unwrap().await.unwrap();
    let answer =
        tokio::time::timeout(Duration::from_secs(10), rejected_a.next()).await.expect("a rejection answer").unwrap();
    let answer: Value = serde_json::from_slice(&answer.payload).unwrap();
    assert_eq!(answer["id"], json!("nats-liar"));
    assert_eq!(answer["errors"][0]["code"], json!("subject-mismatch"));

    // B on its own subject works too, with its own key.
    let as_b = connect(key_b).await;
    let mine = provider_offer(B, "nats-b2");
    let m =
        jetstream::message::PublishMessage::build().payload(mine.to_string().into_bytes().into()).message_id("nats-b2");
    jetstream::new(as_b).send_publish(subject_of(&mine), m).await.unwrap().await.unwrap();

    let log = app.wait_for_log(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ids: Vec<String> = app.log().await.iter().map(|e| e["event"]["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["nats-a1", "nats-b2"], "only the events each provider may publish are stored");
    assert_eq!(log.len(), 2);
    app.stop().await;
}
