//! `provisio demo`: the embedded default with realistic partnerships loaded, then a slow
//! trickle of new events so live views move. The data is generated, deterministic by seed.

use crate::cli::DemoArgs;
use crate::{Application, Config};
use provisio_ingest::{Candidate, Ingest, decode};
use serde_json::{Value, json};
use std::time::Duration;

mod collab;
mod data;
mod plan;
mod public;

use data::{EVIDENCE, PARTNERSHIPS, YEARS, note};
pub use data::{Rng, generate};

/// Real postcodes of the demo's four districts (ONS NSPL and OS Code-Point Open, OGL;
/// `postcodes/README.md`), loaded unless `--postcodes` names another file, so that the
/// finder's distances and interest by postcode work across the demo.
pub const POSTCODES: &str = include_str!("postcodes/demo-areas.csv");

/// Runs the demo: the embedded default, with no NATS even when the environment names one.
pub async fn run(mut args: DemoArgs) -> anyhow::Result<()> {
    args.server.public.built_in_postcodes = Some(POSTCODES);
    let config = Config::from_flags(&args.server, &args.database_url, None);
    let app = Application::build(&config).await?;
    let url = format!("http://{}/", app.local_addr());
    let ingest = app.ingest().clone();
    let shutdown = app.shutdown_token();
    let events = generate(args.seed);
    let count = events.len();
    let candidates = events.into_iter().map(to_candidate).collect::<anyhow::Result<Vec<_>>>()?;
    for chunk in candidates.chunks(1_000) {
        ingest.submit(chunk.to_vec()).await?;
    }
    let keys = demo_keys(ingest.store(), config.insecure_no_auth).await?;
    println!("Provisio demo: {count} events loaded (seed {}).", args.seed);
    match keys.first() {
        Some((_, _, viewer)) => println!("Open {url}#key={viewer}"),
        None => println!("Open {url}"),
    }
    for (label, role, key) in &keys {
        println!("  {label} ({role}): {key}");
    }
    println!("The API: curl -H 'Authorization: Bearer <key>' {url}v1/partnerships");
    tokio::spawn(trickle(ingest, args.seed, shutdown));
    app.run_until_stopped().await
}

/// Access control stays on in the demo: a viewer key per partnership (the first one opens
/// the dashboard), a member key and an admin key, printed once. None when authentication is off.
async fn demo_keys(
    store: &provisio_store::Store,
    insecure: bool,
) -> anyhow::Result<Vec<(String, &'static str, String)>> {
    if insecure {
        return Ok(Vec::new());
    }
    let mut keys = Vec::new();
    for p in PARTNERSHIPS {
        let principal = provisio_access::Principal::from_parts("viewer", Some(p.id))?;
        let (_, key) = provisio_api::create_key(store, &principal, &format!("demo viewer of {}", p.id)).await?;
        keys.push((format!("viewer of {}", p.name), "viewer", key));
    }
    // A member, to respond to proposals as Sunderland College does.
    let scope = provisio_access::Principal::member_scope("sunderland", "sunderland-college");
    let principal = provisio_access::Principal::from_parts("member", Some(&scope))?;
    let (_, member) = provisio_api::create_key(store, &principal, "demo member sunderland-college").await?;
    keys.push(("Sunderland College, member of the Sunderland partnership".to_owned(), "member", member));
    let (_, admin) = provisio_api::create_key(store, &provisio_access::Principal::Admin, "demo admin").await?;
    keys.push(("administrator".to_owned(), "admin", admin));
    Ok(keys)
}

fn to_candidate(event: Value) -> anyhow::Result<Candidate> {
    decode(&event.to_string(), None, &Default::default())
        .map_err(|r| anyhow::anyhow!("generated demo event {:?} is invalid: {:?}", r.id, r.errors))
}

/// Every 5 seconds one event, so that live views move both ways: a new need (more unmet
/// demand), then one of the demo's live offers withdrawn (fewer places), and so on. Ids carry
/// the start time, so a second run on the same store adds events rather than repeating them.
async fn trickle(ingest: Ingest, seed: u64, shutdown: tokio_util::sync::CancellationToken) {
    let mut live = Trickle::new(seed, &withdrawn_offers(ingest.store()).await);
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut n = 0u64;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
        n += 1;
        match to_candidate(live.next_event(started, n, time_now())) {
            Ok(c) => {
                if let Err(error) = ingest.submit(vec![c]).await {
                    tracing::warn!(message = "Demo trickle failed.", %error);
                }
            }
            Err(error) => tracing::warn!(message = "Demo trickle made an invalid event.", %error),
        }
    }
}

