//! The servers a run uses: its own PostgreSQL databases (`provisio_bench_*`, dropped at the
//! end), a private `nats-server` (from the testkit, killed on drop), and the service itself
//! as a child process (this binary's hidden `serve` subcommand), so its peak resident memory
//! is its own.

use anyhow::{Context, bail};
use clap::Parser;
use provisio::cli::{Cli, Command as CliCommand};
use sqlx::{Connection, Executor};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Databases {
    admin: String,
    names: Vec<String>,
}

impl Databases {
    pub(crate) fn new(admin: &str) -> Self {
        Self { admin: admin.to_owned(), names: Vec::new() }
    }

    /// Creates an empty database `provisio_bench_<label>_<pid>` and answers its URL.
    pub(crate) async fn create(&mut self, label: &str) -> anyhow::Result<String> {
        let name = format!("provisio_bench_{label}_{}", std::process::id());
        let mut conn =
            sqlx::PgConnection::connect(&self.admin).await.with_context(|| format!("connecting to {}", self.admin))?;
        conn.execute(sqlx::AssertSqlSafe(format!("drop database if exists {name}"))).await?;
        conn.execute(sqlx::AssertSqlSafe(format!("create database {name}"))).await?;
        conn.close().await.ok();
        self.names.push(name.clone());
        let base = self.admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or_else(|| self.admin.clone());
        Ok(format!("{base}/{name}"))
    }

    pub(crate) async fn drop_all(&mut self) {
        let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin).await else { return };
        for name in self.names.drain(..) {
            let _ = conn.execute(sqlx::AssertSqlSafe(format!("drop database if exists {name} with (force)"))).await;
        }
        conn.close().await.ok();
    }
}

/// How long a client keeps an idle connection to the service. The service closes a kept-alive
/// connection that sends no request within its header read timeout (10 s), and a request sent
/// on a connection it is closing fails: the soak's `/metrics` scrape, every 10 s, lost about
/// one in ten that way.
pub(crate) const KEPT_ALIVE: Duration = Duration::from_secs(5);

/// The service, running as a child process.
pub(crate) struct Service {
    child: Child,
    pub(crate) base: String,
    /// An admin API key, made for the run: every request is authenticated as in production.
    key: String,
    /// From starting the process to `/readyz` answering 200 (the start-up replay).
    pub(crate) ready_after: Duration,
}

