//! The dashboard in a real browser: Debian's Chromium, driven over WebDriver by its
//! chromedriver, against the real application loaded with the demo data. The browser reaches
//! the service through a small TCP relay of this test, which can cut every connection to
//! play a network drop and records the requests that went through it.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium` and
//! `chromium-driver`, which `scripts/test.sh` installs); it fails, not skips, without them.

mod collab;
mod driver;
mod find;
mod over_time;
mod plans;
mod relay;

use crate::helpers::*;
use driver::{Driver, screenshot, wait_for};
use fantoccini::Locator;
use fantoccini::key::Key;
use relay::Relay;
use serde_json::{Value, json};
use std::time::Duration;

/// The demo's events, posted as a client would (at most 1,000 per request); the last position.
pub(super) async fn load_demo(app: &TestApp) -> i64 {
    let events = provisio::demo::generate(2001);
    let mut last = 0;
    for chunk in events.chunks(1_000) {
        let (status, answer) = app.post_events(&json!(chunk)).await;
        assert_eq!(status, 202, "{answer}");
        assert_eq!(answer["rejected"], json!([]), "the demo's events are valid");
        last = answer["accepted"].as_array().unwrap().last().unwrap()["position"].as_i64().unwrap();
    }
    last
}

/// The demo loaded into a fresh service (applied before the page opens), reached through a
/// relay, and a browser window of 1280×900 to open it in.
struct DemoPage {
    app: TestApp,
    relay: Relay,
    driver: Driver,
    browser: fantoccini::Client,
}

impl DemoPage {
    async fn open() -> Self {
        let app = spawn_app(Db::Sqlite, None).await;
        let last = load_demo(&app).await;
        let (status, _) = app.get(&format!("/v1/partnerships?min_position={last}")).await;
        assert_eq!(status, 200);
        let relay = Relay::start(app.base.trim_start_matches("http://").parse().unwrap()).await;
        let driver = Driver::start().await;
        let browser = driver.browser().await;
        browser.set_window_size(1280, 900).await.unwrap();
        Self { app, relay, driver, browser }
    }

    /// Closes the browser before its driver, then stops the service.
    async fn close(self) {
        self.browser.close().await.unwrap();
        drop(self.relay);
        drop(self.driver);
        self.app.stop().await;
    }
}

/// The `aria-sort` of a gap table's column header.
async fn aria_sort(browser: &fantoccini::Client, column: &str) -> Option<String> {
    let header = browser.find(Locator::Css(&format!("#gaps th[data-key='{column}']"))).await.unwrap();
    header.attr("aria-sort").await.unwrap()
}

/// A need in Medicine and Dentistry (1.1), for ages 19+, which no demo provider teaches.
fn new_need(id: &str, need_id: &str, level: &str, year: &str, learners: u32) -> Value {
    json!({"specversion": "1.0", "id": id, "source": "urn:lp:sunderland", "type": "lp.need.identified.v1", "time": "2026-11-22T10:00:00Z",
           "data": {"partnership_id": "sunderland", "need_id": need_id, "subject": "1.1", "level": level,
                    "age_group": "19+", "academic_year": year, "learners": learners, "evidence": "employer-survey", "note": "Asked for by the hospital trust"}})
}

async fn post_one(app: &TestApp, event: &Value) -> i64 {
    let (status, answer) = app.post_events(event).await;
    assert_eq!(status, 202, "{answer}");
    answer["accepted"][0]["position"].as_i64().unwrap()
}

