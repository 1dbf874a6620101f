//! The `provisio` binary: parses the command line, sets up logging, runs a subcommand.

use clap::Parser;
use provisio::cli::{Cli, Command};
use provisio::{Application, Config, changes, demo, import, keys, rebuild, report};
use std::io::IsTerminal;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Serve(args) => {
            let config = Config {
                role: args.role,
                leadership: args.leadership,
                ..Config::from_flags(&args.server, &args.store.database_url, Some(&args.bus))
            };
            let app = Application::build(&config).await?;
            app.run_until_stopped().await
        }
        Command::Demo(args) => demo::run(args).await,
        Command::Rebuild(store) => rebuild::run(&store.database_url).await,
        Command::Keys(args) => keys::run(&args.store.database_url, args.command).await,
        Command::NatsConfig(args) => keys::nats_config(args).await,
        Command::Import(args) => {
            let clean = import::run(args).await?;
            // Non-zero when any row was rejected, so scripts notice.
            std::process::exit(if clean { 0 } else { 2 });
        }
        Command::Report(args) => exit_on_error(report::run(args).await),
        Command::Changes(args) => exit_on_error(changes::run(args).await),
    }
}

/// A command for people at a terminal: its failure (the service's refusal, or a flag it could
/// not read) is one line, "error: …", and exit code 1.
fn exit_on_error(outcome: anyhow::Result<()>) -> anyhow::Result<()> {
    if let Err(e) = outcome {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
    Ok(())
}

/// Human-readable logs on a terminal, JSON lines otherwise; `RUST_LOG` filters.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,async_nats=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
        builder.init();
    } else {
        builder.json().flatten_event(true).init();
    }
}
