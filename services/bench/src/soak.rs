//! `provisio-bench soak`: a steady load on a deployment that is already running (the
//! processes `scripts/soak.sh` starts: three NATS nodes, PostgreSQL, writers and readers). It
//! publishes at a fixed rate to JetStream, keeps report clients and SSE clients busy on the
//! readers, and every `--sample-secs` writes one row: each process's resident memory and CPU,
//! the report latency, the publish acknowledgement latency, what the SSE clients received. At the
//! end: the table as Markdown and a plot as SVG (memory and p99 over time), for BENCHMARKS.md.

use crate::data::{World, partnership_id};
use crate::raw;
use crate::servers::memory_of;
use crate::snapshots::metric;
use crate::stats::Latency;
use async_nats::jetstream::message::PublishMessage;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The partnerships of the soak's data: report clients and SSE clients are spread over all of
/// them.
const PARTNERSHIPS: u32 = 4;

#[derive(Debug, clap::Args)]
pub(crate) struct SoakArgs {
    /// Every NATS server of the cluster, separated by commas.
    #[arg(long)]
    nats_url: String,
    /// Base URL of each reader (reports and SSE are spread over them), separated by commas.
    #[arg(long, value_delimiter = ',')]
    readers: Vec<String>,
    /// The processes whose memory and CPU are sampled, as NAME=PID, separated by commas (the
    /// CPU of a process counts its children's: name PostgreSQL's postmaster).
    #[arg(long, value_delimiter = ',')]
    pids: Vec<String>,
    /// Services whose `/metrics` is sampled too, as NAME=URL, separated by commas: the bytes
    /// they have in use (started with `--count-heap`) and, for readers, how far behind their
    /// log position their slowest SSE client is.
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
    /// Events published per second.
    #[arg(long, default_value_t = 2_000.0)]
    rate: f64,
    /// How many of the four partnerships the published events change, turn by turn: with 4
    /// every dashboard has changes to follow; with 1 (the eighth session's soaks) three
    /// quarters of the SSE clients only hold their streams open.
    #[arg(long, default_value_t = PARTNERSHIPS, value_parser = clap::value_parser!(u32).range(1..=4))]
    live_partnerships: u32,
    #[arg(long, default_value_t = 64)]
    report_clients: usize,
    /// Reports asked per second, all report clients together, each client on its own clock;
    /// 0: every client asks again as soon as it is answered. A soak judges drift, so the
    /// default is a steady load the machine can carry: closed-loop clients take whatever the
    /// cores leave, and on the two cores of the project machine that starved the publisher
    /// (the ninth session's run).
    #[arg(long, default_value_t = 640.0)]
    reports_per_sec: f64,
    #[arg(long, default_value_t = 200)]
    sse_clients: usize,
    #[arg(long, default_value_t = 1_800)]
    duration_secs: u64,
    #[arg(long, default_value_t = 10)]
    sample_secs: u64,
    /// Where soak.md (the table) and soak.svg (the plot) are written.
    #[arg(long)]
    out: std::path::PathBuf,
}

/// What the clients measured since the last sample.
#[derive(Default)]
struct Window {
    report_ms: Mutex<Vec<f64>>,
    ack_ms: Mutex<Vec<f64>>,
    published: AtomicU64,
    sse_events: AtomicU64,
    errors: AtomicU64,
}

/// One row of the table.
struct Sample {
    at_secs: f64,
    rss_mib: Vec<f64>,
    /// Each process's CPU over the sample, with its children's (PostgreSQL's backends), in
    /// percent of one core.
    cpu_pct: Vec<f64>,
    published_per_sec: f64,
    reports_per_sec: f64,
    report: Latency,
    ack: Latency,
    sse_per_sec: f64,
    errors: u64,
    /// Each `--metrics` service's bytes in use, in MiB (NaN: not counted).
    heap_mib: Vec<f64>,
    /// Each reader's log position less the last position its slowest SSE client received
    /// (NaN: no position, or no client has received anything).
    sse_lag: Vec<f64>,
}

