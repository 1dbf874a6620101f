//! The SQL store: the append-only event log, consumer checkpoints and rejections, on
//! PostgreSQL (production) or SQLite (the embedded default).
//!
//! Architecture invariants: this is the only crate that speaks SQL. Events are stored as
//! received (their JSON text) and are never updated or deleted. An event id is unique for
//! ever. Appends are serialised (one writer per process, and an advisory lock on PostgreSQL
//! for any other), so positions become visible in increasing order.

mod append;
mod as_of;
mod changes;
mod coordination;
mod images;
mod keys;
mod log;
mod migrate;

pub use append::{AppendBatch, AppendOutcome, Appended, Checkpoint, CommittedEvents, NewEvent, NewRejection};
pub use changes::{PROJECTOR_CHECKPOINT, StoredChange};
pub use coordination::{AppendNotices, Lead, Leadership};
pub use keys::{ApiKey, NewApiKey};
pub use log::{LogQuery, StoredEvent, StoredRejection};

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// The end of every statement that sets a checkpoint (a JetStream consumer's stream sequence,
/// or the projector's position): a checkpoint only moves forward. A writer that has lost its
/// leadership without knowing it yet (its lock's connection gone while a batch was in flight)
/// must not set back the checkpoint of the writer that took over. `rebuild` drops a
/// checkpoint by deleting its row.
macro_rules! checkpoint_forward {
    () => {
        "on conflict (name) do update set stream_sequence = excluded.stream_sequence \
         where excluded.stream_sequence > consumer_checkpoints.stream_sequence"
    };
}
pub(crate) use checkpoint_forward;

/// Sets a checkpoint, forward only.
const UPSERT_CHECKPOINT: &str =
    concat!("insert into consumer_checkpoints (name, stream_sequence) values ($1, $2) ", checkpoint_forward!());

/// The store's errors; database detail stays here and in logs, never in an API answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL scheme in {0:?}: use postgres://… or sqlite://…")]
    UnsupportedUrl(String),
    #[error("{0} needs PostgreSQL")]
    NeedsPostgres(&'static str),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("an engine image of {0} bytes is larger than a PostgreSQL field can hold (2 GiB)")]
    ImageTooLarge(usize),
}

impl StoreError {
    /// True when the database could not be reached (down, refusing or dropping connections,
    /// no connection free in time), as opposed to a statement that failed: worth retrying.
    pub fn is_unreachable(&self) -> bool {
        use sqlx::Error as E;
        matches!(self, StoreError::Database(E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) | E::WorkerCrashed))
    }
}

/// How long a query waits for a PostgreSQL connection. While the database is away, every query
/// waits this long (sqlx retries a refused connection until then) before failing as
/// unreachable, so it is short: a request that needs the database is answered `503` within a
/// second instead of hanging (it was 10 s). A healthy pool of 8 hands a connection out in
/// microseconds; one this busy is better refused than queued.
const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_millis(500);

/// Which SQL engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

#[derive(Debug, Clone)]
enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// Runs the same body against whichever pool the store has; the body is compiled once per
/// backend, so it may only use SQL both engines understand.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Postgres($pool) => $body,
            $crate::Pool::Sqlite($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// A handle on the store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
}

impl Store {
    /// Connects to `postgres://…` or `sqlite://…` (the file is created when missing) and
    /// brings the schema up to date.
    #[tracing::instrument(skip_all, fields(backend))]
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Pool::Postgres(
                PgPoolOptions::new().max_connections(8).acquire_timeout(PG_ACQUIRE_TIMEOUT).connect(url).await?,
            )
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit is on disk before it is acknowledged, even on power loss.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10));
            Pool::Sqlite(SqlitePoolOptions::new().max_connections(4).connect_with(options).await?)
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let store = Self { pool };
        tracing::Span::current().record("backend", tracing::field::debug(store.backend()));
        migrate::run(&store).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Postgres(_) => Backend::Postgres,
            Pool::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Waits for every connection to be returned and closes them.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}

/// A database URL with any password replaced, fit for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &userinfo[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Now, as the RFC 3339 UTC timestamp the store records.
pub(crate) fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// `now`, or `latest` when that instant is later: the text a new log entry records so that
/// `recorded_at` never decreases as the position grows.
pub(crate) fn not_before(now: String, latest: Option<String>) -> String {
    use time::format_description::well_known::Rfc3339;
    let instant = |text: &str| time::OffsetDateTime::parse(text, &Rfc3339).ok();
    match latest {
        Some(latest) if instant(&latest) > instant(&now) => latest,
        _ => now,
    }
}

#[cfg(test)]
mod tests {
    use super::{not_before, redact_url};

    #[test]
    fn a_new_entry_is_recorded_no_earlier_than_the_last() {
        let now = "2026-12-02T04:00:00.5Z".to_owned();
        assert_eq!(not_before(now.clone(), None), now);
        assert_eq!(not_before(now.clone(), Some("2026-12-02T03:59:59.999999Z".into())), now);
        assert_eq!(not_before(now.clone(), Some("2026-12-02T04:00:00.50001Z".into())), "2026-12-02T04:00:00.50001Z");
        assert_eq!(not_before(now.clone(), Some("not a time".into())), now);
    }

    #[test]
    fn passwords_never_reach_a_log_line() {
        assert_eq!(redact_url("postgres://app:s3cret@db:5432/lp"), "postgres://app:***@db:5432/lp");
        assert_eq!(redact_url("postgres://app@db/lp"), "postgres://app@db/lp");
        assert_eq!(redact_url("sqlite://provisio.db"), "sqlite://provisio.db");
    }
}
