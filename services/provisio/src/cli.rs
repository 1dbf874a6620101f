//! Command-line interface: each subcommand takes the flags it uses, and every flag also reads
//! its `PROVISIO_*` environment variable (the demo's store excepted, see [`DemoArgs`]).

use clap::{Args, Parser, Subcommand};

/// Provisio: the shared ledger and radar of Learning Partnerships.
///
/// Provisio keeps the event log of a Learning Partnership's provision (offers, curricula,
/// enrolments, needs, targets) and finds gaps and duplication.
///
/// With no flags `provisio serve` runs on the embedded default: a SQLite file and an in-process
/// bus, nothing to install. Give --database-url postgres://… and --nats-url nats://… for
/// production. `provisio help COMMAND` lists a subcommand's flags.
#[derive(Debug, Parser)]
#[command(name = "provisio", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service: HTTP API, ingestion (JetStream or in-process) and the event store.
    Serve(ServeArgs),
    /// Run the service on an embedded store with demo partnerships loaded; prints the URL and keys.
    Demo(DemoArgs),
    /// Rebuild the report read models from the event log (run with the service stopped).
    Rebuild(StoreArgs),
    /// Manage API keys (in the database named by --database-url).
    Keys(KeysArgs),
    /// Print a nats-server `authorization` block: one user per key, allowed only its subjects.
    NatsConfig(NatsConfigArgs),
    /// Import a Course Directory CSV or an XCRI-CAP 1.2 file: validate it here, report every
    /// rejected row, then publish (to --server, to --nats-url, or into --database-url).
    Import(ImportArgs),
    /// Print a report of a partnership from a running service (--server), now or as it was at
    /// an earlier moment (--as-of, --as-of-position).
    Report(ReportArgs),
    /// Print what changed in a partnership's reports between two moments, from a running
    /// service (--server): summary figures, gaps and duplications opened, closed or changed,
    /// targets changed.
    Changes(ChangesArgs),
}

/// The event store. Global, so that `provisio keys --database-url X create` and
/// `provisio keys create --database-url X` both work.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Event store: sqlite://FILE (embedded) or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "PROVISIO_DATABASE_URL",
        default_value = "sqlite://provisio.db",
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,
}

/// The JetStream connection of a service.
#[derive(Debug, Clone, Args)]
pub struct BusArgs {
    /// NATS server with JetStream, e.g. nats://127.0.0.1:4222, or nats://USER:PASSWORD@HOST:PORT
    /// (replies then come on the user's own inbox, _INBOX_<USER>); the servers of a cluster
    /// separated by commas. Without it, an in-process bus.
    #[arg(long, env = "PROVISIO_NATS_URL", hide_env_values = true)]
    pub nats_url: Option<String>,
    /// Name of the durable JetStream consumer (and of its checkpoint in SQL).
    #[arg(long, env = "PROVISIO_CONSUMER", default_value = "provisio")]
    pub consumer: String,
    /// How many NATS servers keep each message of the stream LP_EVENTS (a JetStream cluster of
    /// at least that many). An existing stream with another count is changed at start-up, or
    /// the start is refused when the servers cannot.
    #[arg(long, env = "PROVISIO_STREAM_REPLICAS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub stream_replicas: u8,
    /// Every this many seconds the writer removes from LP_EVENTS the messages its SQL log
    /// holds and every consumer of the stream has acknowledged: the log is the record, and a
    /// stream kept whole grows with it. 0 keeps every message.
    #[arg(long, env = "PROVISIO_STREAM_TRIM_SECONDS", default_value_t = 60)]
    pub stream_trim_seconds: u64,
}

/// Flags of a running service, whatever its store and bus.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Address the HTTP API listens on.
    #[arg(long, env = "PROVISIO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Most events committed in one SQL transaction.
    #[arg(long, env = "PROVISIO_MAX_BATCH", default_value_t = 1000)]
    pub max_batch: usize,
    /// Serve without API keys: every request is treated as an admin's. Never on a network.
    #[arg(long, env = "PROVISIO_INSECURE_NO_AUTH")]
    pub insecure_no_auth: bool,
    /// Count the bytes the process has allocated and not freed, shown by `/metrics` as
    /// `provisio_heap_in_use_bytes`: live data apart from what the allocator keeps, for a
    /// resident memory that grows. Costs a shared counter update per allocation.
    #[arg(long, env = "PROVISIO_COUNT_HEAP")]
    pub count_heap: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub images: ImageArgs,
    #[command(flatten)]
    pub public: crate::public_args::PublicArgs,
}