pub(crate) async fn run(args: SoakArgs) -> anyhow::Result<()> {
    let mut processes: Vec<(String, u32)> = args
        .pids
        .iter()
        .map(|p| {
            let (name, pid) = p.split_once('=').ok_or_else(|| anyhow::anyhow!("--pids takes NAME=PID, not {p}"))?;
            Ok((name.to_owned(), pid.parse()?))
        })
        .collect::<anyhow::Result<_>>()?;
    // The load's own process shares the cores: what it takes is not the service's.
    processes.push(("load".to_owned(), std::process::id()));
    let services: Vec<(String, String)> = args
        .metrics
        .iter()
        .map(|m| {
            let (name, url) = m.split_once('=').ok_or_else(|| anyhow::anyhow!("--metrics takes NAME=URL, not {m}"))?;
            Ok((name.to_owned(), url.trim_end_matches('/').to_owned()))
        })
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(!args.readers.is_empty(), "--readers names at least one reader");
    let mut world = World::new(PARTNERSHIPS, 40);
    let setup: Vec<_> = world.dataset(20_000).into_iter().chain(world.live_setup(args.live_partnerships)).collect();
    println!("Publishing {} setup events ({PARTNERSHIPS} partnerships, 40 providers)…", setup.len());
    raw::publish_all(&args.nats_url, &setup, 4, None).await?;

    let window = Arc::new(Window::default());
    let samples_wanted = (args.duration_secs / args.sample_secs.max(1)).max(1);
    // The clients go on a little past the last sample, so its window is a full one.
    let deadline = Instant::now() + Duration::from_secs(args.duration_secs + 2);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.report_clients)
        .pool_idle_timeout(crate::servers::KEPT_ALIVE)
        .build()?;
    let mut tasks = Vec::new();
    for c in 0..args.report_clients {
        let url = format!(
            "{}/v1/partnerships/{}/gaps",
            args.readers[c % args.readers.len()],
            partnership_id(c as u32 % PARTNERSHIPS)
        );
        // Paced clients are spread over each interval, not asking all at once.
        let pace = (args.reports_per_sec > 0.0).then(|| {
            let every = Duration::from_secs_f64(args.report_clients as f64 / args.reports_per_sec);
            (tokio::time::Instant::now() + every.mul_f64(c as f64 / args.report_clients as f64), every)
        });
        tasks.push(tokio::spawn(report_client(http.clone(), url, pace, window.clone(), deadline)));
    }
    // Each dashboard follows its own partnership, as they would across the country: every
    // reader streams each partnership's changes to a share of the clients.
    let mut received: Vec<Vec<Arc<AtomicI64>>> = vec![Vec::new(); args.readers.len()];
    for c in 0..args.sse_clients {
        let (reader, partnership) = (c % args.readers.len(), (c / args.readers.len()) as u32 % PARTNERSHIPS);
        let url = format!("{}/v1/partnerships/{}/live", args.readers[reader], partnership_id(partnership));
        let last = Arc::new(AtomicI64::new(0));
        received[reader].push(last.clone());
        tasks.push(tokio::spawn(sse_client(url, last, window.clone(), deadline)));
    }
    tasks.push(tokio::spawn(publisher(
        args.nats_url.clone(),
        world,
        args.live_partnerships,
        args.rate,
        window.clone(),
        deadline,
    )));

    let started = Instant::now();
    let mut samples = Vec::new();
    let reader_names: Vec<String> = args
        .readers
        .iter()
        .enumerate()
        .map(|(i, url)| {
            let named = services.iter().find(|(_, u)| u == url.trim_end_matches('/'));
            named.map_or_else(|| format!("reader {}", i + 1), |(n, _)| n.clone())
        })
        .collect();
    let columns = Columns {
        processes: processes.iter().map(|(n, _)| n.as_str()).collect(),
        services: services.iter().map(|(n, _)| n.as_str()).collect(),
        readers: reader_names.iter().map(String::as_str).collect(),
    };
    println!("{}", columns.header());
    let mut last = Instant::now();
    let mut ticks_before = cpu_ticks(&processes);
    // On the clock from the start, so that sampling's own time does not push the last sample
    // past the clients' deadline.
    let every = Duration::from_secs(args.sample_secs.max(1));
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    for _ in 0..samples_wanted {
        ticks.tick().await;
        let secs = last.elapsed().as_secs_f64();
        last = Instant::now();
        let ticks = cpu_ticks(&processes);
        let cpu_pct = ticks.iter().zip(&ticks_before).map(|(t, b)| t.saturating_sub(*b) as f64 / secs).collect();
        ticks_before = ticks;
        let report = Latency::of(std::mem::take(&mut *window.report_ms.lock().await));
        // Each service's /metrics once: a reader is usually among `--metrics` too.
        let mut pages: Vec<(&str, Option<String>)> = Vec::new();
        let urls = services.iter().map(|(_, u)| u.as_str()).chain(args.readers.iter().map(|u| u.trim_end_matches('/')));
        for url in urls {
            if !pages.iter().any(|(u, _)| *u == url) {
                pages.push((url, scrape(&http, url).await));
            }
        }
        let figure = |url: &str, name: &str| {
            let page = pages.iter().find(|(u, _)| *u == url).and_then(|(_, text)| text.as_deref());
            page.and_then(|text| metric(text, name))
        };
        let heap_mib: Vec<f64> = services
            .iter()
            .map(|(_, url)| figure(url, "provisio_heap_in_use_bytes").map_or(f64::NAN, |b| b / 1_048_576.0))
            .collect();
        let mut sse_lag = Vec::new();
        for (url, clients) in args.readers.iter().zip(&received) {
            let position = figure(url.trim_end_matches('/'), "provisio_projector_position");
            let slowest = clients.iter().map(|c| c.load(Ordering::Relaxed)).filter(|&p| p > 0).min();
            sse_lag.push(match (position, slowest) {
                (Some(at), Some(slowest)) => (at - slowest as f64).max(0.0),
                _ => f64::NAN,
            });
        }
        let sample = Sample {
            at_secs: started.elapsed().as_secs_f64(),
            rss_mib: processes
                .iter()
                .map(|(_, pid)| memory_of(&format!("/proc/{pid}/status")).1 as f64 / 1_048_576.0)
                .collect(),
            cpu_pct,
            published_per_sec: window.published.swap(0, Ordering::Relaxed) as f64 / secs,
            reports_per_sec: report.count as f64 / secs,
            report,
            ack: Latency::of(std::mem::take(&mut *window.ack_ms.lock().await)),
            sse_per_sec: window.sse_events.swap(0, Ordering::Relaxed) as f64 / secs,
            errors: window.errors.swap(0, Ordering::Relaxed),
            heap_mib,
            sse_lag,
        };
        println!("{}", row(&sample));
        samples.push(sample);
    }
    for t in tasks {
        t.await??;
    }
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(args.out.join("soak.md"), table(&columns, &samples, &args))?;
    std::fs::write(args.out.join("soak.svg"), plot(&columns, &samples))?;
    println!("Wrote {} and soak.svg", args.out.join("soak.md").display());
    Ok(())
}

