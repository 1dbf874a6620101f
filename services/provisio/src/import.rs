//! `provisio import FILE`: validates a course file here (with progress), prints the report,
//! and publishes the accepted events: through a running service (`--server`, which also
//! counts created/updated/withdrawn), straight to JetStream (`--nats-url`), or into the store
//! of `--database-url` (a stopped service replays them at start).

use crate::cli::ImportArgs;
use crate::client::Service;
use anyhow::Context;
use provisio_events::Event;
use provisio_events::vocab::{Timestamp, Ukprn, Vocab};
use provisio_import::{ImportOptions, Mapping, PostcodeLookup, import};
use provisio_store::{AppendBatch, NewEvent, Store};
use serde_json::{Value, json};
use std::io::{BufReader, IsTerminal, Write};
use std::num::NonZeroU32;
use std::time::Instant;

fn vocab<T: Vocab>(flag: &str, value: Option<&str>) -> anyhow::Result<Option<T>> {
    value.map(|v| T::parse(v).with_context(|| format!("--{flag}: {v:?} is not {}", T::EXPECTED))).transpose()
}

fn options(args: &ImportArgs) -> anyhow::Result<ImportOptions> {
    let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339)?;
    let mut o = ImportOptions::new(Timestamp::parse(&now).context("the clock gave no RFC 3339 time")?);
    o.ukprn = vocab::<Ukprn>("ukprn", args.ukprn.as_deref())?;
    o.academic_year = vocab("academic-year", args.academic_year.as_deref())?;
    o.default_level = vocab("default-level", args.default_level.as_deref())?;
    o.default_age_group = vocab("default-age-group", args.default_age_group.as_deref())?;
    o.default_area = vocab("default-area", args.default_area.as_deref())?;
    o.default_mode = vocab("default-mode", args.default_mode.as_deref())?;
    o.default_places = args.default_places.and_then(NonZeroU32::new);
    o.partial = args.partial;
    if let Some(path) = &args.mapping {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        o.mapping.merge(Mapping::from_json(&text).with_context(|| format!("mapping file {}", path.display()))?);
    }
    if let Some(path) = &args.postcodes {
        let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        o.postcodes = PostcodeLookup::from_csv(BufReader::new(file))
            .with_context(|| format!("postcode file {}", path.display()))?;
    }
    Ok(o)
}

/// Runs the import; answers whether every row was accepted.
pub async fn run(args: ImportArgs) -> anyhow::Result<bool> {
    // The service reads the file again with its own defaults: a mapping or postcode lookup
    // given here would shape this report and not what the service publishes.
    if args.server.is_some() {
        for (flag, given) in [("mapping", args.mapping.is_some()), ("postcodes", args.postcodes.is_some())] {
            anyhow::ensure!(
                !given,
                "--{flag} cannot be used with --server: the service reads the file with its starter mapping and the file's own areas; import with --nats-url or --database-url to use it"
            );
        }
    }
    let options = options(&args)?;
    let path = args.file.clone();
    let file = std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let terminal = std::io::stderr().is_terminal();
    let started = Instant::now();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut last = Instant::now();
        import(BufReader::new(file), &options, |rows| {
            // Streamed: the bar counts rows as they are read, redrawn a few times a second.
            if last.elapsed().as_millis() >= 200 {
                if terminal {
                    eprint!("\rreading: {rows} rows ({size} bytes file)");
                    let _ = std::io::stderr().flush();
                } else if last.elapsed().as_secs() >= 5 {
                    eprintln!("reading: {rows} rows");
                }
                last = Instant::now();
            }
        })
    })
    .await?
    .with_context(|| format!("importing {}", path.display()))?;
    if terminal {
        eprintln!(
            "\rread {} rows in {:.1} s{}",
            outcome.report.rows_read,
            started.elapsed().as_secs_f64(),
            " ".repeat(20)
        );
    }
    let clean = outcome.report.rows_rejected == 0;

    let mut summary = serde_json::to_value(&outcome.report)?;
    if args.server.is_none() {
        unknown_offer_counts(&mut summary, args.partial);
    }
    if let Some(server) = &args.server {
        // The service re-reads the file, compares it with what it holds, and publishes.
        summary = send_to_server(server, args.key.as_deref(), &args, &outcome.events).await?;
    } else if !args.dry_run && clean {
        let published = match &args.nats_url {
            Some(url) => publish_to_nats(url, &outcome.events).await?,
            None => append_to_store(&args.store.database_url, &outcome.events).await?,
        };
        summary["published"] = json!(true);
        summary["events_published"] = json!(published);
    } else {
        summary["published"] = json!(false);
    }
    // A reader that stops early (`| head`) is no error, as for reports.
    if args.json {
        crate::report::print(&(serde_json::to_string_pretty(&summary)? + "\n"))?;
    } else {
        crate::report::print(&report_text(&summary))?;
    }
    Ok(clean)
}

