//! `provisio-bench`: the benchmark of issue 7. Starts a private `nats-server`, makes its own
//! PostgreSQL databases, runs the service as a child process, and measures against baselines
//! taken in the same run: raw JetStream publish, raw PostgreSQL append, raw JetStream
//! latency. Prints a table and writes the same figures as JSON. See BENCHMARKS.md.

mod cpu;
mod data;
mod figures;
mod finder;
mod goals;
mod image;
mod load;
mod measure;
mod over_time;
mod raw;
mod servers;
mod service;
mod snapshots;
mod soak;
mod stats;

use anyhow::bail;
use clap::{Parser, Subcommand};
use figures::{machine, now, pretty};
use goals::goals;
use measure::measure;
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
        /// Write an engine snapshot every this many events.
        #[arg(long)]
        snapshot_every_events: Option<u64>,
        /// A postcode file for the finder's distances.
        #[arg(long)]
        postcodes: Option<std::path::PathBuf>,
    },
    /// A steady load on a running deployment (scripts/soak.sh starts one), sampled over
    /// time: memory of each process, report and publish latency, SSE throughput.
    Soak(soak::SoakArgs),
    /// An engine image of the state of `--events` and `--offers` made and read back in this
    /// process: its size, encoding and decoding time (no server; for profiling start-up from
    /// a snapshot).
    Image {
        /// Decodes timed; the fastest and the median are printed.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
}

fn main() -> anyhow::Result<()> {
    let mut cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cli.command.take() {
        Some(Command::Serve { database_url, nats_url, snapshot_every_events, postcodes }) => {
            return runtime.block_on(servers::serve(database_url, nats_url, snapshot_every_events, postcodes));
        }
        Some(Command::Soak(args)) => return runtime.block_on(soak::run(args)),
        Some(Command::Image { rounds }) => return image::run(&cli, rounds),
        None => {}
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

async fn run(cli: Cli) -> anyhow::Result<()> {
    let started = Instant::now();
    let duration = Duration::from_secs_f64(cli.duration);
    let mut dbs = servers::Databases::new(&cli.postgres_url);
    let nats = provisio_testkit::NatsServer::start();
    let result = tokio::select! {
        result = measure(&cli, &nats, &mut dbs, duration) => result,
        // Interrupted: dropping the run stops the services it started; its databases and its
        // NATS server go below, as at the end of a run.
        () = provisio::wait_for_signal() => Err(anyhow::anyhow!("interrupted")),
    };
    dbs.drop_all().await;
    drop(nats);
    let figures = result?;

    let goals = goals(&figures);
    println!();
    println!("| figure | value | unit |");
    println!("|---|---:|---|");
    for fig in &figures.0 {
        println!("| {} | {} | {} |", fig.label, fig.value.map_or("not available".to_owned(), pretty), fig.unit);
    }
    println!();
    // The bound: the ingest ceiling, the live floor, and for replay reading and parsing alone.
    println!("| issue | goal | target | measured | met | bound in this run |");
    println!("|---:|---|---|---:|---|---:|");
    for g in &goals {
        let bound = g.bound.map_or("–".to_owned(), pretty);
        let met = match g.met {
            Some(true) => "yes",
            Some(false) => "no",
            None => "–",
        };
        println!("| {} | {} | {} | {} | {met} | {bound} |", g.issue, g.goal, g.target, pretty(g.measured));
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
        for fig in &figures.0 {
            let mut entry = json!({"value": fig.value, "unit": fig.unit, "label": fig.label});
            if let Some(why) = &fig.why {
                entry["not_available"] = json!(why);
            }
            figs.insert(fig.key.clone(), entry);
        }
        out.insert("figures".into(), Value::Object(figs));
        out.insert(
            "goals".into(),
            Value::Array(
                goals
                    .iter()
                    .map(|g| {
                        json!({"issue": g.issue, "goal": g.goal, "target": g.target,
                "measured": (!g.measured.is_nan()).then_some(g.measured), "met": g.met, "bound": g.bound})
                    })
                    .collect(),
            ),
        );
        std::fs::write(path, serde_json::to_string_pretty(&Value::Object(out))? + "\n")?;
        println!("Wrote {}", path.display());
    }
    // Sanity, never speed: every figure measured must be a positive finite number (one this
    // build cannot measure is printed as not available instead).
    let insane: Vec<&str> = figures
        .0
        .iter()
        .filter(|f| f.value.is_some_and(|v| !(v.is_finite() && v > 0.0)))
        .map(|f| f.label.as_str())
        .collect();
    if !insane.is_empty() {
        bail!("figures that are zero or not a number: {insane:?}");
    }
    Ok(())
}