/// When the engine's state is stored as an image, so a start replays only the log after it
/// (ADR 0009).
#[derive(Debug, Clone, Args)]
pub struct ImageArgs {
    /// Store an engine image once this many events were applied since the last (0: never by count).
    #[arg(long, env = "PROVISIO_SNAPSHOT_EVERY_EVENTS", default_value_t = 100_000)]
    pub snapshot_every_events: u64,
    /// Store an engine image once this many minutes passed since the last, if events were
    /// applied meanwhile (0: never by time).
    #[arg(long, env = "PROVISIO_SNAPSHOT_EVERY_MINUTES", default_value_t = 10)]
    pub snapshot_every_minutes: u64,
    /// Engine images kept; reads of the past start from the newest one at or below them.
    #[arg(long, env = "PROVISIO_SNAPSHOT_KEEP", default_value_t = 4)]
    pub snapshot_keep: usize,
    /// Test only: hold each image write's transaction open this many milliseconds.
    #[arg(long, env = "PROVISIO_TEST_SNAPSHOT_HOLD_MS", default_value_t = 0, hide = true)]
    pub test_snapshot_hold_ms: u64,
}

impl From<&ImageArgs> for provisio_projector::ImageSettings {
    fn from(a: &ImageArgs) -> Self {
        Self {
            every_events: a.snapshot_every_events,
            every: std::time::Duration::from_secs(a.snapshot_every_minutes.saturating_mul(60)),
            keep: a.snapshot_keep.max(1),
            hold_write: std::time::Duration::from_millis(a.test_snapshot_hold_ms),
        }
    }
}

/// Limits of the HTTP surface (defaults in `provisio_api::Limits`).
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Largest request body, in bytes.
    #[arg(long, env = "PROVISIO_MAX_BODY_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest course file POST /v1/providers/{ukprn}/imports reads, in bytes.
    #[arg(long, env = "PROVISIO_MAX_IMPORT_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_import_bytes: usize,
    /// Most events in one POST /v1/events.
    #[arg(long, env = "PROVISIO_MAX_REQUEST_EVENTS", default_value_t = 1000)]
    pub max_request_events: usize,
    /// Deepest JSON nesting accepted in an event, over HTTP and NATS alike.
    #[arg(long, env = "PROVISIO_MAX_JSON_DEPTH", default_value_t = 64)]
    pub max_json_depth: usize,
    /// Longest JSON text of one event, in bytes, over HTTP and NATS alike.
    #[arg(long, env = "PROVISIO_MAX_EVENT_BYTES", default_value_t = 1024 * 1024)]
    pub max_event_bytes: usize,
    /// Seconds a request (other than a live stream) may take.
    #[arg(long, env = "PROVISIO_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Live (SSE) streams one key may hold open.
    #[arg(long, env = "PROVISIO_SSE_PER_KEY", default_value_t = 8)]
    pub sse_per_key: usize,
    /// Most HTTP connections open at once (keep it below the process's descriptor limit); at the
    /// cap a new connection replaces the oldest one with no request in hand.
    #[arg(long, env = "PROVISIO_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Seconds a connection may take to send a request's head, counted from the end of the
    /// previous response on a kept-alive connection: an idle kept-alive connection is closed
    /// after this long.
    #[arg(long, env = "PROVISIO_HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub header_read_timeout_secs: u64,
    /// Seconds a connection may move no byte either way before it is closed (between requests
    /// the header read timeout closes it first when that is shorter).
    #[arg(long, env = "PROVISIO_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub idle_timeout_secs: u64,
    /// Sustained requests per second per key (0: no limit).
    #[arg(long, env = "PROVISIO_RATE_LIMIT", default_value_t = 200.0)]
    pub rate_limit: f64,
    /// Requests a key may make in a burst before the rate applies.
    #[arg(long, env = "PROVISIO_RATE_BURST", default_value_t = 400.0)]
    pub rate_burst: f64,
}