impl Service {
    /// Starts the service; with `snapshot_every_events`, asks it to write an engine snapshot
    /// every that many events (and on no timer); with `postcodes`, gives it that postcode file.
    pub(crate) async fn start(
        database_url: &str,
        nats_url: Option<&str>,
        snapshot_every_events: Option<u64>,
        postcodes: Option<&std::path::Path>,
    ) -> anyhow::Result<Self> {
        let store = provisio_store::Store::connect(database_url).await?;
        let (_, key) = provisio_api::create_key(&store, &provisio_access::Principal::Admin, "benchmark").await?;
        store.close().await;
        let exe = std::env::current_exe()?;
        let mut cmd = Command::new(exe);
        cmd.arg("serve").arg("--database-url").arg(database_url);
        if let Some(url) = nats_url {
            cmd.arg("--nats-url").arg(url);
        }
        if let Some(n) = snapshot_every_events {
            cmd.arg("--snapshot-every-events").arg(n.to_string());
        }
        if let Some(path) = postcodes {
            cmd.arg("--postcodes").arg(path);
        }
        // The service reads its flags' PROVISIO_* variables too: only the flags given here count.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PROVISIO_") {
                cmd.env_remove(name);
            }
        }
        let spawned = Instant::now();
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().context("starting the service")?;
        let stdout = child.stdout.take().context("service stdout")?;
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        })
        .await??;
        let Some(addr) = line.trim().strip_prefix("listening ") else {
            let _ = child.kill();
            bail!("the service did not start: {line:?}");
        };
        let mut service = Self { child, base: format!("http://{addr}"), key, ready_after: Duration::ZERO };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            if let Ok(r) = client.get(format!("{}/readyz", service.base)).send().await
                && r.status() == 200
            {
                service.ready_after = spawned.elapsed();
                return Ok(service);
            }
            if Instant::now() > deadline {
                bail!("the service did not become ready");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// An HTTP client that sends the run's key and keeps up to `connections` idle.
    pub(crate) fn http(&self, connections: usize) -> anyhow::Result<reqwest::Client> {
        let mut auth = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", self.key))?;
        auth.set_sensitive(true);
        let headers = reqwest::header::HeaderMap::from_iter([(reqwest::header::AUTHORIZATION, auth)]);
        Ok(reqwest::Client::builder()
            .default_headers(headers)
            .pool_max_idle_per_host(connections)
            .pool_idle_timeout(KEPT_ALIVE)
            .build()?)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak and current resident memory of the service, in bytes (VmHWM, VmRSS).
    pub(crate) fn memory(&self) -> (u64, u64) {
        memory_of(&format!("/proc/{}/status", self.pid()))
    }

    /// SIGTERM, then waits (the writer commits the batch in hand); SIGKILL after 20 s.
    pub(crate) fn stop(mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.pid().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Writes out what earlier phases left for the disk (PostgreSQL's dirty buffers, then every
/// dirty page of the kernel's, NATS's stream files among them), so that a phase starts on a
/// quiet disk as the first baselines do, instead of sharing it with the writeback of the
/// phase before (which made the live phase's p99 vary from 17 to 45 ms). Prints how much
/// was waiting.
pub(crate) async fn quiesce(database_url: &str) -> anyhow::Result<()> {
    let dirty = |text: String| {
        text.lines().find_map(|l| l.strip_prefix("Dirty:")?.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
    };
    let before = dirty(std::fs::read_to_string("/proc/meminfo").unwrap_or_default());
    let started = Instant::now();
    // CHECKPOINT needs a superuser (or pg_checkpoint): without one, only the kernel flushes.
    let mut db = sqlx::PgConnection::connect(database_url).await?;
    if let Err(error) = db.execute("checkpoint").await {
        println!("  (no CHECKPOINT: {error})");
    }
    tokio::process::Command::new("sync").status().await.context("running sync")?;
    if let Some(kb) = before {
        println!(
            "  flushed {:.0} MiB left dirty by earlier phases in {:.2} s",
            kb / 1024.0,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

pub(crate) fn memory_of(status_path: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(status_path).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The hidden `serve` subcommand: the real application, in this process, from the flags
/// `provisio serve` reads (so it is configured as the binary is), on port 0, with
/// authentication on (the benchmark's clients send an admin key) and rate limits off (64
/// clients on one key would otherwise measure the limiter). Prints `listening ADDR`.
pub(crate) async fn serve(
    database_url: String,
    nats_url: Option<String>,
    snapshot_every_events: Option<u64>,
    postcodes: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let mut flags: Vec<String> = ["provisio", "serve", "--listen", "127.0.0.1:0", "--database-url", &database_url]
        .into_iter()
        .chain(["--max-batch", "1000", "--rate-limit", "0", "--sse-per-key", "1000"])
        .map(str::to_owned)
        .collect();
    flags.extend(nats_url.into_iter().flat_map(|url| ["--nats-url".to_owned(), url]));
    // Snapshots, by count only: a timer would write one at a moment no phase knows.
    if let Some(n) = snapshot_every_events {
        flags.extend([
            "--snapshot-every-events".to_owned(),
            n.to_string(),
            "--snapshot-every-minutes".to_owned(),
            "0".into(),
        ]);
    }
    if let Some(path) = postcodes {
        flags.extend(["--postcodes".to_owned(), path.to_string_lossy().into_owned()]);
    }
    let cli = Cli::try_parse_from(&flags)?;
    let CliCommand::Serve(args) = cli.command else { bail!("not a serve command line: {flags:?}") };
    let config = provisio::Config::from_flags(&args.server, &args.store.database_url, Some(&args.bus));
    let app = provisio::Application::build(&config).await?;
    println!("listening {}", app.local_addr());
    app.run_until_stopped().await
}