/// The names of the table's columns: processes (memory, CPU), services (bytes in use),
/// readers (SSE lag).
struct Columns<'a> {
    processes: Vec<&'a str>,
    services: Vec<&'a str>,
    readers: Vec<&'a str>,
}

impl Columns<'_> {
    fn header(&self) -> String {
        let names = |names: &[&str], unit: &str| names.iter().map(|n| format!(" {n} {unit} |")).collect::<String>();
        format!(
            "| s |{}{}{} events/s | reports/s | report p50 ms | report p99 ms | ack p99 ms | SSE events/s | errors |{}",
            names(&self.processes, "MiB"),
            names(&self.services, "heap MiB"),
            names(&self.processes, "CPU %"),
            names(&self.readers, "SSE lag")
        )
    }

    fn count(&self) -> usize {
        2 * self.processes.len() + self.services.len() + self.readers.len() + 8
    }
}

fn row(s: &Sample) -> String {
    let cells = |values: &[f64]| {
        values.iter().map(|v| if v.is_finite() { format!(" {v:.0} |") } else { " – |".into() }).collect::<String>()
    };
    format!(
        "| {:.0} |{}{}{} {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.0} | {} |{}",
        s.at_secs,
        cells(&s.rss_mib),
        cells(&s.heap_mib),
        cells(&s.cpu_pct),
        s.published_per_sec,
        s.reports_per_sec,
        s.report.p50,
        s.report.p99,
        s.ack.p99,
        s.sse_per_sec,
        s.errors,
        cells(&s.sse_lag)
    )
}

