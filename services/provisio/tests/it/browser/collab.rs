//! The dashboard's collaboration actions in a real browser, on the demo: a member proposes a
//! change from a duplication row (a field error first, named beside the form), responds to
//! it on its page; the partnership's key decides it, proposes more places for a gap on a
//! member's behalf, and publishes a plan, whose document opens. Each step is checked on the
//! page and in the service's answers.

use super::DemoPage;
use super::driver::{screenshot_dir, wait_for};
use crate::helpers::*;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use std::time::Duration;

const MEMBER: &str = "sunderland-college";

async fn click(browser: &Client, css: &str) {
    browser.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

/// Sets a form control's value as typing would, by the page's own element.
async fn set_value(browser: &Client, css: &str, value: &str) {
    browser
        .execute(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1]; return true",
            vec![json!(css), json!(value)],
        )
        .await
        .unwrap();
}

/// Saves a screenshot of one element of the page, for looking at; found again when the live
/// stream redraws it meanwhile.
async fn shoot(browser: &Client, css: &str, name: &str) {
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let element = browser.find(Locator::Css(css)).await.unwrap();
        let into_view =
            browser.execute("arguments[0].scrollIntoView()", vec![serde_json::to_value(&element).unwrap()]).await;
        if let (Ok(_), Ok(png)) = (into_view, element.screenshot().await) {
            std::fs::create_dir_all(screenshot_dir()).unwrap();
            std::fs::write(screenshot_dir().join(name), png).unwrap();
            return;
        }
    }
    panic!("no screenshot of {css}");
}

/// Opens the dashboard on Sunderland with `key`, once its reports and proposals are drawn.
async fn open_with(browser: &Client, origin: &str, key: &str) {
    browser.goto(&format!("{origin}/?partnership=sunderland#key={key}")).await.unwrap();
    wait_for(browser, "the reports and proposals", "return !document.getElementById('main').classList.contains('no-data') && document.querySelectorAll('#dups tbody tr.row').length > 0 && !document.getElementById('proposals-section').hidden && document.querySelectorAll('#proposals tbody tr').length > 0").await;
}

/// Opens a proposal's page from the list (again after a reload), and waits for its forms.
async fn open_proposal(browser: &Client, id: &str) {
    let button = format!("#proposals button[data-proposal=\"{id}\"]");
    wait_for(browser, "the proposal in the list", &format!("return !!document.querySelector('{button}')")).await;
    click(browser, &button).await;
    wait_for(browser, "the proposal's page", &format!("const r = document.querySelector('tr.proposal-more[data-proposal=\"{id}\"]'); return r && !!r.querySelector('.proposal-detail')")).await;
}

