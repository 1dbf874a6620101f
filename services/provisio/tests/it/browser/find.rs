//! The public finder page `/find` in real Chromium, with the demo loaded (and its postcode
//! extract): a search with JavaScript on and with it off, a course, interest registered
//! through the form (and counted by the API), error summaries, and axe-core's accessibility
//! check of every page.

use super::driver::{Driver, screenshot};
use super::load_demo;
use crate::finder::search_until;
use crate::helpers::*;
use fantoccini::{Client, Locator};
use serde_json::Value;

/// axe-core 4.14.1 (MPL-2.0; `tests/fixtures/axe/README.md`).
const AXE: &str = include_str!("../../fixtures/axe/axe.min.js");

/// The demo in a fresh service with the demo's postcodes, its courses in the finder.
async fn demo_finder() -> TestApp {
    let (database_url, database) = database(Db::Sqlite).await;
    let mut config = config(database_url, None, provisio_api::Limits::default());
    config.public.built_in_postcodes = Some(provisio::demo::POSTCODES);
    let app = spawn_app_from(config, database).await;
    let last = load_demo(&app).await;
    let (status, _) = app.get(&format!("/v1/partnerships?min_position={last}")).await;
    assert_eq!(status, 200);
    // Hull's providers publish last: once their courses are found, the index holds the demo's.
    search_until(&app, "partnership=hull-east-riding&limit=1", |b| b["total"].as_u64() > Some(0)).await;
    app
}

/// Runs axe-core on the open page; answers the serious and critical violations.
async fn serious_violations(browser: &Client) -> Vec<Value> {
    browser.execute(&format!("{AXE}\n;return true;"), vec![]).await.unwrap();
    let found = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html)}))));",
            vec![],
        )
        .await
        .unwrap();
    found.as_array().unwrap().clone()
}