/// A service's `/metrics`, or `None` when it does not answer.
async fn scrape(http: &reqwest::Client, base: &str) -> Option<String> {
    http.get(format!("{base}/metrics")).send().await.ok()?.text().await.ok()
}

/// The table, and the two drifts the issue bounds: memory and p99 after warm-up against the
/// end of the run.
fn table(columns: &Columns, samples: &[Sample], args: &SoakArgs) -> String {
    let pace = if args.reports_per_sec > 0.0 {
        format!("asking {:.0} reports/s in all", args.reports_per_sec)
    } else {
        "each asking again when answered".to_owned()
    };
    let mut out = format!(
        "{} s at {:.0} events/s, {} report clients ({pace}), {} SSE clients, {} readers\n\n",
        args.duration_secs,
        args.rate,
        args.report_clients,
        args.sse_clients,
        args.readers.len()
    );
    let _ = writeln!(out, "{}", columns.header());
    let _ = writeln!(out, "|{}", "---:|".repeat(columns.count()));
    for s in samples {
        let _ = writeln!(out, "{}", row(s));
    }
    // Samples under load only (the last ones may be taken after the publishers stopped);
    // one sample is noisy, so a window's mean memory and median p99 are compared: the quarter
    // of the loaded run after warm-up (its first fifth) against its last quarter.
    let loaded: Vec<&Sample> = samples.iter().filter(|s| s.published_per_sec >= args.rate / 2.0).collect();
    let quarter = loaded.len() / 4;
    let warm = loaded.len() / 5;
    if quarter > 0 {
        let (early, late) = (&loaded[warm..warm + quarter], &loaded[loaded.len() - quarter..]);
        let span = |w: &[&Sample]| format!("{:.0}–{:.0} s", w[0].at_secs, w[w.len() - 1].at_secs);
        let _ = writeln!(out, "\nMeans of {} against {} (samples under load only):\n", span(early), span(late));
        let mean = |w: &[&Sample], of: fn(&Sample) -> &[f64], i: usize| {
            w.iter().map(|s| of(s)[i]).sum::<f64>() / w.len() as f64
        };
        for (i, name) in columns.processes.iter().enumerate() {
            let (a, b) = (mean(early, |s| &s.rss_mib, i), mean(late, |s| &s.rss_mib, i));
            let drift = (b - a) / a.max(1e-9) * 100.0;
            let (c, d) = (mean(early, |s| &s.cpu_pct, i), mean(late, |s| &s.cpu_pct, i));
            let _ = writeln!(out, "- {name}: {a:.0} MiB, then {b:.0} MiB ({drift:+.1} %); CPU {c:.0} %, then {d:.0} %");
        }
        // Over the samples that have the figure: a scrape that failed leaves a hole, not a NaN
        // mean (writer-1's /metrics went unanswered about one sample in ten).
        let scraped = |w: &[&Sample], i: usize| {
            let heap: Vec<f64> = w.iter().map(|s| s.heap_mib[i]).filter(|h| h.is_finite()).collect();
            (heap.iter().sum::<f64>() / heap.len() as f64, heap.len())
        };
        for (i, name) in columns.services.iter().enumerate() {
            let ((a, m), (b, n)) = (scraped(early, i), scraped(late, i));
            if m > 0 && n > 0 {
                let drift = (b - a) / a.max(1e-9) * 100.0;
                let holes =
                    if m + n < 2 * quarter { format!("; {m} and {n} of {quarter} samples") } else { String::new() };
                let _ = writeln!(out, "- {name}: {a:.0} MiB in use, then {b:.0} MiB ({drift:+.1} %{holes})");
            }
        }
        let median_p99 = |w: &[&Sample]| {
            let mut p: Vec<f64> = w.iter().map(|s| s.report.p99).collect();
            p.sort_by(f64::total_cmp);
            p[p.len() / 2]
        };
        let _ = writeln!(
            out,
            "- report p99 (median of the samples): {:.2} ms, then {:.2} ms",
            median_p99(early),
            median_p99(late)
        );
    }
    out
}