#[tokio::test]
async fn a_member_proposes_from_a_duplication_and_responds_and_the_partnership_decides_and_publishes_a_plan() {
    let DemoPage { app, relay, driver, browser } = DemoPage::open().await;
    let member = create_key(&app.store, "member", Some(&format!("sunderland/{MEMBER}"))).await;
    let partnership = create_key(&app.store, "partnership", Some("sunderland")).await;
    open_with(&browser, &relay.origin, &member).await;
    let year = browser.find(Locator::Id("year")).await.unwrap().prop("value").await.unwrap().unwrap();

    // A member key may propose, never publish a plan.
    assert_eq!(browser.execute("return document.getElementById('publish-open')", vec![]).await.unwrap(), Value::Null);
    let (_, dups) = app.get(&format!("/v1/partnerships/sunderland/duplications?academic_year={year}")).await;
    let d = &dups["duplications"][0];
    let s = |k: &str| d[k].as_str().unwrap().to_owned();
    let key = format!("dup|{}|{}|{}|{}|{}", s("academic_year"), s("subject"), s("level"), s("age_group"), s("mode"));
    click(&browser, &format!("#dups tr[data-key=\"{key}\"] button.expand")).await;
    click(&browser, &format!("#dups tr[data-key=\"{key}\"] + tr button.propose")).await;
    wait_for(&browser, "the proposal form", "return !!document.getElementById('propose-form')").await;
    let addresses = browser.find(Locator::Id("propose-addresses")).await.unwrap().text().await.unwrap();
    assert!(
        addresses.starts_with("About the duplication in ") && addresses.ends_with(&format!("{year}.")),
        "{addresses}"
    );
    let kind = browser.find(Locator::Id("propose-kind")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kind.as_deref(), Some("rationalise"));
    let withdraw = browser
        .execute("return [...document.querySelectorAll('li.propose-change')].findIndex(li => li.querySelector('label').textContent.startsWith('Withdraw'))", vec![])
        .await
        .unwrap();
    let withdraw = withdraw.as_i64().filter(|i| *i >= 0).expect("a withdrawal to choose");
    click(&browser, &format!("#propose-change-{withdraw}")).await;

    // A title over the service's limit: the rejection names the field beside the form.
    set_value(&browser, "#propose-title", &"x".repeat(600)).await;
    click(&browser, "#propose-form button[type=submit]").await;
    let error = wait_for(&browser, "the field error", "const e = document.querySelector('#propose-errors li'); return e && [e.dataset.field, e.textContent, document.getElementById('propose-title').getAttribute('aria-invalid')]").await;
    assert_eq!(error[0], json!("data.title"), "{error}");
    assert!(error[1].as_str().unwrap().starts_with("data.title: "), "{error}");
    assert_eq!(error[2], json!("true"));
    shoot(&browser, "#propose-section", "proposals-propose-form.png").await;

    let title = "Stop one overlapping course";
    set_value(&browser, "#propose-title", title).await;
    set_value(&browser, "#propose-summary", "Proposed from the browser test.").await;
    click(&browser, "#propose-form button[type=submit]").await;
    let sent = wait_for(
        &browser,
        "the proposal sent",
        "const p = document.querySelector('#propose-section .sent'); return p && p.textContent",
    )
    .await;
    let id = sent.as_str().unwrap().rsplit_once('(').unwrap().1.trim_end_matches(").").to_owned();
    let (status, detail) = app.get(&format!("/v1/partnerships/sunderland/proposals/{id}")).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(
        json!([&detail["member_id"], &detail["title"], &detail["kind"], &detail["status"], &detail["summary"]]),
        json!([MEMBER, title, "rationalise", "open", "Proposed from the browser test."])
    );
    let row_key = json!({"report": "duplication", "academic_year": d["academic_year"], "subject": d["subject"], "level": d["level"], "age_group": d["age_group"], "mode": d["mode"]});
    assert_eq!(detail["addresses"], json!([row_key]));
    let change = &detail["changes"][0];
    assert_eq!(change["type"], json!("lp.provision.withdrawn.v1"), "{detail}");
    let offer = json!({"ukprn": change["data"]["ukprn"], "offer_id": change["data"]["offer_id"]});
    assert!(
        d["offers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| json!({"ukprn": o["ukprn"], "offer_id": o["offer_id"]}) == offer),
        "one of the row's offers: {offer}"
    );
    let (_, log) =
        app.get(&format!("/v1/events?type=lp.proposal.made.v1&source=urn:lp:sunderland:member:{MEMBER}")).await;
    assert!(
        log["events"].as_array().unwrap().iter().any(|e| e["event"]["data"]["proposal_id"] == json!(id)),
        "from the member's own source"
    );

    // The member responds on the proposal's page (it arrived in the list live).
    open_proposal(&browser, &id).await;
    assert_eq!(
        browser.execute("return document.querySelectorAll('.decide-form').length", vec![]).await.unwrap(),
        json!(0),
        "a member does not decide"
    );
    click(&browser, ".respond-form input[value=object]").await;
    set_value(&browser, ".respond-form input[name=text]", "We would lose our only evening group.").await;
    click(&browser, ".respond-form button[type=submit]").await;
    let shown = wait_for(&browser, "the response on the page", &format!("const r = document.querySelector('tr.proposal-more[data-proposal=\"{id}\"]'); return r && [...r.querySelectorAll('li')].map(l => l.textContent).find(t => t.startsWith('{MEMBER}:'))")).await;
    assert_eq!(shown, json!(format!("{MEMBER}: Objects “We would lose our only evening group.”")));
    let (_, detail) = app.get(&format!("/v1/partnerships/sunderland/proposals/{id}")).await;
    assert_eq!(
        detail["responses"],
        json!([{"member_id": MEMBER, "stance": "object", "comment": "We would lose our only evening group.", "position": detail["responses"][0]["position"]}])
    );
    assert_eq!(detail["tally"], json!({"support": 0, "object": 1, "abstain": 0}));
    shoot(&browser, &format!("tr.proposal-more[data-proposal=\"{id}\"]"), "proposals-page.png").await;

    // The partnership's key decides: no response form for it, a decision form instead.
    open_with(&browser, &relay.origin, &partnership).await;
    open_proposal(&browser, &id).await;
    assert_eq!(
        browser.execute("return document.querySelectorAll('.respond-form').length", vec![]).await.unwrap(),
        json!(0)
    );
    click(&browser, ".decide-form input[value=agreed]").await;
    set_value(&browser, ".decide-form input[name=text]", "Partnership board, 2 December").await;
    click(&browser, ".decide-form button[type=submit]").await;
    let decided = wait_for(&browser, "the decision on the page", &format!("const r = document.querySelector('tr.proposal-more[data-proposal=\"{id}\"]'); return r && [...r.querySelectorAll('p')].map(p => p.textContent).find(t => t.startsWith('Decision: '))")).await;
    assert_eq!(decided, json!("Decision: agreed (Partnership board, 2 December)"));
    let (_, detail) = app.get(&format!("/v1/partnerships/sunderland/proposals/{id}")).await;
    assert_eq!(detail["status"], json!("agreed"), "{detail}");
    assert_eq!(detail["decision"]["note"], json!("Partnership board, 2 December"));
    let status = browser.execute(&format!("return document.querySelector('#proposals button[data-proposal=\"{id}\"]').closest('tr').dataset.status"), vec![]).await.unwrap();
    assert_eq!(status, json!("agreed"), "the list follows");
    shoot(&browser, "#proposals-section", "proposals-list.png").await;

    // The partnership's key proposes for a member, from a gap with courses: more places in one
    // of them and a new course, each a valid draft offer.
    let (_, gaps) = app.get(&format!("/v1/partnerships/sunderland/gaps?academic_year={year}")).await;
    let g = gaps["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| !g["offers"].as_array().unwrap().is_empty())
        .expect("a gap with courses");
    let gs = |k: &str| g[k].as_str().unwrap().to_owned();
    let gap_key = format!("gap|{}|{}|{}|{}", gs("academic_year"), gs("subject"), gs("level"), gs("age_group"));
    click(&browser, &format!("#gaps tr[data-key=\"{gap_key}\"] button.expand")).await;
    click(&browser, &format!("#gaps tr[data-key=\"{gap_key}\"] + tr button.propose")).await;
    wait_for(&browser, "the members to speak for", "const s = document.getElementById('propose-member'); return s && s.options.length > 1 && s.options[0].value !== ''").await;
    set_value(&browser, "#propose-member", MEMBER).await;
    let labels = browser.execute("return [...document.querySelectorAll('li.propose-change label:not(.visually-hidden)')].map(l => l.textContent)", vec![]).await.unwrap();
    let index = |prefix: &str| {
        labels
            .as_array()
            .unwrap()
            .iter()
            .position(|l| l.as_str().unwrap().starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix} in {labels}"))
    };
    let (add, new) = (index("Add places to "), index("A new course from "));
    for i in [add, new] {
        click(&browser, &format!("#propose-change-{i}")).await;
        set_value(&browser, &format!("#propose-change-{i}-places"), "7").await;
    }
    click(&browser, "#propose-form button[type=submit]").await;
    let sent = wait_for(
        &browser,
        "the gap proposal sent",
        "const p = document.querySelector('#propose-section .sent'); return p && p.textContent",
    )
    .await;
    let gap_id = sent.as_str().unwrap().rsplit_once('(').unwrap().1.trim_end_matches(").").to_owned();
    let (_, detail) = app.get(&format!("/v1/partnerships/sunderland/proposals/{gap_id}")).await;
    assert_eq!(
        json!([&detail["member_id"], &detail["kind"], detail["changes"].as_array().map(Vec::len)]),
        json!([MEMBER, "fill-gap", 2]),
        "{detail}"
    );
    let (more, fresh) = (&detail["changes"][0]["data"], &detail["changes"][1]["data"]);
    let before = g["offers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["offer_id"] == more["offer_id"] && o["ukprn"] == more["ukprn"])
        .expect("one of the gap's courses");
    assert_eq!(more["places"], json!(before["places"].as_i64().unwrap() + 7), "{detail}");
    assert_eq!(
        json!([&fresh["subject"], &fresh["level"], &fresh["age_group"], &fresh["academic_year"], &fresh["places"]]),
        json!([g["subject"], g["level"], g["age_group"], g["academic_year"], 7]),
        "{detail}"
    );

    // The partnership publishes a plan with the defaults (this year, a draft); it opens.
    click(&browser, "#publish-open").await;
    let plan_title = "Local learning plan from the browser";
    set_value(&browser, "#publish-title", plan_title).await;
    click(&browser, "#publish-form button[type=submit]").await;
    wait_for(
        &browser,
        "the new plan listed",
        &format!(
            "const h = document.querySelector('#plans-list li.plan h3'); return h && h.textContent === '{plan_title}'"
        ),
    )
    .await;
    let (_, plans) = app.get("/v1/partnerships/sunderland/plans").await;
    let plan = &plans["plans"][0];
    assert_eq!(json!([&plan["title"], &plan["status"], &plan["academic_years"]]), json!([plan_title, "draft", [year]]));
    let (_, full) = app.get(&format!("/v1/partnerships/sunderland/plans/{}", plan["plan_id"].as_str().unwrap())).await;
    assert!(!full["priorities"].as_array().unwrap().is_empty(), "default priorities: {full}");
    assert!(
        full["proposals"].as_array().unwrap().iter().any(|p| p["proposal_id"] == json!(id)),
        "the agreed proposal is in the plan"
    );

    let before = browser.windows().await.unwrap().len();
    browser.execute("[...document.querySelectorAll('#plans-list li.plan')[0].querySelectorAll('button')].find(b => b.textContent === 'Read the plan').click()", vec![]).await.unwrap();
    let mut windows = browser.windows().await.unwrap();
    for _ in 0..50 {
        if windows.len() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        windows = browser.windows().await.unwrap();
    }
    assert_eq!(windows.len(), before + 1, "a new tab");
    browser.switch_to_window(windows.last().unwrap().clone()).await.unwrap();
    let h1 =
        wait_for(&browser, "the document", "const h = document.querySelector('h1'); return h && h.textContent").await;
    assert_eq!(h1, json!(plan_title));

    DemoPage { app, relay, driver, browser }.close().await;
}
