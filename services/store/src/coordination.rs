//! What processes sharing one PostgreSQL log tell each other (ADR 0013): which one is the
//! writer (a session advisory lock held on a connection of its own), and that the log has
//! grown (a notice on every append's commit, for readers following it); and the token that
//! marks their own events on NATS.
//!
//! SQLite has neither: one process owns the file, so it is always its own writer.

use crate::{Pool, Store, StoreError};
use sqlx::Connection;
use sqlx::postgres::{PgConnection, PgListener};

/// The writer's lock among PostgreSQL's advisory locks: an arbitrary constant ("PROVWRIT"),
/// distinct from the append lock every append transaction takes.
const WRITER_LOCK: i64 = 0x5052_4f56_5752_4954;

/// The channel every append notifies when it commits (`BEGIN_APPEND` in `append.rs` names it).
const APPENDED_CHANNEL: &str = "provisio_appended";

/// The server drops a session whose client went silent (a partition, a dead host) after
/// about `idle + interval × count` = 9 s, releasing the writer's lock. Longer than the
/// writer takes to notice the same silence (its heartbeat), so the old writer has stopped
/// before a standby can lead. Only TCP sessions have keepalives; a Unix socket breaks at once.
const KEEPALIVES: &str = "set tcp_keepalives_idle = 5; set tcp_keepalives_interval = 2; set tcp_keepalives_count = 2";

/// The log's writership, held for as long as this value and its connection live.
pub struct Leadership {
    connection: PgConnection,
    /// The server process of the session holding the lock.
    pid: i32,
}

/// What trying to take the writer's lock found.
pub enum Lead {
    Led(Leadership),
    /// Another session holds it: the server process of that session.
    HeldBy(i32),
}

impl Leadership {
    /// The server process of the session holding the lock: after that session was lost, the
    /// lock found held by the same process is still this one's, not another writer's.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Answers `Ok` while the session holding the lock is alive. An error means the lock may
    /// be gone (another writer may lead already): the caller stops writing at once.
    pub async fn check(&mut self) -> Result<(), StoreError> {
        sqlx::query("select 1").execute(&mut self.connection).await?;
        Ok(())
    }
}

/// Wakes a follower when an append commits; a notice may be missed while the connection is
/// re-established, so a follower also looks at the log now and then.
pub struct AppendNotices {
    listener: PgListener,
}

impl AppendNotices {
    /// Waits for the next commit (or several: notices of one moment come together).
    pub async fn next(&mut self) -> Result<(), StoreError> {
        self.listener.recv().await?;
        while self.listener.next_buffered().is_some() {}
        Ok(())
    }
}

impl Store {
    /// Tries once to become the log's writer. On SQLite, an error: there one process owns
    /// the file.
    pub async fn try_lead(&self) -> Result<Lead, StoreError> {
        let Pool::Postgres(pool) = &self.pool else {
            return Err(StoreError::NeedsPostgres("writer leadership"));
        };
        let mut connection = PgConnection::connect_with(&*pool.connect_options()).await?;
        sqlx::raw_sql(KEEPALIVES).execute(&mut connection).await?;
        let (led, pid): (bool, i32) = sqlx::query_as("select pg_try_advisory_lock($1), pg_backend_pid()")
            .bind(WRITER_LOCK)
            .fetch_one(&mut connection)
            .await?;
        if led {
            return Ok(Lead::Led(Leadership { connection, pid }));
        }
        // Advisory locks show in `pg_locks` with the key's halves as `classid` and `objid`.
        let holder: Option<i32> = sqlx::query_scalar(
            "select pid from pg_locks where locktype = 'advisory' and granted \
             and classid = ($1 >> 32)::oid and objid = ($1 & 4294967295)::oid and objsubid = 1",
        )
        .bind(WRITER_LOCK)
        .fetch_optional(&mut connection)
        .await?;
        connection.close().await.ok();
        // Released between the two statements: held by nobody now, try again.
        Ok(Lead::HeldBy(holder.unwrap_or(0)))
    }

    /// The token that marks the service's own `urn:public` events on NATS: one per database,
    /// shared by every process of a deployment, made by the migrations.
    pub async fn service_token(&self) -> Result<String, StoreError> {
        Ok(crate::on_pool!(self, pool => sqlx::query_scalar("select token from service_token where id = 1")
            .fetch_one(pool)
            .await?))
    }

    /// Notices of every append committed from now on, by any process. On SQLite, an error.
    pub async fn append_notices(&self) -> Result<AppendNotices, StoreError> {
        let Pool::Postgres(pool) = &self.pool else {
            return Err(StoreError::NeedsPostgres("following the log of another process"));
        };
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(APPENDED_CHANNEL).await?;
        Ok(AppendNotices { listener })
    }
}
