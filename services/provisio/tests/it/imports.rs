//! Course-data imports end to end: CSV and XCRI-CAP files over HTTP and the command line,
//! re-imports that change nothing, edits that change only what changed, broken files that
//! publish nothing.

use crate::helpers::*;
use serde_json::{Value, json};
use std::path::PathBuf;

const UKPRN: &str = "10006570";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../import/tests/fixtures").join(name)
}

async fn upload(app: &TestApp, body: Vec<u8>, content_type: &str, query: &str) -> (u16, Value) {
    let r = app
        .client
        .post(format!("{}/v1/providers/{UKPRN}/imports?{query}", app.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

async fn live_offer_ids(app: &TestApp, min_position: i64) -> Vec<String> {
    let (_, page) =
        app.get(&format!("/v1/partnerships/sunderland/offers?limit=1000&min_position={min_position}")).await;
    page["offers"].as_array().unwrap().iter().map(|o| o["offer_id"].as_str().unwrap().to_owned()).collect()
}

/// The partnership the imported provider's venues are in (area E08000024).
async fn register_sunderland(app: &TestApp) {
    app.post_events(&json!({"specversion": "1.0", "id": "reg", "source": "urn:lp:sunderland", "type": "lp.partnership.registered.v1",
        "time": "2024-09-01T09:00:00Z", "data": {"partnership_id": "sunderland", "name": "Sunderland", "areas": ["E08000024"]}})).await;
}

/// The provider's first two venues, as a venues CSV.
fn sunderland_venues() -> String {
    std::fs::read_to_string(fixture("venues.csv")).unwrap().lines().take(3).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn a_csv_imported_twice_changes_nothing_and_an_edit_changes_only_what_changed() {
    let app = spawn_app(Db::Postgres, None).await;
    register_sunderland(&app).await;
    let venues = sunderland_venues();
    let (status, report) = upload(&app, venues.into_bytes(), "text/csv", "default_area=E08000024").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["format"], json!("csv-venues"));

    let good = std::fs::read_to_string(fixture("courses-good.csv")).unwrap();
    let (status, first) = upload(&app, good.clone().into_bytes(), "text/csv", "").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["published"], json!(true));
    let offers = first["offers"].as_u64().unwrap();
    assert!(offers >= 3, "{first}");
    assert_eq!(first["created"].as_u64(), Some(offers));
    let position = first["last_position"].as_i64().unwrap();
    let live = live_offer_ids(&app, position).await;
    assert!(!live.is_empty());
    let log_before = app.log().await.len();

    let (_, again) = upload(&app, good.clone().into_bytes(), "text/csv", "").await;
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64(), again["withdrawn"].as_u64()),
        (Some(0), Some(0), Some(0)),
        "{again}"
    );
    assert_eq!(again["unchanged"].as_u64(), Some(offers));
    assert_eq!(app.log().await.len(), log_before, "re-importing the same file is a no-op");

    // Drop the last course row and change the places of the first one.
    let mut lines: Vec<String> = csv_records(&good);
    let dropped = lines.pop().unwrap();
    lines[1] = lines[1].replacen(",24,16-18,", ",30,16-18,", 1);
    let edited = lines.join("\n") + "\n";
    let (status, changed) = upload(&app, edited.into_bytes(), "text/csv", "").await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (changed["updated"].as_u64(), changed["withdrawn"].as_u64(), changed["created"].as_u64()),
        (Some(1), Some(1), Some(0)),
        "{changed}"
    );
    let after = live_offer_ids(&app, changed["last_position"].as_i64().unwrap()).await;
    let gone: Vec<&String> = live.iter().filter(|id| !after.contains(id)).collect();
    assert_eq!(gone.len(), 1, "exactly one offer is withdrawn: {live:?} -> {after:?}");
    assert!(dropped.contains(gone[0].as_str()), "the withdrawn offer is the dropped row's");
    assert_eq!(after.len() + 1, live.len());

    // Going back to the first file (A, B, A) takes effect: the service holds B now.
    let (_, back) = upload(&app, good.into_bytes(), "text/csv", "").await;
    assert_eq!((back["created"].as_u64(), back["updated"].as_u64()), (Some(1), Some(1)), "{back}");
    let restored = live_offer_ids(&app, back["last_position"].as_i64().unwrap()).await;
    assert_eq!(restored, live, "the first file's offers are back");
    app.stop().await;
}