/// CPU time so far of each process with its descendants, in clock ticks (USER_HZ: 100 a
/// second on Linux, so a tick a second is one percent of a core); a process gone counts 0.
fn cpu_ticks(processes: &[(String, u32)]) -> Vec<u64> {
    // Every process's parent and own ticks, from one pass over /proc.
    let mut all: Vec<(u32, u32, u64)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // After the command's closing parenthesis: state, ppid, …, utime (14th field), stime.
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        // A pid fits in 32 bits.
        all.push((pid, field(1) as u32, field(11) + field(12)));
    }
    processes
        .iter()
        .map(|(_, root)| {
            let mut tree = vec![*root];
            let mut i = 0;
            while i < tree.len() {
                let parent = tree[i];
                tree.extend(all.iter().filter(|(_, ppid, _)| *ppid == parent).map(|(pid, _, _)| *pid));
                i += 1;
            }
            all.iter().filter(|(pid, _, _)| tree.contains(pid)).map(|(_, _, t)| t).sum()
        })
        .collect()
}

/// Two panels over time: each process's resident memory (and each counted service's bytes in
/// use), and the report and ack p99.
fn plot(columns: &Columns, samples: &[Sample]) -> String {
    const COLOURS: [&str; 12] = [
        "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4", "#b2df8a",
        "#fb9a99", "#cab2d6",
    ];
    let (w, h, pad) = (800.0, 260.0, 50.0);
    let t_max = samples.last().map_or(1.0, |s| s.at_secs).max(1.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n",
        2.0 * h
    );
    let mut panel = |top: f64, title: &str, series: Vec<(String, Vec<f64>)>| {
        let y_max =
            series.iter().flat_map(|(_, v)| v.iter().copied()).filter(|v| v.is_finite()).fold(1.0, f64::max) * 1.1;
        let _ = writeln!(svg, "<text x=\"{pad}\" y=\"{}\">{title} (max {y_max:.1})</text>", top + 20.0);
        let _ = writeln!(
            svg,
            "<rect x=\"{pad}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>",
            top + 30.0,
            w - 2.0 * pad,
            h - 60.0
        );
        for (i, (name, values)) in series.iter().enumerate() {
            let points: Vec<String> = samples
                .iter()
                .zip(values)
                .filter(|(_, v)| v.is_finite())
                .map(|(s, v)| {
                    let x = pad + s.at_secs / t_max * (w - 2.0 * pad);
                    let y = top + h - 30.0 - v / y_max * (h - 60.0);
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            let colour = COLOURS[i % COLOURS.len()];
            let _ = writeln!(
                svg,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"/>",
                points.join(" ")
            );
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" fill=\"{colour}\">{name}</text>",
                w - pad - 150.0,
                top + 45.0 + 14.0 * i as f64
            );
        }
    };
    panel(
        0.0,
        "resident memory (and bytes in use), MiB",
        columns
            .processes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), samples.iter().map(|s| s.rss_mib[i]).collect()))
            .chain(
                columns
                    .services
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (format!("{n} in use"), samples.iter().map(|s| s.heap_mib[i]).collect())),
            )
            .collect(),
    );
    panel(
        h,
        "p99, ms",
        vec![
            ("report p99".into(), samples.iter().map(|s| s.report.p99).collect()),
            ("publish ack p99".into(), samples.iter().map(|s| s.ack.p99).collect()),
        ],
    );
    let _ = writeln!(svg, "<text x=\"{pad}\" y=\"{}\">time, 0 to {t_max:.0} s</text>", 2.0 * h - 8.0);
    svg.push_str("</svg>\n");
    svg
}

