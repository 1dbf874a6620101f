//! `provisio report` and `provisio changes` against a running service: what a person at a
//! terminal sees is what the HTTP API answers.

use super::what_if::{draft_offer, hull_with_a_gap};
use super::*;

/// Runs `provisio ARGS…` off the runtime (the service under test shares it), with no
/// `PROVISIO_*` variable of the test's environment; answers exit code, stdout and stderr.
async fn provisio(args: Vec<String>) -> (Option<i32>, String, String) {
    let output = tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_provisio"));
        for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("PROVISIO_")) {
            command.env_remove(name);
        }
        command.args(args).output().unwrap()
    })
    .await
    .unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (output.status.code(), text(output.stdout), text(output.stderr))
}

/// `provisio WORDS… --server URL --key KEY` (the admin key).
async fn ask(app: &TestApp, words: &[&str]) -> (Option<i32>, String, String) {
    let mut args: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    args.extend(["--server".into(), app.base.clone(), "--key".into(), app.admin_key.clone()]);
    provisio(args).await
}

/// Posts events and answers the position of the last.
async fn post(app: &TestApp, events: Vec<Value>) -> u64 {
    let (status, answer) = app.post_events(&Value::Array(events)).await;
    assert_eq!((status, &answer["rejected"]), (202, &json!([])), "{answer}");
    answer["accepted"].as_array().unwrap().iter().map(|a| a["position"].as_u64().unwrap()).max().unwrap()
}

#[tokio::test]
async fn report_and_changes_show_in_a_terminal_what_the_api_answers() {
    let app = spawn_app(Db::Postgres, None).await;
    let gap_opened = hull_with_a_gap(&app).await;
    // Later: 10 places against the gap of 40, and a new need opens a second gap.
    let mut events = Events { rng: fastrand::Rng::with_seed(2), next_id: 100 };
    let mut offer = draft_offer(UKPRNS[0], "O1", 10);
    offer["id"] = json!("late-offer");
    offer["time"] = json!("2026-09-02T09:00:00Z");
    let need = events.partnership(
        "lp.need.identified.v1",
        json!({"need_id": "N2", "subject": "5.2", "level": "2", "age_group": "19+", "academic_year": "2026/27",
               "learners": 25, "evidence": "employer-survey"}),
    );
    let last = post(&app, vec![offer, need]).await;
    let (status, live) = app.get(&format!("/v1/partnerships/hull/gaps?min_position={last}")).await;
    assert_eq!((status, live["gaps"].as_array().map(Vec::len)), (200, Some(2)), "{live}");

    // --json prints the service's answer unchanged.
    let position = gap_opened.to_string();
    let (code, stdout, stderr) =
        ask(&app, &["report", "gaps", "--partnership", "hull", "--as-of-position", &position, "--json"]).await;
    assert_eq!(code, Some(0), "{stderr}");
    let (status, then) = app.get(&format!("/v1/partnerships/hull/gaps?as_of_position={gap_opened}")).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap(), then);
    assert_eq!(then["gaps"].as_array().map(Vec::len), Some(1), "{then}");

    // The table: the position it answers at, and the gap as it was then (40 unmet, not 30).
    let (code, stdout, stderr) =
        ask(&app, &["report", "gaps", "--partnership", "hull", "--as-of-position", &position]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with(&format!("gaps of hull, at position {gap_opened}\n")), "{stdout}");
    let row: Vec<&str> = stdout.lines().nth(2).unwrap_or_else(|| panic!("{stdout}")).split_whitespace().collect();
    let severity = then["gaps"][0]["severity"].as_str().unwrap();
    assert_eq!(row, ["2026/27", "4.1", "Engineering", "3", "16-18", "40", "0", "40", severity], "{stdout}");

    // Since the gap opened: the second gap opened and the first one changed.
    let (code, stdout, stderr) = ask(&app, &["changes", "--partnership", "hull", "--since", &position]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with(&format!("changes of hull from position {gap_opened} to {last}\n")), "{stdout}");
    assert!(stdout.contains("  gaps: 1 -> 2\n"), "{stdout}");
    assert!(stdout.contains("gap opened: 2026/27 5.2 Building and Construction, level 2, 19+: demand 25"), "{stdout}");
    assert!(stdout.contains("gap changed: 2026/27 4.1 Engineering, level 3, 16-18: demand 40, supply 0"), "{stdout}");
    app.stop().await;
}

#[tokio::test]
async fn a_bad_moment_or_a_refusal_is_one_error_line_and_a_non_zero_exit() {
    let app = spawn_app(Db::Sqlite, None).await;
    hull_with_a_gap(&app).await;
    let (code, stdout, stderr) = ask(&app, &["report", "gaps", "--partnership", "hull", "--as-of", "yesterday"]).await;
    assert_eq!((code, stdout.as_str()), (Some(1), ""), "{stderr}");
    assert!(stderr.starts_with("error: --as-of: \"yesterday\" is neither a date (YYYY-MM-DD)"), "{stderr}");

    // The service's own refusal: its problem+json detail, and never the key.
    let (code, _, stderr) = ask(&app, &["changes", "--partnership", "nowhere", "--since", "2001-09-01"]).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.starts_with("error: ") && stderr.contains("nowhere"), "{stderr}");
    assert!(!stderr.contains(&app.admin_key), "{stderr}");
    let (code, _, stderr) = provisio(
        ["report", "targets", "--partnership", "hull", "--server", &app.base, "--key", "not-a-key"]
            .map(String::from)
            .to_vec(),
    )
    .await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.starts_with("error: ") && !stderr.contains("not-a-key"), "{stderr}");
    app.stop().await;
}