/// A venue moved to another area by one venues file and back by the first one (A, B, A) moves
/// back with its offers: the first file's venue event again is not taken for a duplicate of
/// the one published first. Importing the same file again after that is still a no-op.
#[tokio::test]
async fn a_venue_moved_away_and_back_by_re_imports_moves_back() {
    let app = spawn_app(Db::Sqlite, None).await;
    register_sunderland(&app).await;
    let sunderland = sunderland_venues();
    assert!(sunderland.contains(",E08000024"), "the City campus names its area");
    let gateshead = sunderland.replace(",E08000024", ",E08000037");
    let (status, first) = upload(&app, sunderland.clone().into_bytes(), "text/csv", "default_area=E08000024").await;
    assert_eq!(status, 200, "{first}");
    let (_, courses) = upload(
        &app,
        std::fs::read_to_string(fixture("courses-good.csv")).unwrap().into_bytes(),
        "text/csv",
        "default_area=E08000024",
    )
    .await;
    let all = live_offer_ids(&app, courses["last_position"].as_i64().unwrap()).await;
    assert_eq!(all.len(), 6, "{courses}");

    // The City campus's two courses leave with it, and come back with it.
    let (_, away) = upload(&app, gateshead.into_bytes(), "text/csv", "default_area=E08000024").await;
    assert_eq!(live_offer_ids(&app, away["last_position"].as_i64().unwrap()).await.len(), 4, "{away}");
    let (_, back) = upload(&app, sunderland.clone().into_bytes(), "text/csv", "default_area=E08000024").await;
    let position = back["last_position"].as_i64().expect("the move back is published");
    assert_eq!(live_offer_ids(&app, position).await, all, "the City campus's offers are back");

    let log = app.log().await.len();
    upload(&app, sunderland.into_bytes(), "text/csv", "default_area=E08000024").await;
    assert_eq!(app.log().await.len(), log, "importing the same venues again is a no-op");
    app.stop().await;
}

/// The records of a CSV text, keeping quoted line breaks inside their record.
fn csv_records(text: &str) -> Vec<String> {
    let mut records = Vec::new();
    let mut current = String::new();
    let mut quotes = 0;
    for line in text.lines() {
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(line);
        quotes += line.matches('"').count();
        if quotes % 2 == 0 {
            records.push(std::mem::take(&mut current));
            quotes = 0;
        }
    }
    records
}

#[tokio::test]
async fn a_broken_file_is_reported_row_by_row_and_publishes_nothing() {
    let app = spawn_app(Db::Sqlite, None).await;
    for (name, column) in [
        ("courses-bad-date.csv", "START_DATE"),
        ("courses-bad-sector.csv", "SECTOR"),
        ("courses-zero-places.csv", "places"),
    ] {
        let before = app.log().await.len();
        let (status, report) = upload(&app, std::fs::read(fixture(name)).unwrap(), "text/csv", "").await;
        assert_eq!(status, 422, "{name}: {report}");
        assert_eq!(report["published"], json!(false));
        let rejected = report["rejected"].as_array().unwrap();
        assert!(!rejected.is_empty(), "{name}");
        assert!(
            rejected.iter().any(|r| r["line"].as_u64().unwrap() > 1
                && r["column"].as_str().is_some_and(|c| c.trim().eq_ignore_ascii_case(column))),
            "{name}: {report}"
        );
        assert!(rejected.iter().all(|r| !r["reason"].as_str().unwrap().is_empty()));
        assert_eq!(app.log().await.len(), before, "{name}: nothing from a rejected file reaches the log");
    }
    let (status, problem) = upload(&app, b"{}".to_vec(), "application/json", "").await;
    assert_eq!((status, problem["code"].as_str()), (415, Some("unsupported-media-type")));
    app.stop().await;
}

