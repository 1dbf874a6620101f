//! `GET /v1/public/…`: search with stemming, filters, distance, pages, one course, a
//! partnership's page; withdrawn courses gone at once; nothing about enrolments.

use super::*;
use crate::helpers::*;
use serde_json::{Value, json};

fn provider_event(kind: &str, id: &str, data: Value) -> Value {
    let ukprn = data["ukprn"].as_str().unwrap().to_owned();
    json!({"specversion": "1.0", "id": id, "source": format!("urn:ukprn:{ukprn}"), "type": format!("lp.{kind}.v1"),
           "time": "2001-10-15T09:00:00Z", "data": data})
}

fn venue(ukprn: &str, venue_id: &str, postcode: &str, area: &str, position: Option<(f64, f64)>) -> Value {
    let mut data = json!({"ukprn": ukprn, "venue_id": venue_id, "name": format!("{venue_id} campus"), "postcode": postcode, "area": area});
    if let Some((lat, lon)) = position {
        data["lat"] = json!(lat);
        data["lon"] = json!(lon);
    }
    provider_event("venue.registered", &format!("venue-{ukprn}-{venue_id}"), data)
}

fn course(ukprn: &str, offer_id: &str, venue_id: &str, title: &str, extra: Value) -> Value {
    let mut data = json!({"ukprn": ukprn, "offer_id": offer_id, "venue_id": venue_id, "title": title, "subject": "4.1",
        "level": "3", "age_group": "19+", "mode": "part-time", "academic_year": "2001/02", "places": 12});
    data.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    provider_event("provision.offered", &format!("offer-{ukprn}-{offer_id}-{}", title.len()), data)
}

fn ids(body: &Value) -> Vec<String> {
    body["courses"].as_array().unwrap().iter().map(|c| c["offer_id"].as_str().unwrap().to_owned()).collect()
}

async fn seeded(db: Db) -> (TestApp, impl Drop) {
    let (app, dir) = spawn_finder(db, None, 20).await;
    accept(
        &app,
        json!([
            partnership("sunderland", &["E08000024"]),
            partnership("tyne", &["E08000024", "E08000021"]),
            provider_event(
                "provider.registered",
                "prov-1",
                json!({"ukprn": "10000001", "name": "Wear College", "kind": "fe-college"})
            ),
            // City campus has its own position; Riverside is placed by its postcode; Quay in Newcastle.
            venue("10000001", "CITY", "SR1 3AD", "E08000024", Some((54.9046, -1.3875))),
            venue("10000001", "RIVER", "SR2 7EE", "E08000024", None),
            venue("10000002", "QUAY", "NE1 8ST", "E08000021", None),
            course(
                "10000001",
                "ENG",
                "CITY",
                "Engineering Level 3",
                json!({"description": "Mechanical workshops", "start_date": "2001-09-10", "funding": "free"})
            ),
            course(
                "10000001",
                "WELD",
                "RIVER",
                "Welding and fabrication",
                json!({"start_date": "2001-09-03", "fee": 250.0, "funding": "fee", "level": "2", "subject": "4.2"})
            ),
            course(
                "10000002",
                "CARE",
                "QUAY",
                "Health and social care",
                json!({"subject": "1.3", "start_date": "2002-01-07"})
            ),
            provider_event(
                "enrolment.reported",
                "enr-1",
                json!({"ukprn": "10000001", "offer_id": "ENG", "enrolled": 9, "as_of": "2001-10-01"})
            ),
        ]),
    )
    .await;
    search_until(&app, "", |b| b["total"] == 3).await;
    // Words become searchable when the word index next commits (within a second), all at once.
    search_until(&app, "q=engineer", |b| b["total"] == 1).await;
    (app, dir)
}

#[tokio::test]
async fn words_are_stemmed_filters_narrow_and_an_offer_in_two_partnerships_is_one_result() {
    for db in BOTH {
        let (app, _dir) = seeded(db).await;
        let b = search_until(&app, "q=engineer", |_| true).await;
        assert_eq!(ids(&b), ["ENG"], "engineer finds Engineering");
        assert_eq!(b["courses"][0]["partnerships"], json!(["sunderland", "tyne"]));
        assert_eq!(b["courses"][0]["provider"], "Wear College");
        assert_eq!(ids(&search_until(&app, "q=workshop", |_| true).await), ["ENG"], "descriptions are searched");
        assert_eq!(
            ids(&search_until(&app, "q=AND%20(welding%3A*%22", |_| true).await),
            ["WELD"],
            "syntax characters are words"
        );
        assert_eq!(ids(&search_until(&app, "q=engineering%20welding", |_| true).await), Vec::<String>::new());
        assert_eq!(ids(&search_until(&app, "funding=fee", |_| true).await), ["WELD"]);
        assert_eq!(ids(&search_until(&app, "level=3&subject=4.1", |_| true).await), ["ENG"]);
        assert_eq!(ids(&search_until(&app, "partnership=sunderland", |_| true).await), ["WELD", "ENG"]);
        assert_eq!(ids(&search_until(&app, "starts_after=2001-09-05", |_| true).await), ["ENG", "CARE"]);
        // Default order: start date, then title; pages by cursor.
        let first = search_until(&app, "limit=2", |_| true).await;
        assert_eq!((ids(&first), first["total"].as_u64()), (vec!["WELD".to_owned(), "ENG".to_owned()], Some(3)));
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = search_until(&app, &format!("limit=2&cursor={cursor}"), |_| true).await;
        assert_eq!((ids(&second), &second["next_cursor"]), (vec!["CARE".to_owned()], &Value::Null));
        app.stop().await;
    }
}