/// The text of the first element matching `css`, once there is one (a page may be loading).
async fn text(browser: &Client, css: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        match browser.find(Locator::Css(css)).await {
            Ok(element) => return element.text().await.unwrap(),
            Err(e) => assert!(std::time::Instant::now() < deadline, "{css}: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Waits until the browser's address contains `part` (a form's answer has loaded); answers it.
/// Reads the address, not the page, so it works with JavaScript off too.
async fn wait_for_address(browser: &Client, part: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let address = browser.current_url().await.unwrap().to_string();
        if address.contains(part) {
            return address;
        }
        assert!(std::time::Instant::now() < deadline, "still at {address}, waiting for {part}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn fill(browser: &Client, id: &str, value: &str) {
    let input = browser.find(Locator::Id(id)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

/// Searches engineering courses within 10 km of a Sunderland postcode through the form and
/// checks the results against the API; answers the first course's link.
async fn search(app: &TestApp, browser: &Client) -> String {
    browser.goto(&format!("{}/find", app.base)).await.unwrap();
    fill(browser, "q", "engineering").await;
    fill(browser, "postcode", "sr1 3ad").await;
    fill(browser, "within_km", "10").await;
    browser.find(Locator::Css("form[action='/find'] button")).await.unwrap().click().await.unwrap();
    let address = wait_for_address(browser, "q=engineering").await;
    assert!(address.contains("within_km=10") && address.contains("postcode=sr1+3ad"), "{address}");
    let api = search_until(app, "q=engineering&postcode=SR1%203AD&within_km=10", |_| true).await;
    let total = api["total"].as_u64().unwrap();
    assert!(total > 0, "the demo has engineering courses near Sunderland: {api}");
    assert_eq!(text(browser, "#results").await, format!("{total} courses found"));
    let first = &api["courses"][0];
    let entries = browser.find_all(Locator::Css("#courses > li")).await.unwrap();
    assert_eq!(entries.len() as u64, total.min(20));
    let entry = entries[0].text().await.unwrap();
    assert!(entry.contains(first["title"].as_str().unwrap()), "{entry} / {first}");
    assert!(entry.contains(" km away"), "the distance is shown: {entry}");
    assert!(entry.contains("Starts "), "the start date is shown: {entry}");
    browser.find(Locator::Css("#courses > li a")).await.unwrap().attr("href").await.unwrap().unwrap()
}

#[tokio::test]
async fn a_learner_finds_a_course_with_javascript_on_and_off_opens_it_and_registers_interest() {
    let app = demo_finder().await;
    let driver = Driver::start().await;

    // JavaScript off: the whole search works, and the page knows it ran no script.
    let browser = driver.browser_without_javascript().await;
    browser.set_window_size(1280, 900).await.unwrap();
    let course = search(&app, &browser).await;
    let classes = browser.find(Locator::Css("body")).await.unwrap().attr("class").await.unwrap().unwrap_or_default();
    assert!(!classes.contains("js-enabled"), "no script ran: {classes}");
    // The next page by its cursor, and back.
    let total: usize = text(&browser, "#results").await.split(' ').next().unwrap().parse().unwrap();
    assert!(total > 20, "more than a page: {total}");
    browser.find(Locator::Css("a[rel=next]")).await.unwrap().click().await.unwrap();
    wait_for_address(&browser, "cursor=").await;
    assert_eq!(browser.find_all(Locator::Css("#courses > li")).await.unwrap().len(), (total - 20).min(20));
    browser.find(Locator::Css("a[rel=prev]")).await.unwrap().click().await.unwrap();
    wait_for_address(&browser, "cursor=o0").await;
    assert_eq!(browser.find_all(Locator::Css("#courses > li")).await.unwrap().len(), 20);
    // A bad distance is named in an error summary linking to its field, never a failure.
    browser.goto(&format!("{}/find?within_km=far", app.base)).await.unwrap();
    assert!(text(&browser, ".govuk-error-summary").await.contains("Distance must be a number"));
    let link = browser.find(Locator::Css(".govuk-error-summary a")).await.unwrap();
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some("#within_km"));
    browser.close().await.unwrap();

    // JavaScript on: the same search, GOV.UK Frontend's components started.
    let browser = driver.browser().await;
    browser.set_window_size(1280, 900).await.unwrap();
    assert_eq!(search(&app, &browser).await, course);
    let classes = browser.find(Locator::Css("body")).await.unwrap().attr("class").await.unwrap().unwrap_or_default();
    assert!(classes.contains("govuk-frontend-supported"), "GOV.UK Frontend started: {classes}");
    assert_eq!(serious_violations(&browser).await, Vec::<Value>::new(), "the results page");
    let shot = screenshot(&browser, 1280, "find-results.png").await;

    // The course's page: what the provider published and where to get advice.
    browser.find(Locator::Css("#courses > li a")).await.unwrap().click().await.unwrap();
    wait_for_address(&browser, "/find/courses/").await;
    let (_, api) = app.get(&course.replace("/find/courses/", "/v1/public/courses/")).await;
    assert_eq!(text(&browser, "h1").await, api["title"].as_str().unwrap());
    let page = text(&browser, "main").await;
    let description = api["description"].as_str().unwrap();
    assert!(page.contains(description.split("\n\n").next().unwrap()), "the description: {page}");
    assert!(page.contains("Sunderland Next Steps") && page.contains("0191 520 5555"), "the guidance contact: {page}");
    assert!(page.contains("Funding"), "{page}");
    assert_eq!(serious_violations(&browser).await, Vec::<Value>::new(), "the course page");
    screenshot(&browser, 1280, "find-course.png").await;

    // Registering interest: the form comes filled from the course; a missing postcode is
    // named in the error summary; then the interest is recorded and counted.
    let cell = |c: &Value| (c["subject"].clone(), c["level"].clone(), c["age_group"].clone());
    let count = |answer: &Value| -> u64 {
        let cells = answer["cells"].as_array().unwrap();
        cells.iter().filter(|c| cell(c) == cell(&api)).map(|c| c["interest"].as_u64().unwrap()).sum()
    };
    let (_, before) = app.get("/v1/partnerships/sunderland/interest").await;
    browser.find(Locator::LinkText("Register your interest")).await.unwrap().click().await.unwrap();
    wait_for_address(&browser, "/find/interest?").await;
    let subject = browser.find(Locator::Id("subject")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(subject.as_deref(), api["subject"].as_str());
    browser.find(Locator::Css("form[action='/find/interest'] button")).await.unwrap().click().await.unwrap();
    assert!(text(&browser, ".govuk-error-summary").await.contains("Enter your postcode"));
    assert_eq!(serious_violations(&browser).await, Vec::<Value>::new(), "the form with an error");
    screenshot(&browser, 1280, "find-interest.png").await;
    fill(&browser, "postcode", "SR2 7TF").await;
    browser.find(Locator::Css("form[action='/find/interest'] button")).await.unwrap().click().await.unwrap();
    wait_for_address(&browser, "/find/interest/done").await;
    assert_eq!(text(&browser, "h1").await, "Interest registered");
    // The event is durable before the redirect; the report follows once it is applied.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (_, after) = app.get("/v1/partnerships/sunderland/interest").await;
        if count(&after) == count(&before) + 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the interest was not counted: {after}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    println!("screenshots beside {}", shot.display());

    browser.close().await.unwrap();
    drop(driver);
    app.stop().await;
}