impl From<&LimitArgs> for provisio_api::Limits {
    fn from(a: &LimitArgs) -> Self {
        Self {
            max_body_bytes: a.max_body_bytes,
            max_import_bytes: a.max_import_bytes,
            max_batch: a.max_request_events,
            events: provisio_ingest::EventLimits {
                max_event_bytes: a.max_event_bytes,
                max_json_depth: a.max_json_depth,
            },
            request_timeout: std::time::Duration::from_secs(a.request_timeout_secs.max(1)),
            sse_per_key: a.sse_per_key,
            rate_per_second: a.rate_limit,
            rate_burst: a.rate_burst.max(1.0),
        }
    }
}

impl From<&LimitArgs> for crate::serve::ConnectionLimits {
    fn from(a: &LimitArgs) -> Self {
        Self {
            max_connections: a.max_connections.max(1),
            header_read_timeout: std::time::Duration::from_secs(a.header_read_timeout_secs.max(1)),
            idle_timeout: std::time::Duration::from_secs(a.idle_timeout_secs.max(1)),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// What this process does (ADR 0013): `all` writes and serves, alone on its database;
    /// `writer` consumes JetStream and writes the log, one active per database (the others
    /// stand by and take over); `reader` serves every read from its own engine and publishes
    /// writes to JetStream. `writer` and `reader` need PostgreSQL.
    #[arg(long, env = "PROVISIO_ROLE", value_enum, default_value_t = crate::roles::Role::All)]
    pub role: crate::roles::Role,
    /// With `on`, a writer that finds another leading stands by and takes over when it dies;
    /// with `off`, it expects to be the only writer and refuses to start (exit code 1) while
    /// another writes the database. `all` never stands by.
    #[arg(long, env = "PROVISIO_LEADERSHIP", value_enum, default_value_t = crate::roles::Election::On)]
    pub leadership: crate::roles::Election,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub bus: BusArgs,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// The demo's own store. PROVISIO_DATABASE_URL is not read, so that the demo never
    /// writes its data into the store the environment names for the real service.
    #[arg(long, default_value = "sqlite://provisio-demo.db")]
    pub database_url: String,
    /// Seed of the generated demo data (the same seed gives the same data).
    #[arg(long, env = "PROVISIO_DEMO_SEED", default_value_t = 2001)]
    pub seed: u64,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Clone, Args)]
pub struct KeysArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it (alone, on standard output); it is not shown again.
    Create {
        /// admin, partnership, viewer, provider or member.
        #[arg(long)]
        role: String,
        /// The partnership a partnership, viewer or member key is bound to.
        #[arg(long)]
        partnership: Option<String>,
        /// The member id a member key is bound to (with --partnership).
        #[arg(long)]
        member: Option<String>,
        /// The UKPRN a provider key is bound to.
        #[arg(long)]
        ukprn: Option<String>,
        /// A name for people: who or what holds the key.
        #[arg(long)]
        label: String,
    },
    /// List keys (ids, roles, labels, dates; never the keys).
    List,
    /// Revoke a key by its id; a running service refuses it within 10 s.
    Revoke {
        /// The key's id, as `provisio keys list` shows it (not the key itself).
        key_id: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct NatsConfigArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The NATS user the service itself connects as.
    #[arg(long, env = "PROVISIO_NATS_SERVICE_USER", default_value = "provisio")]
    pub service_user: String,
    /// That user's password (stored in the output as a bcrypt hash only).
    #[arg(long, env = "PROVISIO_NATS_SERVICE_PASSWORD", hide_env_values = true)]
    pub service_password: String,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The CSV (courses or venues) or XCRI-CAP XML file.
    pub file: std::path::PathBuf,
    /// The provider's UKPRN (required for CSV; overrides the feed's for XCRI-CAP).
    #[arg(long)]
    pub ukprn: Option<String>,
    /// Only report: publish nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Publish single offers, withdrawing nothing the file leaves out (default: the file is the
    /// provider's whole curriculum for each academic year in it).
    #[arg(long)]
    pub partial: bool,
    /// Academic year (YYYY/YY) for rows that have none.
    #[arg(long)]
    pub academic_year: Option<String>,
    /// Level (entry, 1 to 8) for records that have none.
    #[arg(long)]
    pub default_level: Option<String>,
    /// Age group (14-16, 16-18, 19+) for records that have none.
    #[arg(long)]
    pub default_age_group: Option<String>,
    /// ONS district code of venues with no AREA and no postcode match.
    #[arg(long)]
    pub default_area: Option<String>,
    /// Mode (full-time, part-time, distance, work-based) for records that have none.
    #[arg(long)]
    pub default_mode: Option<String>,
    /// Places for XCRI-CAP presentations that give none.
    #[arg(long)]
    pub default_places: Option<u32>,
    /// A JSON mapping of subject codes and mode phrases, merged over the starter mapping (not
    /// with --server, which reads the file with the starter mapping).
    #[arg(long)]
    pub mapping: Option<std::path::PathBuf>,
    /// A CSV extract of the ONS Postcode Directory (postcode and district columns; not with
    /// --server).
    #[arg(long)]
    pub postcodes: Option<std::path::PathBuf>,
    /// A running Provisio to send the file to (it computes created/updated/withdrawn too).
    #[arg(long, env = "PROVISIO_SERVER")]
    pub server: Option<String>,
    /// The API key for --server (a provider key of this UKPRN, or an admin key).
    #[arg(long, env = "PROVISIO_KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// NATS server with JetStream to publish to, without --server: nats://HOST:PORT, or
    /// nats://KEY_ID:KEY@HOST:PORT on a server configured by `provisio nats-config`.
    #[arg(long, env = "PROVISIO_NATS_URL", hide_env_values = true)]
    pub nats_url: Option<String>,
    // Without --server or --nats-url, the events are appended to this store (a stopped service
    // applies them at its next start).
    #[command(flatten)]
    pub store: StoreArgs,
}

/// A running service to ask, and the key to ask it with.
#[derive(Debug, Clone, Args)]
pub struct RemoteArgs {
    /// The running Provisio to ask, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "PROVISIO_SERVER")]
    pub server: String,
    /// The API key to ask with: an admin key, or a partnership or viewer key of the partnership.
    #[arg(long, env = "PROVISIO_KEY", hide_env_values = true)]
    pub key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportKind {
    /// Unmet demand: the cells where the partnership's needs exceed the places offered.
    Gaps,
    /// Several providers offering the same course beyond the demand for it.
    Duplications,
    /// Demand and supply of every cell: every academic year together, or the --academic-year.
    Coverage,
    /// The partnership's targets and how far they are met.
    Targets,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Which report: gaps, duplications, coverage or targets.
    #[arg(value_enum)]
    pub report: ReportKind,
    /// The partnership's id.
    #[arg(long)]
    pub partnership: String,
    /// The report as it was at this moment: a date (YYYY-MM-DD, meaning the start of that day,
    /// UTC) or an RFC 3339 instant such as 2001-09-01T09:30:00+01:00. Default: now.
    #[arg(long, conflicts_with = "as_of_position")]
    pub as_of: Option<String>,
    /// The report as it was right after this position of the event log was applied.
    #[arg(long)]
    pub as_of_position: Option<u64>,
    /// Only this academic year (YYYY/YY).
    #[arg(long)]
    pub academic_year: Option<String>,
    /// Only this subject: a Sector Subject Area tier 2 code such as 4.1.
    #[arg(long)]
    pub subject: Option<String>,
    /// Only this level (entry, 1 to 8).
    #[arg(long)]
    pub level: Option<String>,
    /// Only this age group (14-16, 16-18, 19+).
    #[arg(long)]
    pub age_group: Option<String>,
    /// Print the service's JSON answer unchanged instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ChangesArgs {
    /// The partnership's id.
    #[arg(long)]
    pub partnership: String,
    /// From this moment: a position of the event log (an integer), a date (YYYY-MM-DD, meaning
    /// the start of that day, UTC) or an RFC 3339 instant such as 2001-09-01T09:30:00Z.
    #[arg(long)]
    pub since: String,
    /// Up to this moment, given as --since is. Default: the last applied position.
    #[arg(long)]
    pub until: Option<String>,
    /// Print the service's JSON answer unchanged instead of one line per change.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    fn undescribed(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments().filter(|a| !matches!(a.get_id().as_str(), "help" | "version")) {
            if arg.get_help().is_none() {
                missing.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            let sub_path = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() {
                missing.push(sub_path.clone());
            }
            undescribed(sub, &sub_path, missing);
        }
    }

    #[test]
    fn every_subcommand_and_argument_says_what_it_is() {
        let mut cli = Cli::command();
        cli.build();
        cli.clone().debug_assert();
        let mut missing = Vec::new();
        undescribed(&cli, "provisio", &mut missing);
        assert!(missing.is_empty(), "no description in --help: {missing:?}");
    }
}
