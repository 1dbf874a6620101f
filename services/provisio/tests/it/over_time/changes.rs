//! The net changes between two moments, and the history of the headline figures.

use super::*;

/// The summary figures of one state from its gaps and duplications answers.
fn figures(gaps: &Value, duplications: &Value) -> [u64; 5] {
    let gaps = gaps["gaps"].as_array().unwrap();
    let duplications = duplications["duplications"].as_array().unwrap();
    let count = |rows: &[Value], severity: &str| rows.iter().filter(|r| r["severity"] == severity).count() as u64;
    [
        gaps.iter().map(|g| g["unmet"].as_u64().unwrap()).sum(),
        gaps.len() as u64,
        count(gaps, "critical"),
        duplications.len() as u64,
        count(duplications, "wasteful"),
    ]
}

/// Every row a changes object shows, from the state it names, is a row of that state's report.
fn assert_rows_from(changes: &Value, family: &str, before: &Value, after: &Value) {
    let rows = |answer: &Value| answer[family].as_array().unwrap().clone();
    let (before, after) = (rows(before), rows(after));
    let part = |name: &str| changes[family][name].as_array().unwrap().clone();
    for row in part("opened") {
        assert!(after.contains(&row) && !before.contains(&row), "opened {row}");
    }
    for row in part("closed") {
        assert!(before.contains(&row) && !after.contains(&row), "closed {row}");
    }
    for pair in part("changed") {
        assert!(before.contains(&pair["before"]) && after.contains(&pair["after"]), "changed {pair}");
        assert_ne!(pair["before"], pair["after"]);
    }
    // Rows in both states unchanged are not shown; every other row of `after` is.
    let unchanged = after.iter().filter(|r| before.contains(r)).count();
    assert_eq!(part("opened").len() + part("changed").len() + unchanged, after.len(), "{changes}");
}

