//! Concurrent clients for a fixed time: requests/s and latency, and how many requests were
//! refused.

use crate::stats::Latency;
use anyhow::bail;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Requests/s and latency of a load of `clients` concurrent loops for `duration`.
pub(crate) struct Load {
    /// Requests answered as asked, per second.
    pub(crate) per_second: f64,
    /// Of every request; a refused one counts as never answered (infinitely slow), so a
    /// percentile it reaches is infinite.
    pub(crate) latency: Latency,
    /// The answer's size, where the load measured it.
    pub(crate) bytes: usize,
    /// Requests refused (an HTTP status other than success, a timeout answered by the
    /// service among them).
    pub(crate) failed: usize,
}

impl Load {}

/// GETs `url` from `clients` loops, `http` keeping `clients` connections (see
/// `Service::http`); any refusal is an error.
pub(crate) async fn http_load(
    http: reqwest::Client,
    url: String,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<Load> {
    // Warm up: one request per client connection.
    let first = http.get(&url).send().await?;
    if first.status() != 200 {
        bail!("{url} answered {}", first.status());
    }
    let bytes = first.bytes().await?.len();
    let url = Arc::new(url);
    run_load(clients, duration, move |_| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let r = http.get(url.as_str()).send().await?;
            if r.status() != 200 {
                bail!("a report answered {}", r.status());
            }
            r.bytes().await?;
            Ok(true)
        }
    })
    .await
    .map(|mut l| {
        l.bytes = bytes;
        l
    })
}

/// Runs `request(n)` (n: the request's number in the whole load) in `clients` concurrent loops
/// until `duration` has passed; a request answers whether it was answered as asked. An error
/// ends the load.
pub(crate) async fn run_load<F, Fut>(clients: usize, duration: Duration, request: F) -> anyhow::Result<Load>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<bool>> + Send,
{
    let started = Instant::now();
    let deadline = started + duration;
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients.max(1) {
        let (request, next) = (request.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let (mut ms, mut failed) = (Vec::new(), 0);
            while Instant::now() < deadline {
                let t = Instant::now();
                let ok = request(next.fetch_add(1, Ordering::Relaxed)).await?;
                ms.push(if ok { t.elapsed().as_secs_f64() * 1e3 } else { f64::INFINITY });
                failed += usize::from(!ok);
            }
            anyhow::Ok((ms, failed))
        }));
    }
    let (mut all, mut failed) = (Vec::new(), 0);
    for t in tasks {
        let (ms, f) = t.await??;
        all.extend(ms);
        failed += f;
    }
    let took = started.elapsed().as_secs_f64();
    Ok(Load { per_second: (all.len() - failed) as f64 / took, latency: Latency::of(all), bytes: 0, failed })
}
