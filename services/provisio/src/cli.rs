//! Command-line interface: every flag also reads its `PROVISIO_*` environment variable.

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "provisio", version, about = "Provisio: the shared ledger and radar of Learning Partnerships.", long_about = "Provisio keeps the event log of a Learning Partnership's provision (offers, curricula, enrolments, needs, targets) and finds gaps and duplication.\n\nWith no flags it runs on the embedded default: a SQLite file and an in-process bus, nothing to install. Give --database-url postgres://… and --nats-url nats://… for production.")]
pub struct Cli {
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct ServiceArgs {
    /// Address the HTTP API listens on.
    #[arg(long, env = "PROVISIO_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    pub listen: String,
    /// Event store: sqlite://FILE (embedded) or postgres://USER@HOST/DB.
    #[arg(long, env = "PROVISIO_DATABASE_URL", default_value = "sqlite://provisio.db", global = true, hide_env_values = true)]
    pub database_url: String,
    /// NATS server with JetStream, e.g. nats://127.0.0.1:4222. Without it, an in-process bus.
    #[arg(long, env = "PROVISIO_NATS_URL", global = true)]
    pub nats_url: Option<String>,
    /// Name of the durable JetStream consumer (and of its checkpoint in SQL).
    #[arg(long, env = "PROVISIO_CONSUMER", default_value = "provisio", global = true)]
    pub consumer: String,
    /// Most events committed in one SQL transaction.
    #[arg(long, env = "PROVISIO_MAX_BATCH", default_value_t = 1000, global = true)]
    pub max_batch: usize,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service: HTTP API, ingestion (JetStream or in-process) and the event store.
    Serve,
    /// Run the service on a fresh embedded store with demo partnerships loaded; prints the URL.
    Demo(DemoArgs),
    /// Rebuild the report read models from the event log (run with the service stopped).
    Rebuild,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Seed of the generated demo data (the same seed gives the same data).
    #[arg(long, env = "PROVISIO_DEMO_SEED", default_value_t = 2001)]
    pub seed: u64,
}
