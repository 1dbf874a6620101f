//! Reports over time (issue 15, CONTRACT section 10) measured beside the live gap report, on
//! the replay phase's log: the gap report as of a position in the middle of the log (one
//! cold request, then concurrent clients at that position, then at positions that differ per
//! request), what-if with 100 drafts, and the changes over the whole log.

use crate::data::{World, partnership_id};
use crate::figures::Figures;
use crate::load::{Load, run_load};
use crate::servers::Service;
use anyhow::{Context, bail};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Positions of the as-of load whose every request asks another one than the last.
const SPREAD: i64 = 64;
/// What-if drafts per request.
const DRAFTS: usize = 100;
/// Sequential requests of the changes over the whole log.
const CHANGES: usize = 5;

/// The phase's settings.
pub(crate) struct OverTime<'a> {
    pub(crate) service: &'a Service,
    /// The log's last position.
    pub(crate) last: i64,
    pub(crate) clients: usize,
    pub(crate) duration: Duration,
    /// CI's run: any refused request fails it, instead of being counted, and the as-of loads
    /// run no more clients than past reports replay at once (two): each request replays the
    /// log, so more clients would only queue for seconds in a debug build.
    pub(crate) small: bool,
}

impl OverTime<'_> {
    pub(crate) async fn measure(&self, f: &mut Figures, world: &World) -> anyhow::Result<()> {
        self.as_of(f).await?;
        self.what_if(f, world).await?;
        self.changes(f).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1/partnerships/{}/{path}", self.service.base, partnership_id(0))
    }

    /// A refusal fails CI's run; a full run reports it and goes on.
    fn refused(&self, f: &mut Figures, keys: &[(&str, &str, &'static str)], why: String) -> anyhow::Result<()> {
        if self.small {
            bail!("{why}");
        }
        for (key, label, unit) in keys {
            f.missing(key, label, unit, &why);
        }
        Ok(())
    }

    async fn as_of(&self, f: &mut Figures) -> anyhow::Result<()> {
        let middle = self.last / 2;
        let http = self.service.http(self.clients)?;
        let url = format!("{}?as_of_position={middle}", self.url("gaps"));
        println!("  as-of gap report at position {middle} of {}", self.last);
        let started = Instant::now();
        let answer = http.get(&url).send().await?;
        let status = answer.status();
        let body: serde_json::Value = serde_json::from_slice(&answer.bytes().await?).unwrap_or_default();
        let cold = started.elapsed().as_secs_f64() * 1e3;
        let key = [("query.as_of.cold_ms", "as-of gap report, first (cold) request", "ms")];
        if status != 200 || body["position"].as_i64() != Some(middle) {
            let why = format!("answered {status} with position {} after {cold:.0} ms", body["position"]);
            self.refused(f, &key, why)?;
        } else {
            f.add(key[0].0, key[0].1, cold, "ms");
        }
        let clients = if self.small { self.clients.min(2) } else { self.clients };
        let load = get_load(&http, Arc::new(vec![url]), clients, self.duration).await?;
        self.record(f, "query.as_of", "as-of gap report, one position", &load)?;

        let positions: Vec<String> = (1..=SPREAD)
            .map(|k| {
                format!("{}?as_of_position={}", self.url("gaps"), middle + (self.last - middle) * k / (SPREAD + 1))
            })
            .collect();
        println!("  as-of gap report at {SPREAD} positions over the second half of the log, one after another");
        let load = get_load(&http, Arc::new(positions), clients, self.duration).await?;
        self.record(f, "query.as_of_spread", "as-of gap report, another position each request", &load)
    }

    async fn what_if(&self, f: &mut Figures, world: &World) -> anyhow::Result<()> {
        let drafts = world.what_if_drafts(0, DRAFTS);
        let count = drafts.as_array().map_or(0, Vec::len);
        let body = bytes::Bytes::from(drafts.to_string());
        let http = self.service.http(self.clients)?;
        let url = Arc::new(self.url("what-if"));
        let (status, first) = post(&http, &url, body.clone()).await?;
        let answer: serde_json::Value = serde_json::from_slice(&first).unwrap_or_default();
        if status != 200 || !answer["summary"].is_object() {
            let why = format!("what-if answered {status} to {count} drafts");
            return self.refused(f, &[("query.what_if.p99", "what-if p99", "ms")], why);
        }
        f.add("query.what_if.drafts", "what-if drafts per request", count as f64, "drafts");
        f.add("query.what_if.bytes", "what-if answer size", first.len() as f64, "B");
        let asks = |clients: usize, duration: Duration| {
            let (http, url, body) = (http.clone(), url.clone(), body.clone());
            run_load(clients, duration, move |_| {
                let (http, url, body) = (http.clone(), url.clone(), body.clone());
                async move { Ok(post(&http, &url, body).await?.0 == 200) }
            })
        };
        let load = asks(self.clients, self.duration).await?;
        self.record(f, "query.what_if", "what-if with 100 drafts", &load)?;
        // A planner in a meeting asks alone: the latency one sees with nobody else asking.
        let load = asks(1, self.duration / 2).await?;
        self.record(f, "query.what_if_alone", "what-if with 100 drafts, one client", &load)
    }

    async fn changes(&self, f: &mut Figures) -> anyhow::Result<()> {
        let http = self.service.http(1)?;
        let url = format!("{}?from=0", self.url("changes"));
        let mut ms = Vec::new();
        let mut bytes = 0;
        for _ in 0..CHANGES {
            let started = Instant::now();
            let answer = http.get(&url).send().await?;
            let status = answer.status();
            let body = answer.bytes().await?;
            if status != 200 {
                let keys = [("query.changes.median", "changes over the whole log, median", "ms")];
                return self.refused(f, &keys, format!("changes?from=0 answered {status}"));
            }
            ms.push(started.elapsed().as_secs_f64() * 1e3);
            bytes = body.len();
        }
        ms.sort_by(f64::total_cmp);
        f.add("query.changes.min", "changes over the whole log (from=0), min", ms[0], "ms");
        f.add("query.changes.median", "changes over the whole log, median", ms[CHANGES / 2], "ms");
        f.add("query.changes.max", "changes over the whole log, max", ms[CHANGES - 1], "ms");
        f.add("query.changes.bytes", "changes over the whole log, answer size", bytes as f64, "B");
        Ok(())
    }

    /// Requests/s, p50 and p99 of a load; a refused request is never answered, so a
    /// percentile that reaches one is not available.
    fn record(&self, f: &mut Figures, key: &str, label: &str, load: &Load) -> anyhow::Result<()> {
        let count = load.latency.count;
        if load.failed > 0 {
            println!("  warning: {} of {count} requests refused ({label})", load.failed);
            if self.small {
                bail!("{} of {count} requests refused ({label})", load.failed);
            }
        }
        let why = format!("{} of {count} requests refused", load.failed);
        if load.failed > 0 {
            // A goal on this load's p99 is missed, not unjudged (see goals.rs).
            f.add(&format!("{key}.refused"), &format!("{label}: requests refused"), load.failed as f64, "requests");
        }
        let mut add = |suffix: &str, what: &str, value: f64, unit| {
            let (key, label) = (format!("{key}.{suffix}"), format!("{label} {what}"));
            if value.is_finite() && value > 0.0 {
                f.add(&key, &label, value, unit);
            } else {
                f.missing(&key, &label, unit, &why);
            }
        };
        add("per_s", "(answered)", load.per_second, "requests/s");
        add("p50", "p50", load.latency.p50, "ms");
        add("p99", "p99", load.latency.p99, "ms");
        Ok(())
    }
}

/// GETs the urls in turn (request n asks url n mod their number) from `clients` loops.
async fn get_load(
    http: &reqwest::Client,
    urls: Arc<Vec<String>>,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<Load> {
    let http = http.clone();
    run_load(clients, duration, move |n| {
        let (http, urls) = (http.clone(), urls.clone());
        async move {
            let answer = http.get(&urls[n % urls.len()]).send().await?;
            let ok = answer.status() == 200;
            answer.bytes().await?;
            Ok(ok)
        }
    })
    .await
}

/// POSTs a JSON body; answers the status and the answer.
async fn post(
    http: &reqwest::Client,
    url: &str,
    body: bytes::Bytes,
) -> anyhow::Result<(reqwest::StatusCode, bytes::Bytes)> {
    let answer = http.post(url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body).send().await?;
    let status = answer.status();
    Ok((status, answer.bytes().await.context("reading a what-if answer")?))
}
