//! The `provisio` service: builds the store, the ingestion route and the HTTP API from a
//! [`Config`], runs them, and stops them gracefully. `main.rs` only parses and calls this, so
//! tests can start the real application on port 0.

pub mod changes;
pub mod cli;
pub mod client;
pub mod demo;
pub mod finder_feed;
pub mod heap;
pub mod import;
pub mod keys;
pub mod public_args;
pub mod rebuild;
pub mod report;
pub mod roles;
pub mod serve;

use anyhow::Context;
use provisio_ingest::{Ingest, IngestConfig};
use provisio_projector::Projection;
use provisio_store::{Store, redact_url};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Everything the service needs to start; `cli` lists the flags and variables that set it.
#[derive(Debug, Clone)]
pub struct Config {
    /// What this process does (ADR 0013).
    pub role: roles::Role,
    /// Whether a writer stands by while another leads (ADR 0013).
    pub leadership: roles::Election,
    pub listen: String,
    pub database_url: String,
    pub nats_url: Option<String>,
    pub consumer: String,
    /// How many servers keep each message of `LP_EVENTS` (`--stream-replicas`).
    pub stream_replicas: usize,
    /// How often the writer trims `LP_EVENTS` behind its log (`--stream-trim-seconds`).
    pub stream_trim: Option<std::time::Duration>,
    pub max_batch: usize,
    pub insecure_no_auth: bool,
    /// Count the bytes allocated and not freed, for `/metrics` (`--count-heap`).
    pub count_heap: bool,
    pub limits: provisio_api::Limits,
    /// When engine images are written (ADR 0009).
    pub images: provisio_projector::ImageSettings,
    pub connections: serve::ConnectionLimits,
    /// The public finder's flags (section 11).
    pub public: public_args::PublicArgs,
}

impl Config {
    /// The service of `serve` or `demo` from its flags; without `bus`, the in-process bus.
    pub fn from_flags(server: &cli::ServerArgs, database_url: &str, bus: Option<&cli::BusArgs>) -> Self {
        Self {
            role: roles::Role::All,
            leadership: roles::Election::On,
            listen: server.listen.clone(),
            database_url: database_url.to_owned(),
            nats_url: bus.and_then(|b| b.nats_url.clone()),
            consumer: bus.map_or_else(|| IngestConfig::default().consumer_name, |b| b.consumer.clone()),
            stream_replicas: bus.map_or(1, |b| usize::from(b.stream_replicas)),
            stream_trim: bus
                .filter(|b| b.stream_trim_seconds > 0)
                .map(|b| std::time::Duration::from_secs(b.stream_trim_seconds)),
            max_batch: server.max_batch,
            insecure_no_auth: server.insecure_no_auth,
            count_heap: server.count_heap,
            limits: (&server.limits).into(),
            connections: (&server.limits).into(),
            images: (&server.images).into(),
            public: server.public.clone(),
        }
    }
}

/// A built, not yet running, service.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    connections: serve::ConnectionLimits,
    ingest: Ingest,
    /// The writer's lock, released once everything has stopped writing.
    leadership: Option<std::sync::Arc<tokio::sync::Mutex<provisio_store::Leadership>>>,
    tracker: TaskTracker,
    shutdown: CancellationToken,
}

impl Application {
    /// Builds the service of `config.role`; a standby writer waits here until it leads.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        if config.count_heap {
            heap::start_counting();
        }
        let store = Store::connect(&config.database_url)
            .await
            .with_context(|| format!("opening the event store at {}", redact_url(&config.database_url)))?;
        roles::check(config.role, store.backend(), config.nats_url.is_some())?;
        let leadership = roles::lead_answering_health(&store, config.role, config.leadership, &config.listen).await?;
        let writes = config.role.writes();
        let tracker = TaskTracker::new();
        let shutdown = CancellationToken::new();
        let ingest_config = IngestConfig {
            nats_url: config.nats_url.clone(),
            consumer_name: config.consumer.clone(),
            max_batch: config.max_batch.max(1),
            stream_replicas: config.stream_replicas,
            stream_trim: config.stream_trim,
            event_limits: config.limits.events.clone(),
            writes_the_log: writes,
            ..Default::default()
        };
        let ingest = Ingest::start(ingest_config, store.clone(), &tracker, shutdown.clone())
            .await
            .context("starting ingestion")?;
        if let Some(leadership) = &leadership {
            tracker.spawn(roles::hold(store.clone(), leadership.clone(), shutdown.clone()));
        }
        let (projection, live_nats) = if writes {
            (Projection::with_images(store, config.images.clone()), ingest.nats().cloned())
        } else {
            // The writer publishes the live changes on NATS; a reader pushes them only to its
            // own SSE clients.
            (Projection::reader(store), None)
        };
        tracker.spawn(projection.clone().run(ingest.follow(), live_nats, shutdown.clone()));
        let public = std::sync::Arc::new(config.public.load()?);
        tracker.spawn(finder_feed::follow(public.finder.clone(), ingest.clone(), projection.clone(), shutdown.clone()));
        let listener =
            TcpListener::bind(&config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
        let router = provisio_api::router(provisio_api::AppState {
            ingest: ingest.clone(),
            projection,
            shutdown: shutdown.clone(),
            access: std::sync::Arc::new(provisio_api::Access::new(!config.insecure_no_auth, config.limits.clone())),
            reports: Default::default(),
            plans: Default::default(),
            public,
            heap_in_use: config.count_heap.then_some(heap::in_use as fn() -> u64),
        });
        if config.insecure_no_auth {
            tracing::warn!(
                message = "Authentication is OFF (--insecure-no-auth): anyone who reaches the port is an admin."
            );
        }
        tracing::info!(
            message = "Provisio started.",
            role = ?config.role,
            listen = %listener.local_addr()?,
            database = %redact_url(&config.database_url),
            bus = config.nats_url.as_deref().map_or("in-process".into(), provisio_ingest::redact_nats_url),
        );
        Ok(Self { listener, router, connections: config.connections.clone(), ingest, leadership, tracker, shutdown })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn ingest(&self) -> &Ingest {
        &self.ingest
    }

    /// Cancelling this token stops the service as SIGTERM would.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until SIGTERM, Ctrl-C or the shutdown token; then stops taking requests,
    /// lets the writer finish the batch in hand, and returns.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let shutdown = self.shutdown.clone();
        tokio::spawn({
            let shutdown = shutdown.clone();
            async move {
                wait_for_signal().await;
                tracing::info!(message = "Shutting down.");
                shutdown.cancel();
            }
        });
        serve::serve(self.listener, self.router, self.connections, shutdown.clone()).await;
        shutdown.cancel();
        self.tracker.close();
        self.tracker.wait().await;
        drop(self.leadership);
        self.ingest.store().close().await;
        tracing::info!(message = "Provisio stopped.");
        Ok(())
    }
}

/// Waits for Ctrl-C or, on Unix, SIGTERM.
pub async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
