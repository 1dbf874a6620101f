//! The dashboard over time in a real browser: what changed since a date, and a what-if that
//! shows the reports as a draft would make them while nothing is published.

use super::DemoPage;
use super::driver::{screenshot, wait_for};
use crate::helpers::*;
use fantoccini::Locator;
use serde_json::{Value, json};

fn gap_key(g: &Value) -> String {
    let field = |name: &str| g[name].as_str().unwrap().to_owned();
    format!("gap|{}|{}|{}|{}", field("academic_year"), field("subject"), field("level"), field("age_group"))
}

/// The unmet figure the page shows in a gap row (`null` when the row is not there).
fn unmet_script(key: &str) -> String {
    format!(
        "const r = document.querySelector('#gaps tr.row[data-key=\"{key}\"]'); return r && Number(r.children[5].textContent.replace(/,/g, ''))"
    )
}

#[tokio::test]
async fn a_planner_sees_what_changed_since_a_date_and_tries_withdrawing_an_offer_without_publishing_it() {
    let DemoPage { app, relay, driver, browser } = DemoPage::open().await;

    let planner = create_key(&app.store, "partnership", Some("sunderland")).await;
    browser.goto(&format!("{}/?partnership=sunderland#key={planner}", relay.origin)).await.unwrap();
    wait_for(&browser, "Sunderland's reports", "return document.getElementById('page-title').textContent.startsWith('Sunderland') && !document.getElementById('main').classList.contains('no-data')").await;
    let year = browser.find(Locator::Id("year")).await.unwrap().prop("value").await.unwrap().expect("a year is chosen");

    // Since a date before the demo's data: every gap of the year opened since then.
    let (status, since) = app.get("/v1/partnerships/sunderland/changes?from_time=2020-01-01T00:00:00Z").await;
    assert_eq!(status, 200, "{since}");
    let opened: Vec<String> = since["gaps"]["opened"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["academic_year"] == json!(year))
        .map(gap_key)
        .collect();
    assert!(!opened.is_empty(), "the demo's gaps opened after 2020");
    browser
        .execute(
            "document.getElementById('since-date').value = '2020-01-01'; document.getElementById('since-form').requestSubmit();",
            vec![],
        )
        .await
        .unwrap();
    let listed = wait_for(&browser, "the since panel", "const p = document.getElementById('since-panel'); return !p.hidden && [document.getElementById('since-heading').textContent, [...document.querySelectorAll('#since-list li.mark-opened')].map(li => li.textContent)]").await;
    assert_eq!(listed[0], json!("Since 1 January 2020"));
    let items = listed[1].as_array().unwrap();
    assert_eq!(items.iter().filter(|t| t.as_str().unwrap().starts_with("New gap")).count(), opened.len(), "{listed}");
    let marked = browser
        .execute(
            "return [...document.querySelectorAll('#gaps tbody tr.row.mark-opened')].map(r => r.dataset.key)",
            vec![],
        )
        .await
        .unwrap();
    let mut marked: Vec<String> = serde_json::from_value(marked).unwrap();
    let mut expected = opened.clone();
    marked.sort();
    expected.sort();
    assert_eq!(marked, expected, "the opened gaps are marked in the list");
    let squares =
        browser.execute("return document.querySelectorAll('#heatmap td.mark-opened').length", vec![]).await.unwrap();
    assert!(squares.as_u64().unwrap() > 0, "and in the heat map");
    let pairs = browser.find(Locator::Id("since-summary")).await.unwrap().text().await.unwrap();
    let gaps_pair = since["summary"]["gaps"].as_array().unwrap();
    assert!(pairs.contains(&format!("{} → {} gaps", gaps_pair[0], gaps_pair[1])), "{pairs}");

    // The trend: three charts drawn in the page, ending on the figures the history gives.
    let (status, history) = app.get("/v1/partnerships/sunderland/history?every=day").await;
    assert_eq!(status, 200, "{history}");
    let now = history["points"].as_array().unwrap().last().unwrap().clone();
    let captions = wait_for(&browser, "the trend charts", "const f = [...document.querySelectorAll('#trend-charts figure')]; return f.length === 3 && f.every(x => x.querySelector('svg circle')) && f.map(x => x.querySelector('figcaption').textContent)").await;
    for (caption, field) in captions.as_array().unwrap().iter().zip(["unmet", "gaps", "duplications"]) {
        let figure: u64 = caption.as_str().unwrap().split(' ').next().unwrap().replace(',', "").parse().unwrap();
        assert_eq!(json!(figure), now[field], "{caption} against {now}");
    }

    // What-if: the partnership's key may simulate; withdrawing a course of a gap.
    wait_for(&browser, "the what-if panel", "return !document.getElementById('whatif-section').hidden").await;
    let log_before = app.log().await.len();
    let (_, gaps) = app.get(&format!("/v1/partnerships/sunderland/gaps?academic_year={year}")).await;
    let gap = gaps["gaps"].as_array().unwrap().iter().find(|g| !g["offers"].as_array().unwrap().is_empty()).unwrap();
    let key = gap_key(gap);
    let offer = &gap["offers"][0];
    let before = browser.execute(&unmet_script(&key), vec![]).await.unwrap();
    assert_eq!(before, gap["unmet"]);
    browser
        .find(Locator::Css(&format!("#gaps tr[data-key=\"{key}\"] button.expand")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let withdraw = format!(
        "#gaps tr[data-key=\"{key}\"] + tr button.whatif-withdraw[data-offer=\"{}\"]",
        offer["offer_id"].as_str().unwrap()
    );
    browser.find(Locator::Css(&withdraw)).await.unwrap().click().await.unwrap();
    let banner = wait_for(&browser, "the what-if banner", "const b = document.getElementById('whatif-banner'); return !b.hidden && !document.getElementById('whatif-result').hidden && b.textContent").await;
    assert!(banner.as_str().unwrap().contains("Nothing is published"), "{banner}");

    // The page shows what the service says the draft would do.
    let draft = json!({"specversion": "1.0", "source": format!("urn:ukprn:{}", offer["ukprn"].to_string().trim_matches('"')), "type": "lp.provision.withdrawn.v1",
                       "data": {"ukprn": offer["ukprn"], "offer_id": offer["offer_id"]}});
    let (status, what_if) = app.post_json("/v1/partnerships/sunderland/what-if", &json!([draft])).await;
    assert_eq!(status, 200, "{what_if}");
    let changed = what_if["gaps"]["changed"].as_array().unwrap().iter().find(|c| gap_key(&c["after"]) == key);
    let would_be = changed.expect("withdrawing a course of a gap changes it")["after"]["unmet"].clone();
    assert!(would_be.as_u64() > before.as_u64(), "{would_be} > {before}");
    wait_for(
        &browser,
        "the row as it would be",
        &format!("return (() => {{ {} }})() === {would_be}", unmet_script(&key)),
    )
    .await;
    let panel = browser.find(Locator::Id("whatif-result")).await.unwrap().text().await.unwrap();
    assert!(panel.contains("withdraw") && panel.contains(offer["offer_id"].as_str().unwrap()), "{panel}");
    assert!(panel.contains("Gap changed"), "{panel}");

    // Nothing was published: the log is as long as before, and no event was sent.
    assert_eq!(app.log().await.len(), log_before, "a what-if stores nothing");
    let posts: Vec<String> = relay.requests().into_iter().filter(|r| r.starts_with("POST /v1/events")).collect();
    assert!(posts.is_empty(), "{posts:?}");
    let shot = screenshot(&browser, 1280, "dashboard-what-if.png").await;
    println!("screenshot: {}", shot.display());

    // Discarding the draft shows the published reports again.
    browser.find(Locator::Id("whatif-discard")).await.unwrap().click().await.unwrap();
    wait_for(
        &browser,
        "the published row",
        &format!(
            "return document.getElementById('whatif-banner').hidden && (() => {{ {} }})() === {before}",
            unmet_script(&key)
        ),
    )
    .await;

    // A draft course with as many places as the gap is short closes it, in the page only.
    let add = format!("#gaps tr[data-key=\"{key}\"] + tr form.whatif-add");
    let form = browser.find(Locator::Css(&add)).await.unwrap();
    let places = form.find(Locator::Css("input[name='places']")).await.unwrap();
    assert_eq!(places.prop("value").await.unwrap(), Some(before.to_string()), "the places proposed are the gap's");
    form.find(Locator::Css("button[type='submit']")).await.unwrap().click().await.unwrap();
    let closed = wait_for(&browser, "the gap closed in the what-if", &format!("return !document.getElementById('whatif-banner').hidden && !document.querySelector('#gaps tr.row[data-key=\"{key}\"]') && document.getElementById('whatif-list').textContent")).await;
    assert!(closed.as_str().unwrap().contains("Gap closed"), "{closed}");
    let drafts = browser.find(Locator::Id("whatif-drafts")).await.unwrap().text().await.unwrap();
    assert!(drafts.starts_with(&format!("add {before} places of ")), "{drafts}");
    assert_eq!(app.log().await.len(), log_before, "a what-if stores nothing");
    browser.find(Locator::Id("whatif-discard")).await.unwrap().click().await.unwrap();
    wait_for(&browser, "the gap again", &format!("return (() => {{ {} }})() === {before}", unmet_script(&key))).await;
    DemoPage { app, relay, driver, browser }.close().await;
}
