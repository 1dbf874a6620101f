//! The dashboard's plans panel in a real browser: a viewer sees the demo's plan, reads its
//! document (fetched with the key, opened in a new tab), follows its progress, and shows what
//! changed since it.

use super::DemoPage;
use super::driver::wait_for;
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn a_viewer_reads_the_plan_follows_its_progress_and_sees_what_changed_since_it() {
    let DemoPage { app, relay, driver, browser } = DemoPage::open().await;
    let viewer = create_key(&app.store, "viewer", Some("sunderland")).await;
    browser.goto(&format!("{}/?partnership=sunderland#key={viewer}", relay.origin)).await.unwrap();
    let (_, plans) = app.get("/v1/partnerships/sunderland/plans").await;
    let plan = &plans["plans"][0];
    let title = plan["title"].as_str().unwrap();
    let listed = wait_for(
        &browser,
        "the plans panel",
        "const h = document.querySelector('#plans-list li.plan h3'); return h && h.textContent",
    )
    .await;
    assert_eq!(listed, json!(title));

    // Progress: one line per target and proposal of the plan, with the gaps and duplications.
    let (_, progress) =
        app.get(&format!("/v1/partnerships/sunderland/plans/{}/progress", plan["plan_id"].as_str().unwrap())).await;
    browser.execute("[...document.querySelectorAll('#plans-list li.plan button')].find(b => b.textContent === 'Progress since then').click()", vec![]).await.unwrap();
    let lines = wait_for(
        &browser,
        "the plan's progress",
        "const l = document.querySelectorAll('#plans-list .plan-progress li'); return l.length > 0 && l.length",
    )
    .await;
    let expected = 2 + progress["targets"].as_array().unwrap().len() + progress["proposals"].as_array().unwrap().len();
    assert_eq!(lines, json!(expected), "{progress}");

    // Since the last plan: the changes from the plan's position.
    browser.execute("document.getElementById('since-plan').click()", vec![]).await.unwrap();
    let heading = wait_for(&browser, "the since panel", "const p = document.getElementById('since-panel'); return !p.hidden && document.getElementById('since-heading').textContent").await;
    assert_eq!(heading, json!(format!("Since the plan “{title}”")));

    // The document opens in a tab of its own, as the service renders it.
    let before = browser.windows().await.unwrap().len();
    browser.execute("[...document.querySelectorAll('#plans-list li.plan button')].find(b => b.textContent === 'Read the plan').click()", vec![]).await.unwrap();
    let mut windows = browser.windows().await.unwrap();
    for _ in 0..50 {
        if windows.len() > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        windows = browser.windows().await.unwrap();
    }
    assert_eq!(windows.len(), before + 1, "a new tab");
    browser.switch_to_window(windows.last().unwrap().clone()).await.unwrap();
    let h1 =
        wait_for(&browser, "the document", "const h = document.querySelector('h1'); return h && h.textContent").await;
    assert_eq!(h1, json!(title));

    browser.close().await.unwrap();
    drop(relay);
    drop(driver);
    app.stop().await;
}
