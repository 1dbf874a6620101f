//! `provisio-bench`: the benchmark of issue 7. Starts a private `nats-server`, makes its own
//! PostgreSQL databases, runs the service as a child process, and measures against baselines
//! taken in the same run: raw JetStream publish, raw PostgreSQL append, raw JetStream
//! latency. Prints a table and writes the same figures as JSON. See BENCHMARKS.md.

mod cpu;
mod data;
mod raw;
mod servers;
mod service;
mod stats;

use anyhow::bail;
use clap::{Parser, Subcommand};
use serde_json::{Map, Value, json};
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(
    name = "provisio-bench",
    about = "Benchmarks Provisio end to end on real NATS JetStream and PostgreSQL, beside raw baselines."
)]
struct Cli {
    /// Events of the end-to-end ingest dataset.
    #[arg(long, default_value_t = 200_000)]
    events: usize,
    /// Partnerships of the dataset.
    #[arg(long, default_value_t = 204)]
    partnerships: u32,
    /// Providers of the dataset.
    #[arg(long, default_value_t = 4_000)]
    providers: u32,
    /// Live offers loaded for the query and memory figures; the replay log holds at least
    /// this many events too.
    #[arg(long, default_value_t = 1_000_000)]
    offers: usize,
    /// Concurrent HTTP (and SQL) clients of the query phase.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Events per second of the latency phases.
    #[arg(long, default_value_t = 5_000.0)]
    rate: f64,
    /// Seconds each latency and query phase runs.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Concurrent JetStream producers (connections) of the ingest phases.
    #[arg(long, default_value_t = 4)]
    producers: usize,
    /// Where to write the figures as JSON.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// The CI configuration: tiny sizes, a few seconds; checks only that figures are sane.
    #[arg(long)]
    small: bool,
    /// PostgreSQL server to create the `provisio_bench_*` databases on.
    #[arg(long, env = "PROVISIO_TEST_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
    postgres_url: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// (internal) Runs the service for the benchmark, printing `listening ADDR`.
    #[command(hide = true)]
    Serve {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        nats_url: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let mut cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    if let Some(Command::Serve { database_url, nats_url }) = cli.command.take() {
        return runtime.block_on(servers::serve(database_url, nats_url));
    }
    if cli.small {
        cli.events = 5_000;
        cli.partnerships = 4;
        cli.providers = 40;
        cli.offers = 20_000;
        cli.clients = 8;
        cli.rate = 1_000.0;
        cli.duration = 1.0;
        cli.producers = 2;
    }
    runtime.block_on(run(cli))
}

/// The figures, in order, as (key, label, value, unit).
#[derive(Default)]
struct Figures(Vec<(String, String, f64, &'static str)>);

impl Figures {
    fn add(&mut self, key: &str, label: &str, value: f64, unit: &'static str) {
        println!("  {label}: {value:.3} {unit}");
        self.0.push((key.to_owned(), label.to_owned(), value, unit));
    }
    fn get(&self, key: &str) -> f64 {
        self.0.iter().find(|f| f.0 == key).map(|f| f.2).unwrap_or(f64::NAN)
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let started = Instant::now();
    let duration = Duration::from_secs_f64(cli.duration);
    let mut dbs = servers::Databases::new(&cli.postgres_url);
    let nats = provisio_testkit::NatsServer::start();
    let result = measure(&cli, &nats, &mut dbs, duration).await;
    dbs.drop_all().await;
    drop(nats);
    let figures = result?;

    let goals = goals(&figures);
    println!();
    println!("| figure | value | unit |");
    println!("|---|---:|---|");
    for (_, label, value, unit) in &figures.0 {
        println!("| {label} | {} | {unit} |", pretty(*value));
    }
    println!();
    // The bound: the ingest ceiling, the live floor, and for replay reading and parsing alone.
    println!("| goal | target | measured | met | bound in this run |");
    println!("|---|---|---:|---|---:|");
    for g in &goals {
        let bound = g.bound.map_or("–".to_owned(), pretty);
        println!(
            "| {} | {} | {} | {} | {bound} |",
            g.goal,
            g.target,
            pretty(g.measured),
            if g.met { "yes" } else { "no" }
        );
    }
    println!("\nTotal run time: {:.1} s", started.elapsed().as_secs_f64());

    if let Some(path) = &cli.json {
        let mut out = Map::new();
        out.insert("date".into(), json!(now()));
        out.insert("machine".into(), machine());
        out.insert(
            "config".into(),
            json!({"events": cli.events, "partnerships": cli.partnerships, "providers": cli.providers, "offers": cli.offers,
                   "clients": cli.clients, "rate": cli.rate, "duration_s": cli.duration, "producers": cli.producers, "small": cli.small}),
        );
        let mut figs = Map::new();
        for (key, label, value, unit) in &figures.0 {
            figs.insert(key.clone(), json!({"value": value, "unit": unit, "label": label}));
        }
        out.insert("figures".into(), Value::Object(figs));
        out.insert(
            "goals".into(),
            Value::Array(goals.iter().map(|g| json!({"goal": g.goal, "target": g.target, "measured": g.measured, "met": g.met, "bound": g.bound})).collect()),
        );
        std::fs::write(path, serde_json::to_string_pretty(&Value::Object(out))? + "\n")?;
        println!("Wrote {}", path.display());
    }
    // Sanity, never speed: every figure must be a positive finite number.
    let insane: Vec<&str> =
        figures.0.iter().filter(|f| !(f.2.is_finite() && f.2 > 0.0)).map(|f| f.1.as_str()).collect();
    if !insane.is_empty() {
        bail!("figures that are zero or not a number: {insane:?}");
    }
    Ok(())
}

async fn measure(
    cli: &Cli,
    nats: &provisio_testkit::NatsServer,
    dbs: &mut servers::Databases,
    duration: Duration,
) -> anyhow::Result<Figures> {
    let (nats_pid, nats) = (nats.pid(), nats.url.as_str());
    let mut f = Figures::default();
    let mut world = data::World::new(cli.partnerships, cli.providers);
    let events = world.dataset(cli.events);
    let mean_bytes = events.iter().map(|e| e.body.len()).sum::<usize>() as f64 / events.len().max(1) as f64;
    println!(
        "Dataset: {} events, {} partnerships, {} providers, {} live offers, {mean_bytes:.0} B per event on average",
        events.len(),
        cli.partnerships,
        cli.providers,
        world.live_offers
    );
    f.add("dataset.events", "dataset events", events.len() as f64, "events");
    f.add("dataset.event_bytes", "dataset mean event size", mean_bytes, "B");

    println!("1. Baselines");
    f.add(
        "baseline.jetstream_publish",
        "raw JetStream publish, pipelined acks",
        raw::jetstream_publish(nats, &events, cli.producers).await?,
        "events/s",
    );
    let raw_db = dbs.create("raw").await?;
    let (append, append_cpu) = raw::postgres_append(&raw_db, &events).await?;
    f.add("baseline.postgres_append", "raw PostgreSQL append (INSERT UNNEST, 1,000/tx)", append, "events/s");
    f.add("baseline.postgres_append_cpu_postgres", "  PostgreSQL CPU per event", append_cpu, "µs");
    servers::quiesce(&raw_db).await?;
    let commit = raw::postgres_commit_latency(&raw_db, &events, cli.rate, duration).await?;
    f.add("baseline.postgres_commit_p50", "raw PostgreSQL commit latency at the live rate p50", commit.p50, "ms");
    f.add("baseline.postgres_commit_p99", "raw PostgreSQL commit latency at the live rate p99", commit.p99, "ms");
    f.add("baseline.postgres_commit_p999", "raw PostgreSQL commit latency at the live rate p99.9", commit.p999, "ms");
    servers::quiesce(&raw_db).await?;
    let lat = raw::jetstream_latency(nats, &events, cli.rate, duration).await?;
    f.add("baseline.jetstream_latency_p50", "raw JetStream publish→consume p50", lat.p50, "ms");
    f.add("baseline.jetstream_latency_p99", "raw JetStream publish→consume p99", lat.p99, "ms");
    f.add("baseline.jetstream_latency_p999", "raw JetStream publish→consume p99.9", lat.p999, "ms");
    // An event reaches a dashboard only after JetStream delivered it and its commit returned.
    let floor = lat.then(&commit);
    f.add(
        "baseline.live_floor_p99",
        "raw JetStream latency then raw commit latency, p99 (the live floor)",
        floor.p99,
        "ms",
    );

    println!("2. End-to-end ingest");
    servers::quiesce(&raw_db).await?;
    let url = dbs.create("main").await?;
    let db = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(&url).await?;
    let service = servers::Service::start(&url, Some(nats)).await?;
    let before = cpu::Sample::take(service.pid(), nats_pid);
    let http = service.http(1)?;
    let (ingest, durable_only, publish_only) =
        service::ingest(nats, &db, &http, &service.base, &events, cli.producers).await?;
    let cpu = cpu::Sample::take(service.pid(), nats_pid).per_event_since(&before, events.len());
    f.add("ingest.events_per_s", "end-to-end ingest (durable in SQL and applied)", ingest, "events/s");
    f.add("ingest.durable_events_per_s", "  of which: durable in SQL alone", durable_only, "events/s");
    f.add("ingest.publish_events_per_s", "  of which: publishing alone", publish_only, "events/s");
    f.add(
        "ingest.ratio_to_postgres",
        "  ratio to raw PostgreSQL append",
        ingest / f.get("baseline.postgres_append"),
        "×",
    );
    f.add(
        "ingest.ratio_to_jetstream",
        "  ratio to raw JetStream publish",
        ingest / f.get("baseline.jetstream_publish"),
        "×",
    );
    f.add("ingest.cpu_service", "  service CPU per event", cpu.service, "µs");
    f.add("ingest.cpu_postgres", "  PostgreSQL CPU per event", cpu.postgres, "µs");
    f.add("ingest.cpu_nats", "  NATS CPU per event", cpu.nats, "µs");
    f.add("ingest.cpu_producers", "  producers' (benchmark) CPU per event", cpu.bench, "µs");
    f.add("ingest.cpu_busy", "  cores kept busy by the four", cpu.busy * 100.0, "%");
    // What the other three need per event, as if the service cost no CPU at all.
    let others = append_cpu + cpu.nats + cpu.bench;
    f.add(
        "ingest.ceiling",
        "  ceiling: the cores ÷ CPU per event of raw PostgreSQL append, NATS and producers",
        cpu::cores() * 1e6 / others,
        "events/s",
    );

    println!("3. Live latency (publish → SSE)");
    servers::quiesce(&url).await?;
    let before = cpu::Sample::take(service.pid(), nats_pid);
    let (live, missing) = service::live(nats, &db, &http, &service.base, &mut world, cli.rate, duration).await?;
    let cpu = cpu::Sample::take(service.pid(), nats_pid).per_event_since(&before, live.count);
    if missing > 0 {
        println!("  warning: {missing} live events were not seen on the SSE stream");
    }
    f.add("live.p50", "publish→SSE p50", live.p50, "ms");
    f.add("live.p99", "publish→SSE p99", live.p99, "ms");
    f.add("live.p999", "publish→SSE p99.9", live.p999, "ms");
    f.add("live.max", "publish→SSE max", live.max, "ms");
    f.add("live.received", "publish→SSE events received", live.count as f64, "events");
    f.add(
        "live.ratio_p99",
        "  p99 ratio to raw JetStream p99",
        live.p99 / f.get("baseline.jetstream_latency_p99"),
        "×",
    );
    f.add(
        "live.ratio_p99_commit",
        "  p99 ratio to raw PostgreSQL commit p99",
        live.p99 / f.get("baseline.postgres_commit_p99"),
        "×",
    );
    f.add("live.cpu_service", "  service CPU per event", cpu.service, "µs");
    f.add("live.cpu_busy", "  cores kept busy (service, PostgreSQL, NATS, benchmark)", cpu.busy * 100.0, "%");
    let (ingest_hwm, _) = service.memory();
    f.add("memory.ingest_peak_mib", "service peak RSS after ingest", ingest_hwm as f64 / 1_048_576.0, "MiB");
    service.stop();

    println!("4. Replay");
    let (stored, _) = service::log_size(&db).await?;
    let more = world.more_offers(cli.offers, cli.offers.saturating_sub(stored as usize));
    let load_rate = service::bulk_append(&url, &more).await?;
    println!(
        "  loaded {} more offers into the log at {load_rate:.0} events/s ({} live offers)",
        more.len(),
        world.live_offers
    );
    drop(more);
    servers::quiesce(&url).await?;
    f.add(
        "replay.read_per_s",
        "reading the log as rebuild does, nothing else",
        service::read_log(&url, false).await?,
        "events/s",
    );
    f.add(
        "replay.parse_per_s",
        "reading and parsing the log as rebuild does, nothing applied",
        service::read_log(&url, true).await?,
        "events/s",
    );
    let (replay, replayed) = service::replay(&url).await?;
    f.add("replay.events", "replayed events", replayed as f64, "events");
    f.add("replay.events_per_s", "provisio rebuild", replay, "events/s");

    println!("5. Queries ({} clients, {} live offers)", cli.clients, world.live_offers);
    service::load_sql_tables(&db, &world).await?;
    let service = servers::Service::start(&url, None).await?;
    f.add("replay.startup_s", "service start-up (replays the log into memory)", service.ready_after.as_secs_f64(), "s");
    let (_, idle_rss) = service.memory();
    // The rebuild wrote gigabytes of recorded changes: their writeback is not the queries'.
    servers::quiesce(&url).await?;
    let p = data::partnership_id(0);
    for (key, report) in [("gaps", "gaps"), ("duplications", "duplications")] {
        let load = service::http_load(
            service.http(cli.clients)?,
            format!("{}/v1/partnerships/{p}/{report}", service.base),
            cli.clients,
            duration,
        )
        .await?;
        f.add(&format!("query.{key}.per_s"), &format!("{report} report"), load.per_second, "requests/s");
        f.add(&format!("query.{key}.p50"), &format!("{report} report p50"), load.latency.p50, "ms");
        f.add(&format!("query.{key}.p99"), &format!("{report} report p99"), load.latency.p99, "ms");
        f.add(&format!("query.{key}.bytes"), &format!("{report} report size"), load.bytes as f64, "B");
    }
    let (sql, rows) = service::sql_load(&url, cli.clients, duration).await?;
    f.add("query.sql_gaps.per_s", "plain SQL GROUP BY gap report", sql.per_second, "requests/s");
    f.add("query.sql_gaps.p50", "plain SQL GROUP BY gap report p50", sql.latency.p50, "ms");
    f.add("query.sql_gaps.p99", "plain SQL GROUP BY gap report p99", sql.latency.p99, "ms");
    f.add("query.sql_gaps.rows", "plain SQL gap report rows", rows as f64, "rows");
    f.add(
        "query.gaps.ratio_to_sql",
        "  gap report throughput ratio to plain SQL",
        f.get("query.gaps.per_s") / f.get("query.sql_gaps.per_s"),
        "×",
    );

    println!("6. Memory");
    let (hwm, _) = service.memory();
    let offers = world.live_offers as f64;
    f.add("memory.live_offers", "live offers", offers, "offers");
    f.add("memory.peak_mib", "service peak RSS (VmHWM)", hwm as f64 / 1_048_576.0, "MiB");
    f.add("memory.idle_mib", "service RSS once started", idle_rss as f64 / 1_048_576.0, "MiB");
    f.add(
        "memory.peak_mib_per_million_offers",
        "peak RSS per million live offers",
        hwm as f64 / 1_048_576.0 / (offers / 1e6),
        "MiB",
    );
    f.add("memory.peak_bytes_per_offer", "peak RSS per live offer", hwm as f64 / offers, "B");
    service.stop();
    db.close().await;
    Ok(f)
}

/// A goal: what it asks, what was measured, whether it is met, and the bound this run
/// measured for it (a ceiling or a floor that the service cannot pass on this machine).
struct Goal {
    goal: &'static str,
    target: &'static str,
    measured: f64,
    met: bool,
    bound: Option<f64>,
}

fn goals(f: &Figures) -> Vec<Goal> {
    let goal = |goal, target, measured, met, bound| Goal { goal, target, measured, met, bound };
    let ingest = f.get("ingest.events_per_s");
    let ratio = f.get("ingest.ratio_to_postgres");
    let ceiling = f.get("ingest.ceiling");
    let p99 = f.get("live.p99");
    let replay = f.get("replay.events_per_s");
    let gap_p99 = f.get("query.gaps.p99");
    let gap_ratio = f.get("query.gaps.ratio_to_sql");
    let per_offer = f.get("memory.peak_bytes_per_offer");
    vec![
        goal("end-to-end ingest", "≥ 50,000 events/s", ingest, ingest >= 50_000.0, Some(ceiling)),
        goal(
            "ingest / raw PostgreSQL append",
            "≥ 0.7",
            ratio,
            ratio >= 0.7,
            Some(ceiling / f.get("baseline.postgres_append")),
        ),
        goal("publish→SSE p99", "≤ 10 ms", p99, p99 <= 10.0, Some(f.get("baseline.live_floor_p99"))),
        goal("replay", "≥ 300,000 events/s", replay, replay >= 300_000.0, Some(f.get("replay.parse_per_s"))),
        goal("gap report p99", "≤ 5 ms", gap_p99, gap_p99 <= 5.0, None),
        goal("gap report / plain SQL", "≥ 10×", gap_ratio, gap_ratio >= 10.0, None),
        goal("peak RSS per live offer", "≤ 1,024 B", per_offer, per_offer <= 1024.0, None),
    ]
}

fn pretty(v: f64) -> String {
    if v.abs() >= 1_000.0 {
        let s = format!("{:.0}", v);
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 && c != '-' {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn machine() -> Value {
    let cores = cpu::cores() as u64;
    let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let total_kb = mem
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    json!({"cores": cores, "memory_gib": total_kb as f64 / 1_048_576.0, "cpu": model})
}