#[tokio::test]
async fn a_planner_opens_the_viewer_link_sees_the_gaps_and_watches_a_new_gap_arrive_live_through_a_network_drop() {
    let DemoPage { app, relay, driver, browser } = DemoPage::open().await;

    // The planner opens the link with a viewer key of Sunderland, as `provisio demo` prints it.
    let viewer = create_key(&app.store, "viewer", Some("sunderland")).await;
    browser.goto(&format!("{}/#key={viewer}", relay.origin)).await.unwrap();
    wait_for(&browser, "the partnership list", "return !document.getElementById('partnership').disabled").await;
    // The key leaves the address bar, and the page opens on the partnership it may read.
    wait_for(
        &browser,
        "Sunderland's reports",
        "return document.getElementById('page-title').textContent.startsWith('Sunderland')",
    )
    .await;
    let address = browser.execute("return location.href", vec![]).await.unwrap();
    assert!(!address.as_str().unwrap().contains(&viewer), "{address}");
    // Another partnership is refused in words, with nothing of Sunderland left under its name.
    let partnership = browser.find(Locator::Id("partnership")).await.unwrap();
    partnership.select_by_value("south-tyneside").await.unwrap();
    let refused = wait_for(&browser, "the refusal", "const n = document.getElementById('notice'); return !n.hidden && document.getElementById('main').classList.contains('no-data') && n.textContent").await;
    assert!(refused.as_str().unwrap().contains("does not allow"), "{refused}");
    // The planner picks Sunderland again.
    partnership.select_by_value("sunderland").await.unwrap();
    wait_for(&browser, "Sunderland's reports", "return document.getElementById('page-title').textContent.startsWith('Sunderland') && !document.getElementById('main').classList.contains('no-data')").await;
    let year = browser.find(Locator::Id("year")).await.unwrap().prop("value").await.unwrap().expect("a year is chosen");
    assert!(["2025/26", "2026/27"].contains(&year.as_str()), "a year of the demo: {year}");

    // The heat map and the gap list, as many rows as the API reports for that year.
    let (_, gaps) = app.get(&format!("/v1/partnerships/sunderland/gaps?academic_year={year}")).await;
    let expected = gaps["gaps"].as_array().unwrap().len();
    assert!(expected > 0, "the demo has gaps in Sunderland");
    wait_for(
        &browser,
        "the gap rows",
        &format!("return document.querySelectorAll('#gaps tbody tr.row').length === {expected}"),
    )
    .await;
    let squares =
        browser.execute("return document.querySelectorAll('#heatmap tbody button.cell').length", vec![]).await.unwrap();
    assert!(squares.as_u64().unwrap() > 0, "the heat map has squares");
    let first_subject = browser.find(Locator::Css("#heatmap tbody th")).await.unwrap().text().await.unwrap();
    assert!(
        first_subject.contains(' ') && first_subject.chars().any(char::is_alphabetic),
        "subjects have names: {first_subject:?}"
    );
    wait_for(&browser, "the live stream", "return document.getElementById('live-status').dataset.state === 'live'")
        .await;

    // Names, not codes, with a viewer's key: a provider's name, a need's evidence and note,
    // a target's title.
    let (_, providers) = app.get("/v1/partnerships/sunderland/providers").await;
    let names: Vec<&str> =
        providers["providers"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
    assert!(names.contains(&"Sunderland College"), "{providers}");
    let with_offers = gaps["gaps"].as_array().unwrap().iter().position(|g| !g["offers"].as_array().unwrap().is_empty());
    let row = with_offers.expect("a demo gap with courses");
    let key = |g: &Value| {
        format!(
            "gap|{}|{}|{}|{}",
            g["academic_year"].as_str().unwrap(),
            g["subject"].as_str().unwrap(),
            g["level"].as_str().unwrap(),
            g["age_group"].as_str().unwrap()
        )
    };
    let opened = key(&gaps["gaps"][row]);
    browser
        .find(Locator::Css(&format!("#gaps tr[data-key=\"{opened}\"] button.expand")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let named = wait_for(&browser, "the gap's providers and needs by name", &format!("const r = document.querySelector('#gaps tr[data-key=\"{opened}\"]').nextElementSibling; return !r.hidden && [[...r.querySelectorAll('strong.provider')].map(p => [p.textContent, p.title]), [...r.querySelectorAll('li.need')].map(n => n.textContent)]")).await;
    let shown_providers = named[0].as_array().unwrap();
    assert!(!shown_providers.is_empty(), "{named}");
    for p in shown_providers {
        assert!(names.contains(&p[0].as_str().unwrap()), "a provider by its name: {p}");
        assert!(p[1].as_str().unwrap().starts_with("UKPRN 1"), "its UKPRN on hover: {p}");
    }
    let (_, needs) = app.get(&format!("/v1/partnerships/sunderland/needs?academic_year={year}")).await;
    let first_need = gaps["gaps"][row]["needs"][0].as_str().unwrap();
    let need = needs["needs"].as_array().unwrap().iter().find(|n| n["need_id"] == first_need).unwrap();
    let need_line = named[1][0].as_str().unwrap();
    assert!(
        need_line.contains(&format!("{} learners, evidence: ", need["learners"]))
            && need_line.contains(need["note"].as_str().unwrap()),
        "a need with its evidence and note: {need_line} for {need}"
    );
    let targets = wait_for(
        &browser,
        "the targets",
        "const t = document.getElementById('targets'); return t.children.length > 0 && t.textContent",
    )
    .await;
    assert!(
        targets.as_str().unwrap().contains("Level 3 engineering places for 16-18s"),
        "a target by its title: {targets}"
    );

    // A viewer's key may not simulate drafts: the page asked the service, and offers no what-if.
    for _ in 0..100 {
        if relay.requests().iter().any(|r| r.starts_with("POST /v1/partnerships/sunderland/what-if")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let what_if = browser
        .execute("return [document.getElementById('whatif-section').hidden, document.querySelectorAll('.whatif-withdraw, form.whatif-add').length]", vec![])
        .await
        .unwrap();
    assert_eq!(what_if, json!([true, 0]), "no what-if for a viewer");

    // Sorting by a header: by click, then by keyboard (Enter on the header's button).
    browser.find(Locator::Css("#gaps th[data-key='subject'] button")).await.unwrap().click().await.unwrap();
    assert_eq!(aria_sort(&browser, "subject").await.as_deref(), Some("ascending"));
    let unmet = browser.find(Locator::Css("#gaps th[data-key='unmet'] button")).await.unwrap();
    unmet.send_keys(&Key::Enter.to_string()).await.unwrap();
    assert_eq!(aria_sort(&browser, "unmet").await.as_deref(), Some("descending"));
    let unmet_column: Vec<u64> = browser
        .execute("return [...document.querySelectorAll('#gaps tbody tr.row td:nth-child(6)')].map(td => Number(td.textContent.replace(/,/g, '')))", vec![])
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(unmet_column.windows(2).all(|w| w[0] >= w[1]), "largest unmet first: {unmet_column:?}");

    // The heat map by keyboard: one square in the Tab order, arrows move, Enter narrows the
    // lists to that subject and level; the filter bar undoes it.
    let square = browser.find(Locator::Css("#heatmap button.cell[tabindex='0']")).await.unwrap();
    square.send_keys(&Key::Down.to_string()).await.unwrap();
    let moved = browser
        .execute(
            "const a = document.activeElement; return a.matches('button.cell') && a.dataset.row === '1' && a.id",
            vec![],
        )
        .await
        .unwrap();
    let moved = moved.as_str().expect("the arrow moved to the next row's square").to_owned();
    browser.find(Locator::Id(&moved)).await.unwrap().send_keys(&Key::Enter.to_string()).await.unwrap();
    let narrowed = wait_for(&browser, "the lists narrowed to one square", "return !document.getElementById('filter-bar').hidden && [...document.querySelectorAll('#gaps tbody tr.row')].map(r => r.dataset.key.split('|').slice(2, 4).join(' '))").await;
    let (subject, level) = moved.trim_start_matches("cell-").rsplit_once('-').unwrap();
    assert!(narrowed.as_array().unwrap().iter().all(|k| k == &json!(format!("{subject} {level}"))), "{narrowed}");
    browser.find(Locator::Id("filter-clear")).await.unwrap().click().await.unwrap();
    wait_for(&browser, "every gap again", &format!("return document.getElementById('filter-bar').hidden && document.querySelectorAll('#gaps tbody tr.row').length === {expected}")).await;

    // A need nobody offers places for opens a new gap; it arrives live.
    post_one(&app, &new_need("browser-need-1", "BROWSER-1", "4", &year, 42)).await;
    let key = format!("gap|{year}|1.1|4|19+");
    wait_for(
        &browser,
        "the new gap row",
        &format!("return document.querySelectorAll('#gaps tbody tr.row').length === {}", expected + 1),
    )
    .await;
    let tag = wait_for(&browser, "the change mark", &format!("const r = document.querySelector('#gaps tr[data-key=\"{key}\"]'); return r && r.querySelector('.tag') && r.querySelector('.tag').textContent")).await;
    assert_eq!(tag, json!("New"));
    // The same position may move a proposal's impact too: its line can come first.
    let changes = wait_for(
        &browser,
        "the change in the list",
        "return [...document.querySelectorAll('#changes li')].map(li => li.textContent).join('\\n')",
    )
    .await;
    let changes = changes.as_str().unwrap_or_default();
    assert!(changes.lines().any(|c| c.contains("New gap") && c.contains("Medicine and Dentistry")), "{changes}");

    // Its row opens on the needs and courses behind it.
    browser
        .find(Locator::Css(&format!("#gaps tr[data-key=\"{key}\"] button.expand")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let detail = wait_for(&browser, "the row's detail", &format!("const r = document.querySelector('#gaps tr[data-key=\"{key}\"]').nextElementSibling; return !r.hidden && r.textContent")).await;
    let detail = detail.as_str().unwrap();
    assert!(detail.contains("BROWSER-1") && detail.contains("No course offers places here"), "{detail}");
    assert!(detail.contains("42 learners, evidence: employer survey, “Asked for by the hospital trust”"), "{detail}");

    // The network drops; a second need arrives meanwhile; after reconnecting with
    // Last-Event-ID the page catches up.
    let seen = browser.execute("return document.querySelectorAll('#changes li').length", vec![]).await.unwrap();
    relay.cut();
    wait_for(
        &browser,
        "the reconnecting badge",
        "return document.getElementById('live-status').dataset.state === 'reconnecting'",
    )
    .await;
    let during = post_one(&app, &new_need("browser-need-2", "BROWSER-2", "5", &year, 17)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    relay.restore();
    wait_for(
        &browser,
        "the gap that opened during the drop",
        &format!("return document.querySelectorAll('#gaps tbody tr.row').length === {}", expected + 2),
    )
    .await;
    wait_for(
        &browser,
        "the live badge again",
        "return document.getElementById('live-status').dataset.state === 'live'",
    )
    .await;
    let after = browser.execute("return document.querySelectorAll('#changes li').length", vec![]).await.unwrap();
    assert!(after.as_u64() > seen.as_u64(), "the change made during the drop is listed");
    let resumed: Vec<String> =
        relay.requests().into_iter().filter(|r| r.starts_with("GET /v1/partnerships/sunderland/live")).collect();
    let bearer = format!("authorization: bearer {}", viewer.to_ascii_lowercase());
    assert!(
        resumed.iter().all(|r| r.to_ascii_lowercase().lines().any(|l| l == bearer)),
        "the stream sends the key: {resumed:?}"
    );
    assert!(resumed.len() >= 2, "{resumed:?}");
    let last_event_id = resumed
        .last()
        .unwrap()
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("last-event-id:").map(|v| v.trim().to_owned()));
    let last_event_id: i64 = last_event_id.expect("the reconnect sends Last-Event-ID").parse().unwrap();
    assert!(last_event_id < during, "it resumes from before the missed change ({last_event_id} < {during})");

    // Nothing was loaded from anywhere but the service.
    let foreign = browser
        .execute("return performance.getEntriesByType('resource').map(e => e.name).filter(n => new URL(n).origin !== location.origin)", vec![])
        .await
        .unwrap();
    assert_eq!(foreign, json!([]), "requests outside the service");
    let loaded = browser
        .execute("return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)", vec![])
        .await
        .unwrap();
    for asset in ["/assets/app.js", "/assets/api.js", "/assets/app.css", "/assets/subjects.json"] {
        assert!(loaded.as_array().unwrap().iter().any(|p| p == asset), "{asset} in {loaded}");
    }
    // Names come from the reports: the page never asked for the log (a viewer may not read it).
    let requests = relay.requests();
    assert!(requests.iter().any(|r| r.starts_with("GET /v1/partnerships/sunderland/needs?")), "the needs are read");
    let log_reads: Vec<&String> = requests.iter().filter(|r| r.starts_with("GET /v1/events")).collect();
    assert!(log_reads.is_empty(), "no request to the log: {log_reads:?}");

    // The export is the list on screen, as CSV, made in the page.
    let csv = browser
        .execute_async(
            // The page's policy forbids fetching a blob: URL, so the Blob is caught as it is made.
            "const done = arguments[arguments.length - 1];
             const make = URL.createObjectURL;
             let blob = null;
             URL.createObjectURL = b => { blob = b; URL.createObjectURL = make; return make(b); };
             HTMLAnchorElement.prototype.click = function () {
               delete HTMLAnchorElement.prototype.click;
               blob.text().then(text => done({name: this.download, text}));
             };
             document.getElementById('export-gaps').click();",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(csv["name"], json!(format!("provisio-gaps-sunderland-{}.csv", year.replace('/', "-"))));
    let text = csv["text"].as_str().unwrap().trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("academic_year,subject,subject_name,level,age_group,demand,supply,unmet"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), expected + 3, "a header and one line per gap");
    assert!(text.contains("1.1,Medicine and Dentistry,4,19+,42,0,42"), "{text}");
    assert!(lines[0].ends_with(",needs,offers,need_details,provider_names"), "{}", lines[0]);
    assert!(
        text.contains("BROWSER-1: 42 learners, evidence: employer survey, “Asked for by the hospital trust”"),
        "{text}"
    );
    assert!(names.iter().any(|n| text.contains(n)), "the providers' names: {text}");

    let desktop = screenshot(&browser, 1280, "dashboard.png").await;
    let tablet = screenshot(&browser, 768, "dashboard-tablet.png").await;
    println!("screenshots: {} {}", desktop.display(), tablet.display());
    DemoPage { app, relay, driver, browser }.close().await;
}

#[tokio::test]
async fn the_dashboard_files_are_open_to_all_with_their_types_and_cache_headers() {
    let app = spawn_app(Db::Sqlite, None).await;
    let anyone = reqwest::Client::new(); // no key
    let page = anyone.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.headers()["cache-control"], "no-cache");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    let script = html.split("src=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert!(script.starts_with("/assets/app.js?v="), "{script}");
    let js = anyone.get(format!("{}{script}", app.base)).send().await.unwrap();
    assert_eq!(js.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(js.headers()["cache-control"], "public, max-age=31536000, immutable");
    let etag = js.headers()["etag"].clone();
    let again = anyone.get(format!("{}/assets/app.js", app.base)).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    let subjects = anyone.get(format!("{}/assets/subjects.json", app.base)).send().await.unwrap();
    assert_eq!(subjects.status(), 200);
    let subjects: Value = subjects.json().await.unwrap();
    assert_eq!(subjects.as_array().map(Vec::len), Some(50));
    app.stop().await;
}
