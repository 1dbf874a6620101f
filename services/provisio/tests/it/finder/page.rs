//! The finder page `/find` over HTTP, as a browser without JavaScript sends it: what providers
//! wrote is escaped, mistakes are error summaries naming the field, and the interest form
//! shares the rules and the per-address allowance of `POST /v1/public/interest`.

use super::*;
use crate::helpers::*;
use serde_json::json;

/// A client that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let r = browser().get(format!("{}{path}", app.base)).send().await.unwrap();
    let status = r.status().as_u16();
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8", "{path}");
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    (status, r.text().await.unwrap())
}

async fn post_form(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    browser().post(format!("{}/find/interest", app.base)).form(form).send().await.unwrap()
}

#[tokio::test]
async fn the_page_escapes_what_providers_wrote_names_bad_fields_and_shares_the_interest_allowance() {
    let (app, _dir) = spawn_finder(Db::Sqlite, None, 2).await;
    let title = r#"<script>alert("x")</script> Welding & fabrication"#;
    let source = "urn:ukprn:10000001";
    accept(
        &app,
        json!([
            partnership("sunderland", &["E08000024"]),
            {"specversion": "1.0", "id": "v1", "source": source, "type": "lp.venue.registered.v1", "time": "2001-10-15T09:00:00Z",
             "data": {"ukprn": "10000001", "venue_id": "CITY", "name": "City <b>campus</b>", "postcode": "SR1 3AD", "area": "E08000024"}},
            {"specversion": "1.0", "id": "o1", "source": source, "type": "lp.provision.offered.v1", "time": "2001-10-15T09:00:00Z",
             "data": {"ukprn": "10000001", "offer_id": "WELD", "venue_id": "CITY", "title": title, "subject": "4.1", "level": "2",
                      "age_group": "19+", "mode": "part-time", "academic_year": "2001/02", "places": 12, "start_date": "2001-09-03",
                      "description": "Arc & <i>MIG</i> welding", "fee": 250.0, "funding": "fee"}},
        ]),
    )
    .await;
    search_until(&app, "q=welding", |b| b["total"] == 1).await;

    let (status, html) = page(&app, "/find?q=welding&postcode=SR2+7EE&subject=").await;
    assert_eq!(status, 200, "an empty field is no filter");
    assert!(html.contains("1 course found"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Welding &amp; fabrication"), "{html}");
    assert!(!html.contains("<script>alert") && !html.contains("<b>campus"), "nothing a provider wrote is markup");
    assert!(html.contains("Starts 3 September 2001") && html.contains(" km away"), "{html}");

    let (status, html) = page(&app, "/find/courses/10000001/WELD").await;
    assert_eq!(status, 200);
    assert!(html.contains("Arc &amp; &lt;i&gt;MIG&lt;/i&gt; welding") && html.contains("£250"), "{html}");
    assert!(html.contains("Next Steps") && html.contains("0191 000 0000"), "the guidance contact: {html}");
    assert_eq!(page(&app, "/find/courses/10000001/NONE").await.0, 404);

    // "Starts after" is the Design System's date input: three boxes, kept as typed.
    let typed = "starts_after-day=1&starts_after-month=9&starts_after-year=2001";
    let (status, html) = page(&app, &format!("/find?q=welding&{typed}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("1 course found"), "it starts on 3 September: {html}");
    assert!(html.contains(r#"name="starts_after-month" type="text" inputmode="numeric" value="9""#), "{html}");
    let (_, html) = page(&app, "/find?q=welding&starts_after-day=3&starts_after-month=9&starts_after-year=2001").await;
    assert!(html.contains("No courses found"), "only courses starting after the day: {html}");
    let (_, html) = page(&app, "/find?q=welding&starts_after=2001-09-01").await;
    assert!(html.contains(r#"name="starts_after-year" type="text" inputmode="numeric" value="2001""#), "{html}");

    for (query, field, words) in [
        ("starts_after-day=31&starts_after-month=2&starts_after-year=2027", "starts_after", "must be a real date"),
        ("starts_after-day=1&starts_after-year=2027", "starts_after", "Starts after must include a month"),
        ("starts_after-month=9", "starts_after", "Starts after must include a day and year"),
        ("starts_after-day=1&starts_after-month=9&starts_after-year=27", "starts_after", "Year must include 4 numbers"),
        ("within_km=0", "within_km", "Distance must be a number"),
        ("postcode=ZZ1+1ZZ", "postcode", "We could not find the postcode ZZ1 1ZZ"),
        ("level=9", "level", "Select a level from the list"),
        ("q=a&q=b", "", "This search address is not valid"),
    ] {
        let (status, html) = page(&app, &format!("/find?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(html.contains("govuk-error-summary") && html.contains(words), "{query}: {html}");
        if !field.is_empty() {
            assert!(html.contains(&format!(r##"<a href="#{field}">"##)), "{query} links to its field");
            assert!(html.contains(&format!(r#"id="{field}-error""#)), "{query} marks its field");
        }
    }

    // The form: every missing field named at once, then recorded, then the shared allowance.
    let refused = post_form(&app, &[("subject", ""), ("level", "3")]).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    for words in ["Select the subject area", "Select your age group", "Enter your postcode"] {
        assert!(html.contains(words), "{words}: {html}");
    }
    assert!(!html.contains("Select the level"), "the level was given");
    let done =
        post_form(&app, &[("subject", "4.1"), ("level", "2"), ("age_group", "19+"), ("postcode", "sr1 3ad")]).await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "/find/interest/done");
    let log = app.wait_for_log(4).await;
    assert_eq!(log[3]["event"]["source"], "urn:public");
    assert_eq!(log[3]["event"]["data"]["area"], "E08000024");
    let api = anonymous()
        .post(format!("{}/v1/public/interest", app.base))
        .json(&json!({"subject": "4.1", "level": "2", "age_group": "19+", "area": "E08000024"}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 429, "the form's registrations count against the same allowance");
    let limited =
        post_form(&app, &[("subject", "4.1"), ("level", "2"), ("age_group", "19+"), ("postcode", "SR1 3AD")]).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert!(limited.text().await.unwrap().contains("Too many registrations"));
    assert_eq!(app.log().await.len(), 4, "nothing more was recorded");
    app.stop().await;
}