async fn send_to_server(server: &str, key: Option<&str>, args: &ImportArgs, events: &[Event]) -> anyhow::Result<Value> {
    let ukprn = match &args.ukprn {
        Some(u) => u.clone(),
        None => events
            .first()
            .map(|e| e.source.owner().to_owned())
            .context("--ukprn is needed: the file names no provider")?,
    };
    let body = std::fs::read(&args.file)?;
    let is_xml =
        body.iter().find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF) == Some(&b'<');
    let mut query: Vec<(&str, String)> =
        vec![("dry_run", args.dry_run.to_string()), ("partial", args.partial.to_string())];
    for (name, value) in [
        ("academic_year", &args.academic_year),
        ("default_level", &args.default_level),
        ("default_age_group", &args.default_age_group),
        ("default_area", &args.default_area),
        ("default_mode", &args.default_mode),
    ] {
        if let Some(v) = value {
            query.push((name, v.clone()));
        }
    }
    if let Some(p) = args.default_places {
        query.push(("default_places", p.to_string()));
    }
    let request = Service::new(server, key)
        .request(reqwest::Method::POST, &format!("/v1/providers/{ukprn}/imports"))
        .query(&query)
        .header("content-type", if is_xml { "application/xml" } else { "text/csv" })
        .body(body);
    let response = request.send().await.with_context(|| format!("sending the file to {server}"))?;
    let status = response.status();
    let answer: Value = response.json().await.context("reading the service's answer")?;
    anyhow::ensure!(
        status.is_success() || status.as_u16() == 422,
        "the service refused the import ({status}): {answer}"
    );
    Ok(answer)
}

async fn publish_to_nats(url: &str, events: &[Event]) -> anyhow::Result<usize> {
    let js = async_nats::jetstream::new(provisio_ingest::connect_nats(url, "provisio-import").await?);
    let mut acks = Vec::with_capacity(events.len());
    for e in events {
        let subject = provisio_events::subject_for(&e.source, e.event_type());
        let message = async_nats::jetstream::message::PublishMessage::build()
            .payload(e.to_json().to_string().into())
            .message_id(e.id.as_str());
        acks.push(js.send_publish(subject, message).await?);
    }
    for ack in acks {
        ack.await?;
    }
    Ok(events.len())
}

async fn append_to_store(database_url: &str, events: &[Event]) -> anyhow::Result<usize> {
    let store = Store::connect(database_url).await?;
    let mut written = 0;
    for chunk in events.chunks(1_000) {
        let batch = AppendBatch {
            events: chunk.iter().map(|e| NewEvent::from_event(e, e.to_json().to_string(), None)).collect(),
            ..Default::default()
        };
        written += store.append(&batch).await?.appended.iter().filter(|a| !a.duplicate).count();
    }
    store.close().await;
    Ok(written)
}

/// Only the service knows the provider's live offers, so a report made here says that the offer
/// counts are unknown (`null`) rather than 0; a partial import withdraws nothing for being
/// missing from the file, which is known.
fn unknown_offer_counts(summary: &mut Value, partial: bool) {
    for field in ["created", "updated", "unchanged", "withdrawn", "withdrawn_by_file"] {
        summary[field] = Value::Null;
    }
    summary["withdrawn_missing_from_file"] = if partial { json!(0) } else { Value::Null };
    summary["offer_counts_unknown_because"] = json!(
        "only the service knows the provider's live offers: import with --server to count the offers this file creates, updates and withdraws"
    );
}