/// The offers (UKPRN, offer id) that the log shows withdrawn, by an earlier run for instance.
async fn withdrawn_offers(store: &provisio_store::Store) -> std::collections::HashSet<(String, String)> {
    let mut out = std::collections::HashSet::new();
    let mut query = provisio_store::LogQuery {
        after: 0,
        limit: 1_000,
        source: None,
        event_type: Some("lp.provision.withdrawn.v1".into()),
    };
    loop {
        let page = match store.read_log(&query).await {
            Ok(page) => page,
            Err(error) => {
                tracing::warn!(message = "Demo trickle could not read earlier withdrawals.", %error);
                return out;
            }
        };
        for e in &page {
            if let Ok(body) = serde_json::from_str::<Value>(&e.body)
                && let (Some(ukprn), Some(offer)) = (body["data"]["ukprn"].as_str(), body["data"]["offer_id"].as_str())
            {
                out.insert((ukprn.to_owned(), offer.to_owned()));
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == query.limit => query.after = last.position,
            _ => return out,
        }
    }
}

/// What the trickle sends next: deterministic by seed and counter.
struct Trickle {
    rng: Rng,
    /// Live demo offers in the order they will be withdrawn (the later year first, as it is
    /// the year the dashboard opens on), without those already withdrawn.
    to_withdraw: std::vec::IntoIter<(String, String)>,
}

impl Trickle {
    fn new(seed: u64, withdrawn: &std::collections::HashSet<(String, String)>) -> Self {
        let mut rng = Rng(seed ^ 0xD1B5_4A32_D192_ED03);
        let events = generate(seed);
        let mut order = Vec::new();
        for year in YEARS.iter().rev() {
            let mut offers: Vec<(String, String)> = events
                .iter()
                .filter(|e| e["type"] == "lp.curriculum.published.v1" && e["data"]["academic_year"] == *year)
                .flat_map(|e| {
                    let ukprn = e["data"]["ukprn"].as_str().unwrap_or_default().to_owned();
                    let ids: Vec<String> = e["data"]["offers"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|o| o["offer_id"].as_str().map(str::to_owned))
                        .collect();
                    ids.into_iter().map(move |id| (ukprn.clone(), id))
                })
                .collect();
            for i in (1..offers.len()).rev() {
                offers.swap(i, rng.below(i as u64 + 1) as usize);
            }
            order.extend(offers.into_iter().filter(|o| !withdrawn.contains(o)));
        }
        Self { rng, to_withdraw: order.into_iter() }
    }

    /// Event `n` (from 1) of a run started at `started`: odd ones are needs, even ones
    /// withdrawals while live offers remain.
    fn next_event(&mut self, started: u64, n: u64, time: String) -> Value {
        let id = format!("demo-live-{started}-{n}");
        if n.is_multiple_of(2)
            && let Some((ukprn, offer_id)) = self.to_withdraw.next()
        {
            return json!({
                "specversion": "1.0", "id": id, "source": format!("urn:ukprn:{ukprn}"), "type": "lp.provision.withdrawn.v1", "time": time,
                "data": {"ukprn": ukprn, "offer_id": offer_id, "reason": "Withdrawn in the demo, to show live updates"},
            });
        }
        let rng = &mut self.rng;
        let p = rng.pick(PARTNERSHIPS);
        let evidence = *rng.pick(EVIDENCE);
        json!({
            "specversion": "1.0", "id": id, "source": format!("urn:lp:{}", p.id), "type": "lp.need.identified.v1", "time": time,
            "data": {"partnership_id": p.id, "need_id": format!("LIVE-{started}-{n}"), "subject": rng.pick(&["4.1", "1.3", "6.1", "7.4"]),
                     "level": rng.pick(&["2", "3"]), "age_group": "16-18", "academic_year": "2026/27", "learners": 5 + rng.below(20),
                     "evidence": evidence, "note": note(evidence, n)},
        })
    }
}

fn time_now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trickle_alternates_new_needs_and_withdrawals_of_live_offers() {
        let time = || "2026-11-22T10:00:00Z".to_owned();
        let mut a = Trickle::new(7, &Default::default());
        let events: Vec<Value> = (1..=6).map(|n| a.next_event(1, n, time())).collect();
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["lp.need.identified.v1", "lp.provision.withdrawn.v1"].repeat(3));
        for e in &events {
            to_candidate(e.clone()).unwrap();
        }
        let mut b = Trickle::new(7, &Default::default());
        assert_eq!(events, (1..=6).map(|n| b.next_event(1, n, time())).collect::<Vec<_>>(), "deterministic");

        // The demo offered what is withdrawn, and what an earlier run withdrew is skipped.
        let first = (
            events[1]["data"]["ukprn"].as_str().unwrap().to_owned(),
            events[1]["data"]["offer_id"].as_str().unwrap().to_owned(),
        );
        let offered = generate(7).iter().any(|e| {
            e["type"] == "lp.curriculum.published.v1"
                && e["data"]["ukprn"] == first.0.as_str()
                && e["data"]["offers"].as_array().unwrap().iter().any(|o| o["offer_id"] == first.1.as_str())
        });
        assert!(offered, "{first:?}");
        let mut c = Trickle::new(7, &[first.clone()].into_iter().collect());
        assert_ne!(c.next_event(2, 2, time())["data"]["offer_id"], json!(first.1));
    }
}
