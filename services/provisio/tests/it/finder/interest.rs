//! `POST /v1/public/interest` and the interest counts in reports.

use super::*;
use crate::helpers::*;
use serde_json::{Value, json};

async fn register(app: &TestApp, body: Value, forwarded_for: Option<&str>) -> (u16, Value, Option<String>) {
    let mut request = anonymous().post(format!("{}/v1/public/interest", app.base)).json(&body);
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    let r = request.send().await.unwrap();
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null), retry)
}

fn cell(extra: Value) -> Value {
    let mut body = json!({"subject": "4.1", "level": "3", "age_group": "19+", "academic_year": "2001/02"});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

#[tokio::test]
async fn interest_counts_in_every_partnership_covering_the_area_and_never_in_demand() {
    for db in BOTH {
        let (app, _dir) = spawn_finder(db, None, 20).await;
        accept(
            &app,
            json!([partnership("sunderland", &["E08000024"]), partnership("wearside", &["E08000024", "E08000021"])]),
        )
        .await;
        let (status, body, _) = register(&app, cell(json!({"postcode": "sr13ad"})), None).await;
        assert_eq!((status, &body), (202, &json!({"partnerships": ["sunderland", "wearside"]})));
        let (status, _, _) = register(&app, cell(json!({"area": "E08000021", "mode": "part-time"})), None).await;
        assert_eq!(status, 202);

        // The service recorded the events itself, with the cell and district only.
        let log = app.wait_for_log(4).await;
        let data = &log[2]["event"];
        assert_eq!(data["source"], "urn:public");
        assert_eq!(
            data["data"],
            json!({"area": "E08000024", "subject": "4.1", "level": "3", "age_group": "19+", "academic_year": "2001/02"})
        );
        let last = log[3]["position"].as_i64().unwrap();

        let (_, s) =
            app.get(&format!("/v1/partnerships/sunderland/interest?academic_year=2001/02&min_position={last}")).await;
        assert_eq!(s["cells"], json!([{"subject": "4.1", "level": "3", "age_group": "19+", "interest": 1}]));
        let (_, w) =
            app.get(&format!("/v1/partnerships/wearside/coverage?academic_year=2001/02&min_position={last}")).await;
        assert_eq!(
            w["cells"],
            json!([{"subject": "4.1", "level": "3", "age_group": "19+", "demand": 0, "supply": 0, "interest": 2}])
        );
        let (_, gaps) = app.get(&format!("/v1/partnerships/wearside/gaps?min_position={last}")).await;
        assert_eq!(gaps["gaps"], json!([]), "interest is never demand");
        app.stop().await;
    }
}

#[tokio::test]
async fn unknown_postcodes_uncovered_areas_and_bad_fields_record_nothing() {
    for db in BOTH {
        let (app, _dir) = spawn_finder(db, None, 100).await;
        accept(&app, json!([partnership("sunderland", &["E08000024"])])).await;
        for postcode in ["XX1 1XX", "not a postcode", "ZZ9 9ZZ"] {
            let (status, body, _) = register(&app, cell(json!({"postcode": postcode})), None).await;
            assert_eq!((status, body["code"].as_str()), (400, Some("unknown-postcode")), "{postcode}");
        }
        for (extra, field) in [
            (json!({"area": "E08000021"}), "area"),
            (json!({"postcode": "NE1 8ST"}), "postcode"),
            (json!({"area": "E99"}), "area"),
            (json!({"area": "E08000024", "subject": "99.9"}), "subject"),
            (json!({"area": "E08000024", "academic_year": "2001/03"}), "academic_year"),
        ] {
            let (status, body, _) = register(&app, cell(extra.clone()), None).await;
            assert_eq!((status, body["code"].as_str()), (422, Some("invalid-interest")), "{extra}");
            assert!(body["detail"].as_str().unwrap().starts_with(field), "{body}");
        }
        assert_eq!(app.log().await.len(), 1, "nothing was recorded");
        app.stop().await;
    }
}

#[tokio::test]
async fn each_client_address_has_its_hourly_allowance() {
    let (app, _dir) = spawn_finder(Db::Sqlite, None, 2).await;
    accept(&app, json!([partnership("sunderland", &["E08000024"])])).await;
    for _ in 0..2 {
        assert_eq!(register(&app, cell(json!({"area": "E08000024"})), None).await.0, 202);
    }
    let (status, body, retry) = register(&app, cell(json!({"area": "E08000024"})), None).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate-limited")));
    let retry: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=3_600).contains(&retry), "{retry}");
    // X-Forwarded-For is not trusted by default: a forged one does not escape the limit.
    assert_eq!(register(&app, cell(json!({"area": "E08000024"})), Some("198.51.100.7")).await.0, 429);
    app.stop().await;
}

#[tokio::test]
async fn events_of_the_public_source_are_refused_from_clients_over_http_and_nats() {
    let nats = provisio_testkit::NatsServer::start();
    for db in BOTH {
        let (app, _dir) = spawn_finder(db, Some(&nats.url), 20).await;
        accept(&app, json!([partnership("sunderland", &["E08000024"])])).await;
        let forged = provisio_events::example::example_json(provisio_events::EventType::InterestRegistered);
        let (status, body) = app.post_events(&forged).await;
        assert_eq!(status, 202);
        assert_eq!(body["rejected"][0]["errors"][0]["code"], "source-not-allowed", "{body}");

        let client = async_nats::connect(&nats.url).await.unwrap();
        let mut rejected = client.subscribe("lp.rejected.>").await.unwrap();
        client.flush().await.unwrap();
        let js = async_nats::jetstream::new(client);
        let subject = "lp.v1.public.public.lp.interest.registered.v1";
        js.publish(subject, forged.to_string().into()).await.unwrap().await.unwrap();
        let answer =
            tokio::time::timeout(std::time::Duration::from_secs(10), futures_util::StreamExt::next(&mut rejected))
                .await
                .expect("a rejection answer")
                .unwrap();
        let answer: Value = serde_json::from_slice(&answer.payload).unwrap();
        assert_eq!(answer["errors"][0]["code"], "source-not-allowed", "{answer}");

        // The service's own registration goes through the same NATS path and is recorded.
        assert_eq!(register(&app, cell(json!({"area": "E08000024"})), None).await.0, 202);
        let log = app.wait_for_log(2).await;
        assert_eq!(log[1]["event"]["source"], "urn:public");
        app.stop().await;
    }
}
