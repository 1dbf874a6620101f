//! The roles of the one binary (ADR 0013), as Loki and Mimir have them: `all` (everything in
//! one process, the default), `writer` (consumes JetStream, writes the log, projects and
//! records; one active per database, the others standing by) and `reader` (serves every read
//! from an engine of its own that follows the log, and publishes writes to JetStream).
//!
//! This module only checks a role against its store and bus and keeps the writer's
//! leadership; what a role runs is chosen where the application is built (`lib.rs`), and the
//! roles themselves live in `ingest` (writing or following the log) and `projector`
//! (recording or not). The engine knows nothing of them.

use anyhow::Context;
use provisio_store::{Backend, Lead, Leadership, Store};
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Writes and serves, alone on its database.
    All,
    /// Writes the log; one active per database, the others stand by.
    Writer,
    /// Serves reads from its own engine, sends writes through JetStream.
    Reader,
}

/// Whether writers elect a leader (`--leadership`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Election {
    /// A writer that finds another leading stands by and takes over when it dies.
    On,
    /// No standby: a writer expects to be the only one and refuses to start while another
    /// writes the database (as `all` always does).
    Off,
}

impl Role {
    /// Whether this process writes the log.
    pub fn writes(self) -> bool {
        self != Role::Reader
    }
}

/// A role that cannot run with the store and bus it was given.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RoleError {
    #[error(
        "--role {0} needs PostgreSQL: an SQLite file belongs to one process, so run it as --role all \
         (the default)"
    )]
    NeedsPostgres(&'static str),
    #[error("--role writer consumes JetStream: give it --nats-url")]
    WriterNeedsNats,
    #[error(
        "another writer is active on this database (it holds the writer's lock): stop it, or start this \
         process as --role writer with --leadership on to stand by, or as --role reader"
    )]
    AnotherWriter,
}

/// Checks a role against its store and bus before anything starts.
pub fn check(role: Role, backend: Backend, has_nats: bool) -> Result<(), RoleError> {
    match (role, backend) {
        (Role::Writer, Backend::Sqlite) => Err(RoleError::NeedsPostgres("writer")),
        (Role::Reader, Backend::Sqlite) => Err(RoleError::NeedsPostgres("reader")),
        (Role::Writer, _) if !has_nats => Err(RoleError::WriterNeedsNats),
        _ => Ok(()),
    }
}

/// How often a standby writer tries to take the lock: with a writer killed, its session ends
/// at once (the kernel closes its socket) and a standby leads within this.
const STANDBY_POLL: Duration = Duration::from_millis(250);

/// How long a process that does not stand by waits for the lock before refusing to start: long enough for the session
/// of a process killed just before this one started to end.
const ALL_WAITS: Duration = Duration::from_secs(10);

/// How often the leader checks that its lock's session is alive, and how long one check may
/// take: together well below the 9 s the server takes to drop a silent session (store's
/// `coordination.rs`), so a partitioned leader knows it has lost the lock before a standby
/// can take it.
const HEARTBEAT: Duration = Duration::from_secs(1);
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether this process, if it finds another writer leading, waits to take over.
fn stands_by(role: Role, election: Election) -> bool {
    role == Role::Writer && election == Election::On
}

/// The writer's lock held for this process, if it writes on PostgreSQL: a `writer` with
/// leadership on stands by until it has it; `all`, and a `writer` with leadership off, wait
/// for it a little and then refuse; `reader` and SQLite need none.
pub async fn lead(store: &Store, role: Role, election: Election) -> anyhow::Result<Option<Arc<Mutex<Leadership>>>> {
    if !role.writes() || store.backend() == Backend::Sqlite {
        return Ok(None);
    }
    let stands_by = stands_by(role, election);
    let started = Instant::now();
    let mut announced = false;
    loop {
        match store.try_lead().await {
            Ok(Lead::Led(leadership)) => {
                tracing::info!(
                    message = "Leading: this process writes the log.",
                    waited_ms = started.elapsed().as_millis() as u64
                );
                return Ok(Some(Arc::new(Mutex::new(leadership))));
            }
            Ok(Lead::HeldBy(_)) => {}
            // A standby outlives an outage of the database; the others report it at start.
            Err(error) if stands_by => {
                tracing::warn!(message = "Cannot try the writer's lock; standing by.", %error);
            }
            Err(error) => return Err(error.into()),
        }
        if !stands_by && started.elapsed() >= ALL_WAITS {
            return Err(RoleError::AnotherWriter.into());
        }
        if !announced {
            tracing::info!(message = "Another writer leads; standing by.", role = ?role);
            announced = true;
        }
        tokio::time::sleep(STANDBY_POLL).await;
    }
}