#[tokio::test]
async fn a_real_xcri_feed_is_read_with_defaults_in_a_dry_run() {
    let app = spawn_app(Db::Sqlite, None).await;
    let feed = std::fs::read(fixture("xcri/oxford-conted.xml")).unwrap();
    let (status, report) = app
        .client
        .post(format!("{}/v1/providers/10007774/imports?dry_run=true&academic_year=2012/13&default_level=4&default_age_group=19%2B&default_mode=part-time&default_area=E07000178&default_places=20", app.base))
        .header("content-type", "application/xml")
        .body(feed)
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    let report: Value = report.json().await.unwrap();
    assert!(status == 200 || status == 422, "{report}");
    assert_eq!(report["format"], json!("xcri-cap"));
    assert!(report["offers"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(report["published"], json!(false));
    assert!(app.log().await.is_empty(), "a dry run publishes nothing");
    app.stop().await;
}

#[tokio::test]
async fn the_command_line_reports_rejected_rows_and_exits_non_zero() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_provisio"))
        .args(["import", fixture("courses-bad-sector.csv").to_str().unwrap(), "--ukprn", UKPRN, "--dry-run", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rejected = &report["rejected"][0];
    assert_eq!(rejected["column"].as_str().map(str::trim), Some("SECTOR"), "{report}");
    assert!(rejected["line"].as_u64().unwrap() >= 2);

    let good = std::process::Command::new(env!("CARGO_BIN_EXE_provisio"))
        .args(["import", fixture("courses-good.csv").to_str().unwrap(), "--ukprn", UKPRN, "--dry-run"])
        .output()
        .unwrap();
    assert!(good.status.success(), "{}", String::from_utf8_lossy(&good.stderr));
    assert!(String::from_utf8_lossy(&good.stdout).contains("rows read"));
}

#[tokio::test]
async fn the_command_line_refuses_a_mapping_it_could_not_send_to_the_service() {
    // Port 9 (discard) answers nothing: the refusal must come before any request.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_provisio"))
        .args([
            "import",
            fixture("courses-good.csv").to_str().unwrap(),
            "--ukprn",
            UKPRN,
            "--server",
            "http://127.0.0.1:9",
        ])
        .args(["--mapping", fixture("courses-good.csv").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--mapping cannot be used with --server"), "{stderr}");
}

/// Runs `provisio import` with `args` off the runtime (the service under test shares it) and
/// answers its exit code and standard output.
async fn import_command(args: Vec<String>) -> (Option<i32>, String) {
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_provisio")).arg("import").args(args).output().unwrap()
    })
    .await
    .unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
}

fn lines_and_columns(report: &Value) -> Vec<(u64, String)> {
    let rejected = report["rejected"].as_array().unwrap();
    rejected.iter().map(|r| (r["line"].as_u64().unwrap(), r["column"].as_str().unwrap_or("").to_owned())).collect()
}

fn warning_lines(report: &Value) -> Vec<Option<u64>> {
    report["warnings"].as_array().unwrap().iter().map(|w| w["line"].as_u64()).collect()
}

/// `courses-broken-lines.csv` (CRLF, a quoted field over lines 3-5, a blank line 6, an AREA
/// column, a byte that is not UTF-8 on line 8) and `xcri-broken-lines.xml` are reported at the
/// lines an editor shows, by the service and by the command line alike.
#[tokio::test]
async fn a_broken_file_is_reported_at_the_lines_an_editor_shows() {
    let app = spawn_app(Db::Sqlite, None).await;
    let csv = fixture("courses-broken-lines.csv");
    let expected: Vec<(u64, String)> = [(3, "SECTOR"), (7, "START_DATE"), (9, "YOUR_REFERENCE"), (10, "PLACES")]
        .map(|(l, c)| (l, c.to_owned()))
        .into();
    let (status, report) =
        upload(&app, std::fs::read(&csv).unwrap(), "text/csv", "dry_run=true&default_area=E08000024").await;
    assert_eq!(status, 422, "{report}");
    assert_eq!(lines_and_columns(&report), expected, "{report}");
    // The service holds neither venue the courses name: their offers would count nowhere.
    let held: Vec<(&str, u64)> = report["venues_without_area"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["venue_id"].as_str().unwrap(), v["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(held, [("CITY", 2), ("HYLTON", 8)], "{report}");
    assert_eq!(warning_lines(&report), [Some(1), Some(2), Some(8), Some(8)], "{report}");

    let (status, feed) =
        upload(&app, std::fs::read(fixture("xcri-broken-lines.xml")).unwrap(), "application/xml", "dry_run=true").await;
    assert_eq!(status, 422, "{feed}");
    let expected_xcri: Vec<(u64, String)> = vec![(24, "mlo:places".into()), (34, "dc:subject".into())];
    assert_eq!(lines_and_columns(&feed), expected_xcri, "{feed}");
    assert_eq!(warning_lines(&feed), [Some(16), Some(32)], "{feed}");

    let args = |file: &PathBuf| -> Vec<String> {
        [file.to_str().unwrap(), "--ukprn", UKPRN, "--dry-run", "--json", "--default-area", "E08000024"]
            .map(str::to_owned)
            .into()
    };
    let (code, stdout) = import_command(args(&csv)).await;
    assert_eq!(code, Some(2), "{stdout}");
    let local: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(lines_and_columns(&local), expected, "{local}");
    assert_eq!(warning_lines(&local), [Some(1), Some(8)], "here the venues cannot be checked: {local}");
    let (_, stdout) = import_command(args(&fixture("xcri-broken-lines.xml"))).await;
    let local: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(lines_and_columns(&local), expected_xcri, "{local}");
    app.stop().await;
}

/// The service counts the live offers a whole-curriculum file withdraws by leaving them out;
/// the command line alone cannot, and says so instead of printing 0. No report gives two
/// withdrawn figures that disagree.
#[tokio::test]
async fn withdrawn_offers_are_counted_only_where_the_live_offers_are_known() {
    let app = spawn_app(Db::Sqlite, None).await;
    register_sunderland(&app).await;
    upload(&app, sunderland_venues().into_bytes(), "text/csv", "default_area=E08000024").await;
    let good = std::fs::read_to_string(fixture("courses-good.csv")).unwrap();
    let (status, first) = upload(&app, good.clone().into_bytes(), "text/csv", "default_area=E08000024").await;
    assert_eq!((status, first["created"].as_u64()), (200, Some(6)), "{first}");

    // Leave out the online and the work-based course of 2024/25, a year the file still has.
    let records: Vec<String> =
        csv_records(&good).into_iter().filter(|r| !r.contains("ACC-L3-ONL-24") && !r.contains("MV-L2-WB-24")).collect();
    let shorter = std::env::temp_dir().join(format!("provisio-shorter-{}.csv", std::process::id()));
    std::fs::write(&shorter, records.join("\n") + "\n").unwrap();
    let (_, dry) =
        upload(&app, std::fs::read(&shorter).unwrap(), "text/csv", "dry_run=true&default_area=E08000024").await;
    assert_eq!(
        (dry["withdrawn"].as_u64(), dry["withdrawn_missing_from_file"].as_u64(), dry["withdrawn_by_file"].as_u64()),
        (Some(2), Some(2), Some(0)),
        "{dry}"
    );
    assert_eq!(dry["withdrawals_in_file"].as_u64(), Some(0));
    assert!(dry["venues_without_area"].as_array().unwrap().is_empty(), "the service holds both venues: {dry}");

    let file = shorter.to_str().unwrap().to_owned();
    let base =
        vec![file, "--ukprn".into(), UKPRN.into(), "--dry-run".into(), "--default-area".into(), "E08000024".into()];
    let (code, served) = import_command(
        [base.clone(), vec!["--server".into(), app.base.clone(), "--key".into(), app.admin_key.clone()]].concat(),
    )
    .await;
    assert_eq!(code, Some(0), "{served}");
    assert!(
        served.contains(
            "withdrawn: 2 of the provider's live offers (2 because missing from this file, 0 withdrawn by the file)"
        ),
        "{served}"
    );
    assert_eq!(served.lines().filter(|l| l.contains("withdrawn")).count(), 1, "{served}");

    let (code, here) = import_command(base.clone()).await;
    assert_eq!(code, Some(0), "{here}");
    assert!(here.contains("withdrawn because missing from this file: cannot be known without --server"), "{here}");
    assert!(!here.contains("withdrawn: 0"), "{here}");
    let (_, json_here) = import_command([base, vec!["--json".into()]].concat()).await;
    let json_here: Value = serde_json::from_str(&json_here).unwrap();
    assert_eq!(
        (json_here["withdrawn"].clone(), json_here["withdrawn_missing_from_file"].clone()),
        (Value::Null, Value::Null)
    );
    std::fs::remove_file(&shorter).unwrap();
    app.stop().await;
}