#[tokio::test]
async fn distance_orders_and_bounds_results_from_known_positions() {
    for db in BOTH {
        let (app, _dir) = seeded(db).await;
        let near = search_until(&app, "postcode=sr27ee", |_| true).await;
        assert_eq!(ids(&near), ["WELD", "ENG", "CARE"]);
        let d: Vec<f64> =
            near["courses"].as_array().unwrap().iter().map(|c| c["distance_km"].as_f64().unwrap()).collect();
        assert_eq!(d[0], 0.0);
        assert!((d[1] - 1.58).abs() < 0.05 && (d[2] - 18.18).abs() < 0.05, "{d:?}");
        assert_eq!(ids(&search_until(&app, "postcode=SR2%207EE&within_km=5", |_| true).await), ["WELD", "ENG"]);
        let plain = search_until(&app, "", |_| true).await;
        assert!(plain["courses"].as_array().unwrap().iter().all(|c| c["distance_km"].is_null()));
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_parameters_are_400_naming_them() {
    let (app, _dir) = seeded(Db::Sqlite).await;
    for (query, parameter) in [
        (format!("q={}", "x".repeat(201)), "q"),
        ("limit=101".to_owned(), "limit"),
        ("limit=0".to_owned(), "limit"),
        ("postcode=SR1%203AD&within_km=0".to_owned(), "within_km"),
        ("postcode=SR1%203AD&within_km=-3".to_owned(), "within_km"),
        ("postcode=SR1%203AD&within_km=far".to_owned(), "within_km"),
        ("postcode=123".to_owned(), "postcode"),
        ("cursor=nonsense".to_owned(), "cursor"),
        ("level=9".to_owned(), "level"),
    ] {
        let r = anonymous().get(format!("{}/v1/public/courses?{query}", app.base)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{query}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "invalid-parameter", "{query}");
        assert!(body["detail"].as_str().unwrap().contains(parameter), "{query}: {body}");
    }
    let r = anonymous().get(format!("{}/v1/public/courses?postcode=XX1%201XX", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "unknown-postcode");
    app.stop().await;
}

/// Every key anywhere under a JSON value.
fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| {
            out.push(k.clone());
            keys(v, out);
        }),
        Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn a_withdrawn_course_is_gone_at_once_and_no_answer_shows_enrolments() {
    for db in BOTH {
        let (app, _dir) = seeded(db).await;
        let (status, one) = {
            let r = anonymous()
                .get(format!("{}/v1/public/courses/10000001/ENG", app.base))
                .bearer_auth("not-a-key")
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        };
        assert_eq!(status, 200, "a key sent is ignored");
        assert_eq!(one["venue"], json!({"name": "CITY campus", "postcode": "SR1 3AD", "lat": 54.9046, "lon": -1.3875}));
        let r = anonymous().get(format!("{}/v1/public/partnerships/sunderland", app.base)).send().await.unwrap();
        let page: Value = r.json().await.unwrap();
        assert_eq!(page["iag"], json!({"name": "Next Steps", "phone": "0191 000 0000"}));
        assert_eq!(
            page["courses_by_subject"],
            json!([{"subject": "4.1", "subject_name": "Engineering", "courses": 1},
                {"subject": "4.2", "subject_name": "Manufacturing Technologies", "courses": 1}])
        );
        let mut all = Vec::new();
        for v in [&one, &page, &search_until(&app, "", |_| true).await] {
            keys(v, &mut all);
        }
        for hidden in ["enrolled", "fill_rate", "places"] {
            assert!(!all.iter().any(|k| k == hidden), "{hidden} is shown");
        }

        accept(&app, provider_event("provision.withdrawn", "wd-eng", json!({"ukprn": "10000001", "offer_id": "ENG"})))
            .await;
        search_until(&app, "q=engineering", |b| b["total"] == 0).await;
        let r = anonymous().get(format!("{}/v1/public/courses/10000001/ENG", app.base)).send().await.unwrap();
        assert_eq!(r.status(), 404);
        app.stop().await;
    }
}