/// What the import withdraws, in one line: the service's counts, or what can be known here.
fn withdrawn_line(summary: &Value) -> String {
    let count = |field: &str| summary[field].as_u64();
    let in_file = match count("withdrawals_in_file") {
        Some(n) if n > 0 => format!("; the file itself withdraws {n} (XCRI recstatus 3)"),
        _ => String::new(),
    };
    match (count("withdrawn"), count("withdrawn_missing_from_file"), count("withdrawn_by_file")) {
        (Some(total), Some(missing), Some(by_file)) => format!(
            "withdrawn: {total} of the provider's live offers ({missing} because missing from this file, {by_file} withdrawn by the file)"
        ),
        (_, Some(0), _) => format!("withdrawn because missing from this file: none (a partial import){in_file}"),
        _ => format!(
            "withdrawn because missing from this file: cannot be known without --server (only the service knows the provider's live offers){in_file}"
        ),
    }
}

/// The report for a person, from the same JSON `--json` prints (the service's, with
/// `--server`), so the two never disagree.
fn report_text(summary: &Value) -> String {
    let mut lines: Vec<String> = Vec::new();
    let count = |field: &str| summary[field].as_u64().unwrap_or(0);
    let list = |field: &str| summary[field].as_array().cloned().unwrap_or_default();
    let text = |v: &Value, field: &str| v[field].as_str().unwrap_or("").to_owned();
    lines.push(format!(
        "format: {}   rows read: {}   rejected: {}",
        text(summary, "format"),
        count("rows_read"),
        count("rows_rejected")
    ));
    lines.push(format!("offers accepted: {}   venues registered: {}", count("offers"), count("venues")));
    if summary["created"].is_u64() {
        lines.push(format!(
            "created: {}   updated: {}   unchanged: {}",
            count("created"),
            count("updated"),
            count("unchanged")
        ));
    }
    lines.push(withdrawn_line(summary));
    let unknown: Vec<String> = list("unknown_columns").iter().filter_map(|c| c.as_str().map(str::to_owned)).collect();
    if !unknown.is_empty() {
        lines.push(format!("unknown columns (ignored): {}", unknown.join(", ")));
    }
    let referenced = list("referenced_venues");
    if !referenced.is_empty() && !summary["created"].is_u64() {
        let named: Vec<String> =
            referenced.iter().map(|v| format!("{} (line {})", text(v, "venue_id"), v["line"])).collect();
        lines.push(format!(
            "venues the courses name, from the venues file: {}; offers at a venue the service does not hold count in no partnership (--server checks)",
            named.join(", ")
        ));
    }
    let rejected = list("rejected");
    if !rejected.is_empty() {
        lines.push(format!("\n{:>6}  {:<22} {:<24} REASON", "LINE", "COLUMN", "VALUE"));
        for r in &rejected {
            let value: String = text(r, "value").chars().take(24).collect();
            let column = r["column"].as_str().unwrap_or("-");
            lines.push(format!(
                "{:>6}  {:<22} {:<24} {}",
                r["line"].as_u64().unwrap_or(0),
                column,
                value,
                text(r, "reason")
            ));
        }
    }
    for w in list("warnings") {
        let line = w["line"].as_u64().map(|l| format!(" (line {l})")).unwrap_or_default();
        lines.push(format!("warning{line}: {}", text(&w, "message")));
    }
    match summary["published"].as_bool() {
        Some(true) => match summary["events_published"].as_u64() {
            Some(n) => lines.push(format!("published: {n} events.")),
            None => lines.push("published.".into()),
        },
        _ if count("rows_rejected") > 0 => {
            lines.push("nothing published: fix the rejected rows and import the file again.".into())
        }
        _ => lines.push("nothing published (dry run).".into()),
    }
    lines.push(String::new());
    lines.join("\n")
}
