//! `provisio changes --partnership ID --since …`: what changed in a partnership's reports
//! between two moments of a running service, one line per change, or the service's JSON.

use crate::cli::ChangesArgs;
use crate::client::Service;
use crate::report::{instant, print, subject, text};
use serde_json::Value;

/// The query naming a moment: a position is an integer (`position_name`), anything else a date
/// or instant (`time_name`).
fn moment(
    flag: &str,
    text: &str,
    position_name: &'static str,
    time_name: &'static str,
) -> anyhow::Result<(&'static str, String)> {
    match text.parse::<u64>() {
        Ok(position) => Ok((position_name, position.to_string())),
        Err(_) => Ok((time_name, instant(flag, text)?)),
    }
}

pub async fn run(args: ChangesArgs) -> anyhow::Result<()> {
    let mut query = vec![moment("since", &args.since, "from", "from_time")?];
    if let Some(until) = &args.until {
        query.push(moment("until", until, "to", "to_time")?);
    }
    let service = Service::new(&args.remote.server, args.remote.key.as_deref());
    let answer = service.get_json(&format!("/v1/partnerships/{}/changes", args.partnership), &query).await?;
    if args.json {
        print(&(serde_json::to_string_pretty(&answer)? + "\n"))
    } else {
        print(&(lines(&args.partnership, &answer).join("\n") + "\n"))
    }
}

/// The cell a gap or duplication row is about, as "2026/27 4.1 Engineering, level 3, 16-18".
fn cell(row: &Value) -> String {
    let mode = match &row["mode"] {
        Value::String(mode) => format!(", {mode}"),
        _ => String::new(),
    };
    format!(
        "{} {}, level {}, {}{mode}",
        text(&row["academic_year"]),
        subject(&row["subject"]),
        text(&row["level"]),
        text(&row["age_group"])
    )
}

/// The figures of a row that say how bad it is.
fn figures(family: &str, row: &Value) -> String {
    match family {
        "gaps" => format!(
            "demand {}, supply {}, unmet {} ({})",
            text(&row["demand"]),
            text(&row["supply"]),
            text(&row["unmet"]),
            text(&row["severity"])
        ),
        _ => format!(
            "supply {}, demand {}, surplus {} ({})",
            text(&row["supply"]),
            text(&row["demand"]),
            text(&row["surplus"]),
            text(&row["severity"])
        ),
    }
}

fn target(row: &Value) -> String {
    format!("{} ({} {})", text(&row["target_id"]), text(&row["academic_year"]), text(&row["measure"]))
}

fn target_figures(row: &Value) -> String {
    format!("value {}, current {}, progress {}", text(&row["value"]), text(&row["current"]), text(&row["progress"]))
}

/// The changes for a person: the summary pairs, then one line per row opened, closed or
/// changed, then the targets changed.
fn lines(partnership: &str, answer: &Value) -> Vec<String> {
    let mut out =
        vec![format!("changes of {partnership} from position {} to {}", text(&answer["from"]), text(&answer["to"]))];
    for figure in ["unmet", "gaps", "critical", "duplications", "wasteful"] {
        let pair = &answer["summary"][figure];
        out.push(format!("  {figure}: {} -> {}", text(&pair[0]), text(&pair[1])));
    }
    let list = |value: &Value| value.as_array().cloned().unwrap_or_default();
    for family in ["gaps", "duplications"] {
        let what = family.trim_end_matches('s');
        for row in list(&answer[family]["opened"]) {
            out.push(format!("{what} opened: {}: {}", cell(&row), figures(family, &row)));
        }
        for row in list(&answer[family]["closed"]) {
            out.push(format!("{what} closed: {}: was {}", cell(&row), figures(family, &row)));
        }
        for pair in list(&answer[family]["changed"]) {
            let (before, after) = (&pair["before"], &pair["after"]);
            out.push(format!(
                "{what} changed: {}: {} -> {}",
                cell(after),
                figures(family, before),
                figures(family, after)
            ));
        }
    }
    for pair in list(&answer["targets"]["changed"]) {
        let (before, after) = (&pair["before"], &pair["after"]);
        let was = if before.is_null() { "new".to_owned() } else { target_figures(before) };
        out.push(format!("target changed: {}: {was} -> {}", target(after), target_figures(after)));
    }
    if out.len() == 6 {
        out.push("no gap, duplication or target changed".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::moment;

    #[test]
    fn a_moment_is_a_position_when_it_is_an_integer_and_a_time_otherwise() {
        let since = |text| moment("since", text, "from", "from_time");
        assert_eq!(since("120").unwrap(), ("from", "120".to_owned()));
        assert_eq!(since("2001-09-01").unwrap(), ("from_time", "2001-09-01T00:00:00Z".to_owned()));
        assert_eq!(since("2001-09-01T09:30:00Z").unwrap(), ("from_time", "2001-09-01T09:30:00Z".to_owned()));
        assert!(since("-3").unwrap_err().to_string().starts_with("--since: \"-3\" is neither"));
    }
}