/// [`lead`], with the port answering while a writer stands by: `/healthz` says it is alive
/// and everything else `503` (standing by), so an orchestrator keeps the process and sends it
/// no traffic. The port is released once it leads, and the service binds it again.
pub async fn lead_answering_health(
    store: &Store,
    role: Role,
    election: Election,
    listen: &str,
) -> anyhow::Result<Option<Arc<Mutex<Leadership>>>> {
    if !stands_by(role, election) || store.backend() == Backend::Sqlite {
        return lead(store, role, election).await;
    }
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
    let stop = CancellationToken::new();
    let server = tokio::spawn(
        axum::serve(listener, standby_router()).with_graceful_shutdown(stop.clone().cancelled_owned()).into_future(),
    );
    let led = lead(store, role, election).await;
    stop.cancel();
    let _ = server.await;
    led
}

/// What a standby writer answers. Every answer closes its connection, so no client keeps one
/// open past the hand-over to the service's own listener.
fn standby_router() -> axum::Router {
    use axum::http::{StatusCode, header};
    let close = [(header::CONNECTION, "close")];
    axum::Router::new()
        .route("/healthz", axum::routing::get(move || async move { (close, "ok: standing by") }))
        .fallback(move || async move {
            let retry = [(header::CONNECTION, "close"), (header::RETRY_AFTER, "5")];
            (StatusCode::SERVICE_UNAVAILABLE, retry, "not ready: standing by, another writer leads")
        })
}

/// Checks the leadership every second until shutdown. When the lock's session is lost (the
/// database restarted, or could not be reached), the lock is taken again as soon as it is
/// free: nothing could be written meanwhile, the database being away. Found held by the lost
/// session's own server process (the server has not yet seen it end), it is tried again. If
/// another writer has taken it, the process exits at once, without finishing the batch in
/// hand, and comes back as a standby when its supervisor restarts it.
pub async fn hold(store: Store, leadership: Arc<Mutex<Leadership>>, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(HEARTBEAT) => {}
        }
        let mut held = leadership.lock().await;
        let error = match tokio::time::timeout(HEARTBEAT_TIMEOUT, held.check()).await {
            Ok(Ok(())) => continue,
            Ok(Err(error)) => error.to_string(),
            Err(_) => "no answer in time".to_owned(),
        };
        tracing::warn!(message = "Lost the writer's lock's session; taking the lock again.", %error);
        loop {
            match tokio::time::timeout(HEARTBEAT_TIMEOUT, store.try_lead()).await {
                Ok(Ok(Lead::Led(again))) => {
                    tracing::info!(message = "Leading again: the writer's lock was free.");
                    *held = again;
                    break;
                }
                Ok(Ok(Lead::HeldBy(pid))) if pid == held.pid() || pid == 0 => {
                    tracing::info!(message = "The lost session still holds the writer's lock; waiting for its end.");
                }
                Ok(Ok(Lead::HeldBy(_))) => {
                    tracing::error!(message = "Another writer leads now; stopping at once.");
                    std::process::exit(3);
                }
                Ok(Err(error)) => tracing::warn!(message = "Cannot take the writer's lock yet.", %error),
                Err(_) => tracing::warn!(message = "Cannot take the writer's lock yet: no answer in time."),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(STANDBY_POLL) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_and_reader_need_postgres_and_a_writer_needs_nats() {
        assert_eq!(check(Role::Reader, Backend::Sqlite, true), Err(RoleError::NeedsPostgres("reader")));
        assert_eq!(check(Role::Writer, Backend::Sqlite, true), Err(RoleError::NeedsPostgres("writer")));
        assert_eq!(check(Role::Writer, Backend::Postgres, false), Err(RoleError::WriterNeedsNats));
        assert_eq!(check(Role::Reader, Backend::Postgres, false), Ok(()));
        assert_eq!(check(Role::All, Backend::Sqlite, false), Ok(()));
    }
}