#[tokio::test]
async fn the_changes_between_two_positions_are_net_and_match_the_reports_at_both() {
    for db in BOTH {
        let app = spawn_app(db, None).await;
        let seed = fastrand::u64(..);
        let captured = post_random_log(&app, seed).await;
        let positions: Vec<u64> = captured.keys().copied().collect();
        for _ in 0..10 {
            let (mut a, mut b) = (fastrand::usize(..positions.len()), fastrand::usize(..positions.len()));
            if a > b {
                (a, b) = (b, a);
            }
            let (a, b) = (positions[a], positions[b]);
            let (status, changes) = app.get(&format!("/v1/partnerships/hull/changes?from={a}&to={b}")).await;
            assert_eq!(status, 200, "{changes}");
            assert_eq!((&changes["from"], &changes["to"]), (&json!(a), &json!(b)));
            let (then, now) = (&captured[&a], &captured[&b]);
            assert_rows_from(&changes, "gaps", &then[0].1, &now[0].1);
            assert_rows_from(&changes, "duplications", &then[1].1, &now[1].1);
            let s = &changes["summary"];
            let pairs: Vec<[u64; 2]> = ["unmet", "gaps", "critical", "duplications", "wasteful"]
                .iter()
                .map(|k| [s[k][0].as_u64().unwrap(), s[k][1].as_u64().unwrap()])
                .collect();
            let (f, t) = (figures(&then[0].1, &then[1].1), figures(&now[0].1, &now[1].1));
            assert_eq!(pairs, (0..5).map(|i| [f[i], t[i]]).collect::<Vec<_>>(), "seed {seed}, {db:?}");
            for change in changes["targets"]["changed"].as_array().unwrap() {
                assert!(now[3].1["targets"].as_array().unwrap().contains(&change["after"]), "{change}");
            }
        }
        // `to` defaults to the last applied position; the same position twice changes nothing.
        let last = *positions.last().unwrap();
        let (_, changes) = app.get(&format!("/v1/partnerships/hull/changes?from={last}")).await;
        assert_eq!(changes["to"], json!(last));
        for family in ["gaps", "duplications"] {
            assert_eq!(changes[family], json!({"opened": [], "closed": [], "changed": []}));
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn changes_take_instants_and_refuse_a_from_after_to() {
    let app = spawn_app(Db::Sqlite, None).await;
    let captured = post_random_log(&app, 11).await;
    let last = *captured.keys().last().unwrap();
    let log = app.log().await;
    let at = log.last().unwrap()["recorded_at"].as_str().unwrap().to_owned();
    let (status, changes) =
        app.get(&format!("/v1/partnerships/hull/changes?from_time=2000-01-01T00:00:00Z&to_time={at}")).await;
    assert_eq!((status, &changes["from"], &changes["to"]), (200, &json!(0), &json!(last)), "{changes}");
    assert_eq!(changes["summary"]["gaps"][0], json!(0));
    for (query, parameter) in [
        ("from=5&to=4", "from"),
        ("to=4", "from"),
        ("from=1&from_time=2026-01-01T00:00:00Z", "from"),
        ("from=1&to=soon", "to"),
        ("from_time=2026-13-01T00:00:00Z", "from_time"),
    ] {
        let (status, problem) = app.get(&format!("/v1/partnerships/hull/changes?{query}")).await;
        assert_eq!((status, problem["code"].as_str()), (400, Some("invalid-parameter")), "{query}: {problem}");
        assert!(problem["detail"].as_str().unwrap().contains(parameter), "{problem}");
    }
    let (status, _) = app.get("/v1/partnerships/nowhere/changes?from=0").await;
    assert_eq!(status, 404);
    app.stop().await;
}

#[tokio::test]
async fn history_points_carry_the_figures_of_the_reports_at_their_instants() {
    let app = spawn_app(Db::Postgres, None).await;
    let captured = post_random_log(&app, fastrand::u64(..)).await;
    let recorded = recorded_at(&app).await;
    let first = recorded[0].1;
    // Three days before the first event: three day ends with nothing yet, then the point at to.
    let from = (first - time::Duration::days(3)).format(&Rfc3339).unwrap();
    for &n in captured.keys().filter(|n| **n > 0).take(6) {
        let at = recorded.iter().find(|(p, _)| *p == n).unwrap().1;
        let expected = recorded.iter().filter(|(_, t)| *t <= at).map(|(p, _)| *p).max().unwrap();
        let to = at.format(&Rfc3339).unwrap();
        let (status, answer) = app.get(&format!("/v1/partnerships/hull/history?from_time={from}&to_time={to}")).await;
        assert_eq!(status, 200, "{answer}");
        let points = answer["points"].as_array().unwrap();
        let days_before = (at.date() - (first - time::Duration::days(3)).date()).whole_days() as usize;
        assert_eq!(points.len(), days_before + 1, "{answer}");
        for early in &points[..days_before.min(3)] {
            assert_eq!((&early["position"], &early["gaps"], &early["unmet"]), (&json!(0), &json!(0), &json!(0)));
        }
        let last = points.last().unwrap();
        let live = &captured[&expected];
        let [unmet, gaps, critical, duplications, wasteful] = figures(&live[0].1, &live[1].1);
        let met =
            live[3].1["targets"].as_array().unwrap().iter().filter(|t| t["progress"].as_f64().unwrap() >= 1.0).count();
        assert_eq!(
            last,
            &json!({"at": to, "position": expected, "gaps": gaps, "critical": critical, "unmet": unmet,
                    "duplications": duplications, "wasteful": wasteful, "targets_met": met})
        );
    }
    for (query, parameter) in [
        ("every=hour", "every"),
        ("from_time=2026-02-01T00:00:00Z&to_time=2026-01-01T00:00:00Z", "from_time"),
        ("from_time=2000-01-01T00:00:00Z&to_time=2002-01-01T00:00:00Z", "every"),
        ("to_time=noon", "to_time"),
    ] {
        let (status, problem) = app.get(&format!("/v1/partnerships/hull/history?{query}")).await;
        assert_eq!((status, problem["code"].as_str()), (400, Some("invalid-parameter")), "{query}: {problem}");
        assert!(problem["detail"].as_str().unwrap().contains(parameter), "{problem}");
    }
    let (status, answer) = app.get("/v1/partnerships/hull/history?every=month").await;
    // From the first event (minutes ago) to now: this month's point, and last month's end if
    // the month turned meanwhile.
    let points = answer["points"].as_array().map(Vec::len);
    assert!(status == 200 && matches!(points, Some(1 | 2)), "{answer}");
    app.stop().await;
}