/// Asks for a report at `pace` (from its first instant, every so often; a late answer is not
/// made up for), or again as soon as it is answered when `pace` is `None`.
async fn report_client(
    http: reqwest::Client,
    url: String,
    pace: Option<(tokio::time::Instant, Duration)>,
    window: Arc<Window>,
    deadline: Instant,
) -> anyhow::Result<()> {
    let mut ticks = pace.map(|(first, every)| {
        let mut ticks = tokio::time::interval_at(first, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks
    });
    while Instant::now() < deadline {
        if let Some(ticks) = &mut ticks {
            ticks.tick().await;
        }
        let t = Instant::now();
        let answered = match http.get(&url).send().await {
            Ok(r) => r.status() == 200 && r.bytes().await.is_ok(),
            Err(_) => false,
        };
        if answered {
            window.report_ms.lock().await.push(t.elapsed().as_secs_f64() * 1e3);
        } else {
            window.errors.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(())
}

/// Follows a live stream, counting its events and keeping the last position received in
/// `last`; a dropped stream is opened again.
async fn sse_client(url: String, last: Arc<AtomicI64>, window: Arc<Window>, deadline: Instant) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    while Instant::now() < deadline {
        let Ok(mut response) = http.get(&url).send().await else {
            window.errors.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline.into(), response.chunk()).await {
            let lines: Vec<&[u8]> = chunk.split(|b| *b == b'\n').collect();
            let events = lines.iter().filter(|line| line.starts_with(b"id:")).count();
            window.sse_events.fetch_add(events as u64, Ordering::Relaxed);
            // The first and last lines may be cut by the chunk's edges: the others are whole.
            let whole = lines.get(1..lines.len().saturating_sub(1)).unwrap_or_default();
            let ids = whole
                .iter()
                .filter_map(|line| std::str::from_utf8(line.strip_prefix(b"id:")?).ok()?.trim().parse().ok());
            if let Some(p) = ids.max() {
                last.fetch_max(p, Ordering::Relaxed);
            }
        }
    }
    Ok(())
}

/// Publishes the live events at `rate` against the clock; a separate task awaits the acks.
async fn publisher(
    nats_url: String,
    mut world: World,
    live_partnerships: u32,
    rate: f64,
    window: Arc<Window>,
    deadline: Instant,
) -> anyhow::Result<()> {
    let js = raw::connect(&nats_url).await?;
    let (tx, mut rx) =
        tokio::sync::mpsc::channel::<(Instant, async_nats::jetstream::context::PublishAckFuture)>(65_536);
    let acks = {
        let window = window.clone();
        tokio::spawn(async move {
            while let Some((sent, ack)) = rx.recv().await {
                match ack.await {
                    Ok(_) => window.ack_ms.lock().await.push(sent.elapsed().as_secs_f64() * 1e3),
                    Err(_) => _ = window.errors.fetch_add(1, Ordering::Relaxed),
                }
            }
        })
    };
    let start = tokio::time::Instant::now();
    let mut k = 0u64;
    while Instant::now() < deadline {
        tokio::time::sleep_until(start + Duration::from_secs_f64(k as f64 / rate)).await;
        let e = world.live_event(k, live_partnerships);
        k += 1;
        let message = PublishMessage::build().payload(e.body).message_id(e.id.as_str());
        match js.send_publish(e.subject, message).await {
            Ok(ack) => {
                window.published.fetch_add(1, Ordering::Relaxed);
                tx.send((Instant::now(), ack)).await?;
            }
            Err(_) => _ = window.errors.fetch_add(1, Ordering::Relaxed),
        }
    }
    drop(tx);
    acks.await?;
    Ok(())
}
